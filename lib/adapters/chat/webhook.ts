import { DeliveryFailedError } from '../../core/errors.js';
import type { WebhookPoster } from '../../core/chat/deliver.js';

/** The part of a Powertools Logger the poster uses. */
export interface WebhookLogger {
  warn(message: string, attributes: Record<string, unknown>): void;
}

export interface WebhookClientOptions {
  /** Per attempt; Slack and Teams answer in well under a second when healthy. */
  timeoutMs?: number;
  /** Attempts in all, the first included. */
  attempts?: number;
  /** First pause between attempts; it doubles each time. */
  backoffMs?: number;
  /** Upper bound on a 429's Retry-After, so one slow channel cannot use up the Lambda timeout. */
  maxRetryAfterMs?: number;
  logger?: WebhookLogger;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * A webhook URL is a bearer credential: Slack's secret is in the path, a Teams workflow's in the
 * `sig` query parameter. Logs and errors only ever show the origin.
 */
export function redactUrl(url: string): string {
  try {
    return `${new URL(url).origin}/[redacted]`;
  } catch {
    return '[redacted webhook URL]';
  }
}

class AttemptFailed extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * Posts JSON to Slack incoming webhooks and Teams workflow webhooks. Retries a timeout, a network
 * error, 408, 429 and any 5xx with exponential backoff, a bounded number of times; any other 4xx
 * (a revoked webhook, a malformed card) is final at once.
 */
export class WebhookClient implements WebhookPoster {
  readonly #timeoutMs: number;
  readonly #attempts: number;
  readonly #backoffMs: number;
  readonly #maxRetryAfterMs: number;
  readonly #logger: WebhookLogger | undefined;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: WebhookClientOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#attempts = Math.max(1, options.attempts ?? 3);
    this.#backoffMs = options.backoffMs ?? 500;
    this.#maxRetryAfterMs = options.maxRetryAfterMs ?? 10_000;
    this.#logger = options.logger;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async post(url: string, body: unknown, channel: string): Promise<void> {
    const target = redactUrl(url);
    let last: AttemptFailed | undefined;
    for (let attempt = 1; attempt <= this.#attempts; attempt++) {
      try {
        await this.#attempt(url, body);
        return;
      } catch (error) {
        last = error instanceof AttemptFailed ? error : new AttemptFailed('unexpected failure', true);
        this.#logger?.warn('chat webhook attempt failed', {
          channel,
          target,
          attempt,
          of: this.#attempts,
          reason: last.message,
          willRetry: last.retryable && attempt < this.#attempts,
        });
        if (!last.retryable || attempt === this.#attempts) break;
        const backoff = this.#backoffMs * 2 ** (attempt - 1);
        await this.#sleep(Math.min(Math.max(backoff, last.retryAfterMs ?? 0), this.#maxRetryAfterMs));
      }
    }
    throw new DeliveryFailedError(
      `channel ${channel}: POST ${target} failed: ${last?.message ?? 'no attempt'}`,
    );
  }

  async #attempt(url: string, body: unknown): Promise<void> {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      // Only the error's name and code: undici's messages and causes may carry the request URL.
      const name = error instanceof Error ? error.name : 'Error';
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new AttemptFailed(`no answer within ${this.#timeoutMs} ms`, true);
      }
      const code = (error as { cause?: { code?: unknown } }).cause?.code;
      throw new AttemptFailed(`network error (${typeof code === 'string' ? code : name})`, true);
    }
    if (response.ok) {
      await response.body?.cancel();
      return;
    }
    const text = (await response.text().catch(() => '')).slice(0, 200).replace(/\s+/g, ' ').trim();
    const retryable = response.status >= 500 || response.status === 429 || response.status === 408;
    throw new AttemptFailed(
      `HTTP ${response.status}${text ? ` ${text}` : ''}`,
      retryable,
      retryAfterMs(response.headers.get('retry-after')),
    );
  }
}
