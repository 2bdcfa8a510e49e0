import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runLifeboat } from '../support/cli.js';

describe('lifeboat drill --incident', () => {
  it('finds what the bad statements did, repairs it, and keeps what the writer did since', async () => {
    const run = await runLifeboat(['drill', '--incident']);

    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    const deleted = Number(/: (\d+) lines deleted, (\d+) lines changed at/.exec(run.stdout)?.[1]);
    const found = /database: (\d+) deleted, (\d+) changed, (\d+) inserted since/.exec(run.stdout);
    expect(deleted).toBeGreaterThan(100);
    expect(Number(found?.[1])).toBe(deleted);
    expect(Number(found?.[2])).toBeGreaterThan(100);
    expect(run.stdout).toMatch(/public\.order_items: exact \(\d+ rows, checksum [0-9a-f]{16}\)/);
    expect(run.stdout).toMatch(/\d+ order lines the writer added since the snapshot kept/);
    expect(run.stdout).toContain('is being deleted (no final snapshot)');
    expect(run.stdout).toContain(': recovered');
    const folder = /Working folder: (\S+)/.exec(run.stdout)?.[1];
    expect(folder && existsSync(folder)).toBe(false);
  }, 300_000);
});
