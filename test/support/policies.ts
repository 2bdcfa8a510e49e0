import { validatePolicyFile } from '../../lib/core/policy/parse.js';
import type { PolicyFile } from '../../lib/core/policy/schema.js';

/**
 * A policy file with one policy, "gold", selecting `lifeboat:policy=gold`, validated as at Lambda
 * start. `overrides` replaces any of its keys (select, copies, unencryptedSources, ...).
 */
export function goldPolicyFile(overrides: Record<string, unknown> = {}): PolicyFile {
  return validatePolicyFile({
    policies: {
      gold: {
        select: { tags: { 'lifeboat:policy': 'gold' } },
        schedule: 'cron(0 */6 * * ? *)',
        rpoMinutes: 360,
        rtoMinutes: 120,
        retention: { daily: 7 },
        ...overrides,
      },
    },
  });
}
