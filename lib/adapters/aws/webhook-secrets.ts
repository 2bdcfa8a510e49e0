import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { ConfigError } from '../../core/errors.js';
import type { WebhookUrlSource } from '../../core/chat/deliver.js';
import type { Clock } from '../../core/ports.js';

export interface WebhookSecretsOptions {
  secretsManager: SecretsManagerClient;
  ssm: SSMClient;
  /** How long a URL is reused before it is read again, so a rotated webhook takes effect. */
  ttlMs?: number;
  clock?: Clock;
}

/**
 * Reads chat webhook URLs named by the chat settings: `secretsmanager:<name>` (the secret string is
 * the URL, or JSON with a `url` key) or `ssm:/<name>` (a SecureString). Values are cached per warm
 * Lambda for `ttlMs`. Errors name the reference, never the value.
 */
export class WebhookSecrets implements WebhookUrlSource {
  readonly #secretsManager: SecretsManagerClient;
  readonly #ssm: SSMClient;
  readonly #ttlMs: number;
  readonly #clock: Clock;
  readonly #cache = new Map<string, { url: Promise<string>; expiresAt: number }>();

  constructor(options: WebhookSecretsOptions) {
    this.#secretsManager = options.secretsManager;
    this.#ssm = options.ssm;
    this.#ttlMs = options.ttlMs ?? 5 * 60_000;
    this.#clock = options.clock ?? (() => new Date());
  }

  webhookUrl(ref: string): Promise<string> {
    const now = this.#clock().getTime();
    const cached = this.#cache.get(ref);
    if (cached && cached.expiresAt > now) return cached.url;
    const url = this.#read(ref);
    this.#cache.set(ref, { url, expiresAt: now + this.#ttlMs });
    // A failed read is not cached: the next message tries again.
    url.catch(() => this.#cache.delete(ref));
    return url;
  }

  async #read(ref: string): Promise<string> {
    const separator = ref.indexOf(':');
    const store = ref.slice(0, separator);
    const name = ref.slice(separator + 1);
    let text: string | undefined;
    if (store === 'secretsmanager') {
      const secret = await this.#secretsManager.send(new GetSecretValueCommand({ SecretId: name }));
      text = secret.SecretString;
    } else if (store === 'ssm') {
      const parameter = await this.#ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      if (parameter.Parameter?.Type !== 'SecureString') {
        throw new ConfigError(`webhook ${ref} must be an SSM SecureString, not ${parameter.Parameter?.Type}`);
      }
      text = parameter.Parameter.Value;
    } else {
      throw new ConfigError(`webhook reference "${ref}" must start with secretsmanager: or ssm:`);
    }
    return webhookUrlFrom(text, ref);
  }
}

function webhookUrlFrom(text: string | undefined, ref: string): string {
  let candidate = text?.trim() ?? '';
  if (candidate.startsWith('{')) {
    try {
      const value = JSON.parse(candidate) as { url?: unknown };
      candidate = typeof value.url === 'string' ? value.url : '';
    } catch {
      candidate = '';
    }
  }
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    throw new ConfigError(`webhook ${ref} does not hold a URL (or JSON with a "url" key)`);
  }
  // Chat webhooks are HTTPS; plain http is accepted for loopback only, where tests stand in for them.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && url.hostname === '127.0.0.1')) {
    throw new ConfigError(`webhook ${ref} must be an https:// URL`);
  }
  return url.toString();
}
