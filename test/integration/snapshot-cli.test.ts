import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RDSClient } from '@aws-sdk/client-rds';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RdsSnapshotStore } from '../../lib/adapters/aws/rds-snapshots.js';
import { TAG } from '../../lib/core/tags.js';
import { motoClientConfig, startMoto, type Moto } from '../support/moto.js';
import { createInstance, snapshotIds } from '../support/rds-fixtures.js';

// A keep-until a month from now, at midnight UTC: the CLI runs on the real clock, and a pre-change
// snapshot is kept at most 366 days.
const KEEP_UNTIL = new Date((Math.floor(Date.now() / 86_400_000) + 30) * 86_400_000).toISOString();

const CLI = fileURLToPath(new URL('../../bin/lifeboat.mjs', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let moto: Moto;
let rds: RDSClient;
let dir: string;
let policyFile: string;

/** The real command line, with the operator's standard credentials pointed at moto. */
function lifeboat(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'node',
      [CLI, ...args, '--region', 'us-east-1', '--endpoint-url', moto.endpoint],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
          AWS_SESSION_TOKEN: 'testing',
          NO_COLOR: '1',
        },
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}
const snapshotCli = (...args: string[]) => lifeboat('snapshot', '--policy-file', policyFile, ...args);
const preChange = async () =>
  (await snapshotIds(rds)).filter((id) => id.startsWith('lifeboat-') && id.endsWith('-pre'));

beforeAll(async () => {
  moto = await startMoto();
  rds = new RDSClient(motoClientConfig(moto));
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-snapshot-'));
  policyFile = join(dir, 'lifeboat.yml');
  await writeFile(
    policyFile,
    [
      'policies:',
      '  gold:',
      "    select: { tags: { 'lifeboat:policy': gold } }",
      "    schedule: 'cron(0 */6 * * ? *)'",
      '    rpoMinutes: 360',
      '    rtoMinutes: 120',
      '    retention: { daily: 1, weekly: 0, monthly: 0 }',
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  await moto?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await moto.reset();
  await createInstance(rds, 'orders', { 'lifeboat:policy': 'gold' });
  await createInstance(rds, 'reports', {});
});

describe('lifeboat snapshot against moto', () => {
  it('takes a pre-change snapshot, waits until it is available and prints its progress (exit 0)', async () => {
    const run = await snapshotCli('--db', 'orders', '--reason', 'migration 42', '--keep-days', '3', '--wait');

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [id] = await preChange();
    expect(id).toMatch(/^lifeboat-orders-\d{8}t\d{6}-pre$/);
    expect(run.stdout).toContain(`Pre-change snapshot ${id} of instance orders`);
    expect(run.stdout).toMatch(/\d\d:\d\d:\d\d {2}available/);
    expect(run.stdout).toContain(`Available: ${id} can be restored.`);
    const snapshot = await new RdsSnapshotStore({ client: rds, region: 'us-east-1' }).getSnapshot(
      'instance',
      id!,
    );
    expect(snapshot?.tags).toMatchObject({
      [TAG.managed]: 'true',
      [TAG.policy]: 'gold',
      [TAG.tier]: 'primary',
      [TAG.reason]: 'migration 42',
    });
    const keepUntil = Date.parse(snapshot!.tags[TAG.keepUntil]!);
    const scheduledAt = Date.parse(snapshot!.tags[TAG.scheduledAt]!);
    expect(keepUntil - scheduledAt).toBe(3 * 86_400_000);
  });

  it('prints the result as JSON, and takes a database no policy selects under --policy', async () => {
    const run = await snapshotCli(
      '--db',
      'reports',
      '--reason',
      'schema change',
      '--keep-until',
      KEEP_UNTIL,
      '--policy',
      'gold',
      '--json',
    );

    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { policy: string; keepUntil: string; databases: object[] };
    expect(result).toMatchObject({
      policy: 'gold',
      keepUntil: KEEP_UNTIL,
      reason: 'schema change',
      databases: [{ database: 'reports', outcome: 'created' }],
    });
    expect(await preChange()).toHaveLength(1);
  });

  it('shows the pre-change snapshot in lifeboat plan as kept until its keep-until', async () => {
    await snapshotCli('--db', 'orders', '--reason', 'upgrade to 16', '--keep-until', KEEP_UNTIL);

    const plan = await lifeboat('plan', '--policy', policyFile);

    const json = await lifeboat('plan', '--policy', policyFile, '--json');

    expect(plan.code).toBe(0);
    const [id] = await preChange();
    expect(JSON.parse(json.stdout)).toEqual({
      decisions: expect.arrayContaining([
        expect.objectContaining({ snapshot: id, action: 'keep', keepUntil: KEEP_UNTIL }),
      ]),
    });
    expect(plan.stdout).toMatch(
      new RegExp(
        `keep +\\S+ \\S+ +${id}  .*pre-change \\(upgrade to 16\\), kept until ${KEEP_UNTIL.replaceAll('.', '\\.')}`,
      ),
    );
  });

  it.each([
    [
      'an unknown database',
      ['--db', 'nope', '--reason', 'x'],
      /database "nope": no DB instance or Aurora cluster/,
    ],
    [
      'a keep-until in the past',
      ['--db', 'orders', '--reason', 'x', '--keep-until', '2020-01-01T00:00:00Z'],
      /keep-until 2020-01-01T00:00:00.000Z is in the past/,
    ],
    [
      'a reason over the tag limit',
      ['--db', 'orders', '--reason', 'r'.repeat(300)],
      /reason is 300 characters; an RDS tag value holds at most 256/,
    ],
    ['a reason RDS cannot tag', ['--db', 'orders', '--reason', 'drop "users"!'], /reason has characters/],
    ['a database no policy selects', ['--db', 'reports', '--reason', 'x'], /selected by no policy/],
    ['an unknown policy', ['--db', 'orders', '--reason', 'x', '--policy', 'bronze'], /policy "bronze"/],
    [
      'keep-days that are not a number',
      ['--db', 'orders', '--reason', 'x', '--keep-days', 'ten'],
      /--keep-days "ten"/,
    ],
    [
      'both --keep-days and --keep-until',
      ['--db', 'orders', '--reason', 'x', '--keep-days', '1', '--keep-until', '2099-01-01T00:00:00Z'],
      /exclusive/,
    ],
    ['no reason', ['--db', 'orders'], /--reason/],
  ])('refuses %s with exit 2, naming it, and creates nothing', async (_name, args, message) => {
    const run = await snapshotCli(...args);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(await preChange()).toEqual([]);
  });

  it('refuses a missing policy file with exit 2', async () => {
    const run = await lifeboat(
      'snapshot',
      '--policy-file',
      join(dir, 'none.yml'),
      '--db',
      'orders',
      '--reason',
      'x',
    );

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/none\.yml: not found/);
    expect(await preChange()).toEqual([]);
  });
});
