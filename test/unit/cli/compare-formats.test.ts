import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseFingerprint } from '../../../lib/core/fingerprint/types.js';
import { runLifeboat } from '../../support/cli.js';

const orders = { rows: 3, checksum: '00000000000000aa', columns: '1111111111111111' };

const fingerprint = (extra: Partial<DatabaseFingerprint>): DatabaseFingerprint => ({
  engine: 'postgres',
  rowHash: 'typed',
  tables: { 'public.orders': orders },
  ...extra,
});

// Each run starts the CLI in a child process, as an operator would: seconds each on a busy machine.
describe('lifeboat compare of fingerprints of different formats', { timeout: 120_000 }, () => {
  let dir: string;
  const file = (name: string, content: DatabaseFingerprint) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(content));
    return path;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lifeboat-formats-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 2 with one line naming both formats, in either mode, printing no difference', async () => {
    const v1 = file('v1.json', fingerprint({ format: 1 }));
    const v2 = file(
      'v2.json',
      fingerprint({ format: 2, tables: { 'public.orders': { ...orders, rows: 4 } } }),
    );
    const runs = await Promise.all([
      runLifeboat(['compare', v1, v2]),
      runLifeboat(['compare', v1, v2, '--tolerance', '50', '--json']),
    ]);
    for (const run of runs) {
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      const lines = run.stderr.trim().split('\n');
      expect(lines).toEqual([
        `lifeboat: cannot compare ${v1} (postgres typed format 1) with ${v2} (postgres typed format 2): fingerprint format 1 -> 2: checksums of different formats never match`,
      ]);
    }
  });

  it('exits 2 for an exact comparison of rows hashed two ways, and compares their row counts with a tolerance', async () => {
    const typed = file('typed.json', fingerprint({ format: 1 }));
    const text = file('text.json', fingerprint({ format: 1, rowHash: 'text' }));
    const [exact, tolerated] = await Promise.all([
      runLifeboat(['compare', typed, text]),
      runLifeboat(['compare', typed, text, '--tolerance', '0']),
    ]);
    expect(exact.code).toBe(2);
    expect(exact.stderr).toMatch(
      /\(postgres typed format 1\) with .* \(postgres text format 1\): rows hashed typed -> text/,
    );
    expect(tolerated.code).toBe(0);
    expect(tolerated.stdout).toContain('same: 1 tables');
  });

  it('compares a fingerprint stored without a format as format 1', async () => {
    const unrecorded = file('old.json', fingerprint({}));
    const v1 = file(
      'v1-changed.json',
      fingerprint({ format: 1, tables: { 'public.orders': { ...orders, checksum: '00000000000000bb' } } }),
    );
    const [same, different] = await Promise.all([
      runLifeboat(['compare', unrecorded, file('v1-same.json', fingerprint({ format: 1 }))]),
      runLifeboat(['compare', unrecorded, v1]),
    ]);
    expect(same.code).toBe(0);
    expect(different.code).toBe(1);
    expect(different.stdout).toMatch(
      /MISMATCH\s+public\.orders: checksum 00000000000000aa -> 00000000000000bb/,
    );
  });
});
