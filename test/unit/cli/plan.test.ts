import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInventory } from '../../../lib/adapters/inventory-file.js';
import { parsePolicyFile } from '../../../lib/core/policy/file.js';
import { decideRetention } from '../../../lib/core/retention/decide.js';
import { TAG } from '../../../lib/core/tags.js';
import { runLifeboat, type CliRun as Run } from '../../support/cli.js';

const NOW = '2026-11-24T12:00:00Z';
const EXAMPLE = ['--policy', 'lifeboat.example.yml', '--inventory', 'examples/inventory.json', '--now', NOW];

type Decision = { snapshot: string; action: 'keep' | 'delete'; reason: string };

/** Runs the real command line, as an operator would: `node bin/lifeboat.mjs plan ...`. */
const lifeboat = (...args: string[]) => runLifeboat(args, { ...process.env, NO_COLOR: '1' });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-plan-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function file(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

describe('lifeboat plan on the example inventory', () => {
  let json: Run;
  let table: Run;
  beforeAll(async () => {
    [json, table] = await Promise.all([lifeboat('plan', ...EXAMPLE, '--json'), lifeboat('plan', ...EXAMPLE)]);
  });

  it('prints exactly {"decisions":[{snapshot, action, reason}]}, one per snapshot of the inventory', async () => {
    expect(json.code).toBe(0);
    const output = JSON.parse(json.stdout) as { decisions: Decision[] };
    expect(Object.keys(output)).toEqual(['decisions']);
    for (const decision of output.decisions) {
      expect(Object.keys(decision)).toEqual(['snapshot', 'action', 'reason']);
      expect(['keep', 'delete']).toContain(decision.action);
    }
    const inventory = JSON.parse(await readFile('examples/inventory.json', 'utf8'));
    const ids = [
      ...inventory.DBSnapshots.map((s: { DBSnapshotIdentifier: string }) => s.DBSnapshotIdentifier),
      ...inventory.DBClusterSnapshots.map(
        (s: { DBClusterSnapshotIdentifier: string }) => s.DBClusterSnapshotIdentifier,
      ),
    ];
    expect(output.decisions.map((d) => d.snapshot).sort()).toEqual(ids.sort());
  });

  it('deletes in the source region exactly what the retention function deletes for each policy', async () => {
    const { decisions } = JSON.parse(json.stdout) as { decisions: Decision[] };
    const planned = new Set(decisions.filter((d) => d.action === 'delete').map((d) => d.snapshot));
    const inventory = parseInventory(await readFile('examples/inventory.json', 'utf8'));
    const policies = parsePolicyFile(await readFile('lifeboat.example.yml', 'utf8')).policies;
    const primary = inventory.snapshots
      .map((e) => e.snapshot)
      .filter((s) => s.region === 'us-east-1' && s.tags[TAG.copyOf] === undefined);

    for (const [name, policy] of Object.entries(policies)) {
      const own = primary.filter((s) => s.tags[TAG.policy] === name);
      // The DR account's copy of this one is still copying (see scripts/example-inventory.ts).
      const inUse = ['arn:aws:rds:us-east-1:111111111111:snapshot:lifeboat-orders-db-20261121t0600'];
      const expected = decideRetention(own, policy.retention, new Date(NOW), { inUse })
        .filter((d) => d.action === 'delete')
        .map((d) => d.snapshot.id);
      expect(expected.length).toBeGreaterThan(0);
      expect(
        own
          .filter((s) => planned.has(s.id))
          .map((s) => s.id)
          .sort(),
      ).toEqual(expected.sort());
    }
  });

  it('keeps RDS automated snapshots, hand-made ones, and the source of a copy still in progress', () => {
    const { decisions } = JSON.parse(json.stdout) as { decisions: Decision[] };
    const byId = new Map(decisions.map((d) => [d.snapshot, d]));
    const automated = decisions.filter((d) => d.snapshot.startsWith('rds:'));
    expect(automated.length).toBeGreaterThan(0);
    for (const d of automated)
      expect(d).toMatchObject({ action: 'keep', reason: 'not managed by Lifeboat (automated snapshot)' });
    expect(byId.get('orders-db-before-v42-migration')).toMatchObject({
      action: 'keep',
      reason: 'not managed by Lifeboat',
    });
    expect(byId.get('lifeboat-orders-db-20261121t0600')).toMatchObject({
      action: 'keep',
      reason: 'in use by a copy or a restore',
    });
    expect(byId.get('lifeboat-legacy-crm-20261001t0600')!.reason).toBe(
      'policy bronze is not in lifeboat.example.yml',
    );
    expect(byId.get('lifeboat-payments-20261122t0000')!.reason).toBe('newest verified of source payments');
  });

  it('applies each copy target its own retention', () => {
    const { decisions } = JSON.parse(json.stdout) as { decisions: Decision[] };
    const reason = (id: string) => decisions.find((d) => d.snapshot === id)!.reason;
    expect(reason('lifeboat-orders-db-20261110t0000-eu-west-1')).toBe(
      'beyond retention (daily 7, weekly 4, monthly 6, yearly 0)',
    );
    expect(reason('lifeboat-orders-db-20261124t0600-eu-west-1-222222222222')).toContain('yearly 2026');
  });

  it('prints a table per policy and place, grouped by source with counts', () => {
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('gold · source us-east-1 · keeps daily 7, weekly 4, monthly 12, yearly 0');
    expect(table.stdout).toContain(
      'gold · copy eu-west-1 account 222222222222 · keeps daily 7, weekly 4, monthly 12, yearly 1',
    );
    expect(table.stdout).toMatch(/ {2}instance orders-db: 243 snapshots, keep 13, delete 230\n/);
    expect(table.stdout).toMatch(
      /keep {4}2026-11-24 06:00 {2}lifeboat-orders-db-20261124t0600 {2}newest of source orders-db, daily 2026-11-24/,
    );
    const { decisions } = JSON.parse(json.stdout) as { decisions: Decision[] };
    const deletions = decisions.filter((d) => d.action === 'delete').length;
    expect(table.stdout).toContain(
      `Total: ${decisions.length} snapshots, keep ${decisions.length - deletions}, delete ${deletions}`,
    );
  });
});

describe('lifeboat plan refuses bad input with exit 2 and one line naming the problem', () => {
  const oneLine = (run: Run) => {
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    return run.stderr.trim();
  };

  it('names the policy file and the bad key', async () => {
    const example = await readFile('lifeboat.example.yml', 'utf8');
    const policy = await file(
      'bad-policy.yml',
      example.replace('daily: 7, weekly: 4, monthly: 3', 'daily: -1, weekly: 4, monthly: 3'),
    );

    const message = oneLine(
      await lifeboat('plan', '--policy', policy, '--inventory', 'examples/inventory.json'),
    );

    expect(message).toBe(
      `lifeboat: ${policy} is invalid: policies.silver.retention.daily: must be 0 or more`,
    );
  });

  it('names a policy file that does not exist', async () => {
    const message = oneLine(
      await lifeboat('plan', '--policy', join(dir, 'nope.yml'), '--inventory', 'examples/inventory.json'),
    );
    expect(message).toBe(`lifeboat: policy file ${join(dir, 'nope.yml')}: not found`);
  });

  it('names the inventory file and the key of a bad snapshot time', async () => {
    const inventory = JSON.parse(await readFile('examples/inventory.json', 'utf8'));
    inventory.DBSnapshots[3].SnapshotCreateTime = 'yesterday';
    const path = await file('bad-time.json', JSON.stringify(inventory));

    const message = oneLine(await lifeboat('plan', '--policy', 'lifeboat.example.yml', '--inventory', path));

    expect(message).toBe(
      `lifeboat: ${path}: DBSnapshots[3].SnapshotCreateTime: must be an ISO 8601 time such as "2026-11-24T06:00:00Z"`,
    );
  });

  it('names a tag without a key, a missing ARN, and says how many more problems there are', async () => {
    const path = await file(
      'bad-tags.json',
      JSON.stringify({
        DBClusterSnapshots: [
          {
            DBClusterSnapshotIdentifier: 'a',
            DBClusterIdentifier: 'c',
            SnapshotType: 'manual',
            Status: 'available',
            TagList: [{ Value: 'true' }],
          },
        ],
      }),
    );

    const message = oneLine(await lifeboat('plan', '--policy', 'lifeboat.example.yml', '--inventory', path));

    expect(message).toMatch(
      new RegExp(
        `^lifeboat: ${path}: DBClusterSnapshots\\[0\\]\\.DBClusterSnapshotArn: must be an RDS cluster-snapshot ARN.* \\(and 1 more problem\\)$`,
      ),
    );
  });

  it('says what an inventory must hold when it holds neither list', async () => {
    const path = await file('empty.json', '{"Snapshots": []}');
    const message = oneLine(await lifeboat('plan', '--policy', 'lifeboat.example.yml', '--inventory', path));
    expect(message).toBe(
      `lifeboat: ${path}: (top level): must hold "DBSnapshots" and/or "DBClusterSnapshots" (describe-db-snapshots output)`,
    );
  });

  it('names an inventory that is not JSON', async () => {
    const path = await file('not-json.json', 'DBSnapshots: []');
    const message = oneLine(await lifeboat('plan', '--policy', 'lifeboat.example.yml', '--inventory', path));
    expect(message).toMatch(new RegExp(`^lifeboat: ${path}: not valid JSON \\(`));
  });

  it('names a policy file whose aliases expand without end (a YAML "billion laughs")', async () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const [name, previous] = [String.fromCharCode(97 + i), String.fromCharCode(96 + i)];
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
    }
    const policy = await file('bomb.yml', `${levels.join('\n')}\npolicies: *i\n`);

    const message = oneLine(
      await lifeboat('plan', '--policy', policy, '--inventory', 'examples/inventory.json'),
    );

    expect(message).toMatch(
      new RegExp(`^lifeboat: ${policy}: not a usable YAML file: .*at most 100 aliases`),
    );
  });

  it('names a policy file and an inventory that are not UTF-8, and where', async () => {
    const example = await readFile('lifeboat.example.yml');
    const latin1 = join(dir, 'latin1.yml');
    await writeFile(
      latin1,
      Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9]), Buffer.from('\n'), example]),
    );

    expect(
      oneLine(await lifeboat('plan', '--policy', latin1, '--inventory', 'examples/inventory.json')),
    ).toBe(`lifeboat: ${latin1}: not UTF-8 text (invalid byte 0xe9 at offset 5); save it as UTF-8`);

    const inventory = join(dir, 'latin1.json');
    await writeFile(
      inventory,
      Buffer.concat([Buffer.from('{"DBSnapshots": [], "x": "'), Buffer.from([0xff]), Buffer.from('"}')]),
    );
    expect(
      oneLine(await lifeboat('plan', '--policy', 'lifeboat.example.yml', '--inventory', inventory)),
    ).toMatch(new RegExp(`^lifeboat: ${inventory}: not UTF-8 text`));
  });

  it('names a --now that is not a time', async () => {
    const message = oneLine(await lifeboat('plan', ...EXAMPLE.slice(0, 4), '--now', 'tuesday'));
    expect(message).toBe('lifeboat: --now: "tuesday" is not an ISO 8601 time such as 2026-11-24T12:00:00Z');
  });
});
