import { ConfigError, GuardRefusedError, InvalidInputError, NotFoundError } from '../lib/core/errors.js';

/** Exit codes every `lifeboat` command keeps to (DESIGN.md, "The CLI"). */
export const EXIT = {
  ok: 0,
  /** A verification mismatch or a failed check. */
  failed: 1,
  /** Bad usage, a bad policy or inventory file, an unreachable endpoint named by the operator. */
  usage: 2,
} as const;

/**
 * The exit code of a command that threw. Exit 2 promises that the operator's input or
 * configuration is what was wrong and nothing changed. AWS asking to retry later (a quota, copies
 * in flight), a resource not ready, or a failed delivery is none of that: a script that retries on
 * 1 and gives up on 2 must see those as 1.
 */
export function exitCodeOf(error: unknown): number {
  const usage =
    error instanceof ConfigError ||
    error instanceof InvalidInputError ||
    error instanceof NotFoundError ||
    error instanceof GuardRefusedError;
  return usage ? EXIT.usage : EXIT.failed;
}
