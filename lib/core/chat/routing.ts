import * as z from 'zod';
import { ConfigError } from '../errors.js';
import { formatIssues } from '../policy/parse.js';
import type { Severity } from '../notification/message.js';

/**
 * Where a webhook URL is kept. The URL is a credential (anyone holding it can post), so it lives in
 * Secrets Manager or an SSM SecureString and only its name is in the deployment's settings.
 */
const WebhookRefSchema = z.string().regex(/^(secretsmanager:[A-Za-z0-9/_+=.@-]+|ssm:\/[A-Za-z0-9/_.-]+)$/, {
  error: 'must be "secretsmanager:<secret name>" or "ssm:/<parameter name>" (a SecureString)',
});

const ChannelNameSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, {
  error: 'channel names are lower-case letters, digits and "-"',
});

export const ChannelSchema = z.strictObject({
  type: z.enum(['slack', 'teams']),
  webhook: WebhookRefSchema,
});

const RouteSchema = z.strictObject({
  channels: z.array(ChannelNameSchema).default([]),
  /** Slack only: `here` or `channel` adds an @here/@channel mention so the message pages people. */
  mention: z.enum(['here', 'channel']).optional(),
  /**
   * Collect this severity's messages and post them as one digest per channel on `digestSchedule`
   * instead of one message each: for successes, so the channel stays readable.
   */
  digest: z.boolean().default(false),
});

export const ChatConfigSchema = z
  .strictObject({
    channels: z.record(ChannelNameSchema, ChannelSchema).default({}),
    /** Per severity, the channels a message goes to. An empty list keeps that severity out of chat. */
    routes: z.strictObject({
      critical: RouteSchema.default({ channels: [], digest: false }),
      warning: RouteSchema.default({ channels: [], digest: false }),
      info: RouteSchema.default({ channels: [], digest: false }),
    }),
    /** When digests are posted (EventBridge rate() or cron()). */
    digestSchedule: z
      .string()
      .regex(/^(rate|cron)\(.+\)$/, { error: 'must be an EventBridge expression such as "rate(1 hour)"' })
      .default('rate(1 hour)'),
  })
  .superRefine((config, ctx) => {
    if (config.routes.critical.digest) {
      ctx.addIssue({
        code: 'custom',
        path: ['routes', 'critical', 'digest'],
        message: 'cannot be true: a failure pages when it happens, it does not wait for a digest',
      });
    }
    for (const severity of ['critical', 'warning', 'info'] as const) {
      config.routes[severity].channels.forEach((name, index) => {
        if (!config.channels[name]) {
          ctx.addIssue({
            code: 'custom',
            path: ['routes', severity, 'channels', index],
            message: `names channel "${name}", which is not defined under channels`,
          });
        }
      });
    }
  });

export type ChatChannel = z.infer<typeof ChannelSchema> & { name: string };
export type ChatConfig = z.infer<typeof ChatConfigSchema>;

export function validateChatConfig(value: unknown, origin = 'chat settings'): ChatConfig {
  const result = ChatConfigSchema.safeParse(value);
  if (!result.success) throw new ConfigError(`${origin} are invalid:\n${formatIssues(result.error.issues)}`);
  return result.data;
}

export interface Route {
  channels: ChatChannel[];
  mention?: 'here' | 'channel';
  digest: boolean;
}

/** The channels a message of this severity goes to, in the order the settings list them. */
export function routeFor(config: ChatConfig, severity: Severity): Route {
  const route = config.routes[severity];
  return {
    channels: route.channels.map((name) => ({ name, ...config.channels[name]! })),
    ...(route.mention ? { mention: route.mention } : {}),
    digest: route.digest,
  };
}
