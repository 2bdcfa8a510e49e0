import { gunzipSync, gzipSync } from 'node:zlib';
import { ConfigError } from '../core/errors.js';
import { checkHomeRegion } from '../core/policy/home-region.js';
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

/** Marks a LIFEBOAT_POLICY that is the policy's JSON gzipped, then base64-encoded. */
const GZIPPED = 'gzip:';
/** Up to this size the policy stays plain JSON, readable in the Lambda console. */
const PLAIN_POLICY_BYTES = 2048;
/** What Lambda's 4 KB for all of a function's variables leaves to LIFEBOAT_POLICY. */
export const MAX_POLICY_ENV_BYTES = 3072;

/**
 * LIFEBOAT_POLICY for a validated policy file, as packaging sets it: its JSON, or that JSON
 * gzipped when it is large (policies compress several times over). A file too large even so is
 * refused here, at package time, rather than by Lambda at deploy.
 */
export function policyForEnv(file: PolicyFile): string {
  const json = JSON.stringify(file);
  if (Buffer.byteLength(json) <= PLAIN_POLICY_BYTES) return json;
  const packed = GZIPPED + gzipSync(json, { level: 9 }).toString('base64');
  if (packed.length > MAX_POLICY_ENV_BYTES) {
    throw new ConfigError(
      `the policy file is ${Buffer.byteLength(json)} bytes as JSON and ${packed.length} compressed, over the ` +
        `${MAX_POLICY_ENV_BYTES} bytes Lambda's 4 KB of environment variables leaves for it: ` +
        'deploy its policies as two stages, each with its own policy file',
    );
  }
  return packed;
}

/** The policy file serverless.yml validated at package time, validated again here at start. */
export function policyFromEnv(env: NodeJS.ProcessEnv = process.env): PolicyFile {
  const text = requireEnv('LIFEBOAT_POLICY', env);
  let json = text;
  if (text.startsWith(GZIPPED)) {
    try {
      json = gunzipSync(Buffer.from(text.slice(GZIPPED.length), 'base64')).toString('utf8');
    } catch (error) {
      throw new ConfigError('environment variable LIFEBOAT_POLICY is not valid gzip and base64', {
        cause: error,
      });
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new ConfigError('environment variable LIFEBOAT_POLICY is not valid JSON', { cause: error });
  }
  const file = validatePolicyFile(value, 'LIFEBOAT_POLICY');
  // Checked at package time too (deploy/config.cjs); here for a function started elsewhere.
  return env.AWS_REGION ? checkHomeRegion(file, env.AWS_REGION, 'LIFEBOAT_POLICY') : file;
}
