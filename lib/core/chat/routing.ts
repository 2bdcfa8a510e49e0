import * as z from '../validation.js';
import { ConfigError } from '../errors.js';
import { formatIssues } from '../policy/parse.js';
import type { Severity } from '../notification/message.js';

/**
 * Where a webhook URL is kept. The URL is a credential (anyone holding it can post), so it lives in
 * Secrets Manager or an SSM SecureString and only its name is in the deployment's settings.
 */
const WebhookRefSchema = z.string().check(
  z.regex(/^(secretsmanager:[A-Za-z0-9/_+=.@-]+|ssm:\/[A-Za-z0-9/_.-]+)$/, {
    error: 'must be "secretsmanager:<secret name>" or "ssm:/<parameter name>" (a SecureString)',
  }),
);

const ChannelNameSchema = z
  .string()
  .check(
    z.regex(/^[a-z0-9][a-z0-9-]{0,40}$/, { error: 'channel names are lower-case letters, digits and "-"' }),
  );

export const ChannelSchema = z.strictObject({
  type: z.enum(['slack', 'teams']),
  webhook: WebhookRefSchema,
});

const RouteSchema = z.strictObject({
  channels: z._default(z.array(ChannelNameSchema), []),
  /** Slack only: `here` or `channel` adds an @here/@channel mention so the message pages people. */
  mention: z.optional(z.enum(['here', 'channel'])),
  /**
   * Collect this severity's messages and post them as one digest per channel on `digestSchedule`
   * instead of one message each: for successes, so the channel stays readable.
   */
  digest: z._default(z.boolean(), false),
});

export const ChatConfigSchema = z
  .strictObject({
    channels: z._default(z.record(ChannelNameSchema, ChannelSchema), {}),
    /** Per severity, the channels a message goes to. An empty list keeps that severity out of chat. */
    routes: z.strictObject({
      critical: z._default(RouteSchema, { channels: [], digest: false }),
      warning: z._default(RouteSchema, { channels: [], digest: false }),
      info: z._default(RouteSchema, { channels: [], digest: false }),
    }),
    /** When digests are posted (EventBridge rate() or cron()). */
    digestSchedule: z._default(
      z.string().check(
        z.regex(/^(rate|cron)\(.+\)$/, {
          error: 'must be an EventBridge expression such as "rate(1 hour)"',
        }),
      ),
      'rate(1 hour)',
    ),
  })
  .check(
    z.superRefine((config, ctx) => {
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
    }),
  );

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
