import { describe, expect, it } from 'vitest';
import { SCRATCH_ENDPOINT_OVERRIDE } from '../../lib/adapters/aws/scratch-connections.js';
import { loadTemplate, PACKAGING_TIMEOUT_MS, resourcesOfType } from '../support/template.js';

// Variables that exist for the tests only: a deployed function connects to the endpoint RDS reports.
const TEST_ONLY = [SCRATCH_ENDPOINT_OVERRIDE];

describe('test-only environment variables', { timeout: PACKAGING_TIMEOUT_MS }, () => {
  it('are set on no packaged function', () => {
    const functions = resourcesOfType(loadTemplate(), 'AWS::Lambda::Function');
    const variables = functions.map(([id, fn]) => {
      const environment = fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined;
      return [id, Object.keys(environment?.Variables ?? {})] as const;
    });

    // The restore steps are packaged, with their environment, so the check has something to see.
    expect(variables.find(([id]) => id === 'RestorePlanFingerprintsLambdaFunction')?.[1]).toContain(
      'LIFEBOAT_SCRATCH_PASSWORD_KEY',
    );
    for (const [id, names] of variables) {
      expect({ id, names: names.filter((name) => TEST_ONLY.includes(name)) }).toEqual({ id, names: [] });
    }
  });
});
