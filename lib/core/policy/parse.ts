import type * as z from '../validation.js';
import { ConfigError } from '../errors.js';
import { PolicyFileSchema, type Policy, type PolicyFile } from './schema.js';

/**
 * Validates a policy file's content. Every problem is reported at once, each naming its key
 * (`policies.gold.retention.daily: must be 0 or more`), so one edit fixes them all. The YAML
 * reader is in file.ts, apart, so that functions which get the policy as JSON do not bundle it.
 */
export function validatePolicyFile(value: unknown, origin = 'policy file'): PolicyFile {
  const result = PolicyFileSchema.safeParse(value);
  if (!result.success) throw new ConfigError(`${origin} is invalid:\n${formatIssues(result.error.issues)}`);
  return result.data;
}

export function formatIssues(issues: readonly z.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const key = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
      return `  - ${key}: ${messageOf(issue)}`;
    })
    .join('\n');
}

function messageOf(issue: z.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_key':
      // A record key (a policy name) failed its own schema; its message is the useful one.
      return issue.issues[0]?.message ?? issue.message;
    default:
      return issue.message;
  }
}

/**
 * The policy of that name, if the file defines one. An own key only: a name from an event or a tag
 * such as "constructor" or "toString" must not find Object.prototype's members.
 */
export function findPolicy(file: PolicyFile, name: string): Policy | undefined {
  return Object.hasOwn(file.policies, name) ? file.policies[name] : undefined;
}

export function getPolicy(file: PolicyFile, name: string): Policy {
  const policy = findPolicy(file, name);
  if (!policy) {
    throw new ConfigError(
      `unknown policy "${name}"; the policy file defines: ${Object.keys(file.policies).join(', ')}`,
    );
  }
  return policy;
}
