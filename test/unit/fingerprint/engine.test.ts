import { describe, expect, it } from 'vitest';
import { engineOfRds } from '../../../lib/core/fingerprint/engine.js';

describe('engineOfRds', () => {
  it.each([
    ['postgres', 'postgres'],
    ['aurora-postgresql', 'postgres'],
    ['mysql', 'mysql'],
    ['mariadb', 'mysql'],
    ['aurora-mysql', 'mysql'],
    ['Aurora-PostgreSQL', 'postgres'],
  ])('fingerprints %s as %s', (rds, engine) => {
    expect(engineOfRds(rds)).toBe(engine);
  });

  it.each(['oracle-ee', 'sqlserver-se', 'db2-se', ''])('knows no way to fingerprint %j', (rds) => {
    expect(engineOfRds(rds)).toBeUndefined();
  });
});
