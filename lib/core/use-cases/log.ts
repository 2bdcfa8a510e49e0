/**
 * The part of a structured logger the use cases write to: the Powertools Logger in Lambda, the
 * console in the CLI, nothing in tests that do not look.
 */
export interface UseCaseLogger {
  info(message: string, ...attributes: Array<Record<string, unknown>>): void;
  warn(message: string, ...attributes: Array<Record<string, unknown>>): void;
  error(message: string, ...attributes: Array<Record<string, unknown>>): void;
}

export const silentLogger: UseCaseLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
