import { ConfigError } from '../core/errors.js';
import { validatePolicyFile } from '../core/policy/parse.js';
import type { PolicyFile } from '../core/policy/schema.js';

/**
 * Reads a required environment variable once, at cold start. A missing one fails with its name
 * rather than as an undefined deep inside a use case.
 */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new ConfigError(`environment variable ${name} is not set; it is set by serverless.yml at deploy`);
  }
  return value;
}

/** The policy file serverless.yml validated at package time, validated again here at start. */
export function policyFromEnv(env: NodeJS.ProcessEnv = process.env): PolicyFile {
  const text = requireEnv('LIFEBOAT_POLICY', env);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError('environment variable LIFEBOAT_POLICY is not valid JSON', { cause: error });
  }
  return validatePolicyFile(value, 'LIFEBOAT_POLICY');
}
