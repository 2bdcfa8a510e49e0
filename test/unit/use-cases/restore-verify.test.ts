import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { derivePassword } from '../../../lib/adapters/aws/scratch-credentials.js';
import {
  AccessDeniedError,
  ConfigError,
  InvalidInputError,
  NotFoundError,
  NotReadyError,
  RetryLaterError,
} from '../../../lib/core/errors.js';
import type { Snapshot } from '../../../lib/core/model.js';
import { TAG } from '../../../lib/core/tags.js';
import type { DatabaseFingerprint } from '../../../lib/core/fingerprint/types.js';
import { publishOutcome } from '../../../lib/core/use-cases/restore-verify/outcome.js';
import {
  deleteScratch,
  loginRefused,
  newestOriginal,
  snapshotIdIn,
} from '../../../lib/core/use-cases/restore-verify/restore.js';
import type { RestoreVerifyDeps, RunState } from '../../../lib/core/use-cases/restore-verify/types.js';
import {
  parseRestoreVerifyInput,
  runIdOf,
  scratchIdFor,
} from '../../../lib/core/use-cases/restore-verify/validate-input.js';
import { engineOf, expectationsFor } from '../../../lib/core/use-cases/restore-verify/verify.js';
import { POLICIES } from '../../state-machines/restore-verify-fixture.js';

// RDS DB instance and cluster identifiers (CreateDBInstance, "Constraints").
const RDS_ID = /^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$/;

describe('scratchIdFor', () => {
  it('always gives an RDS identifier with room for the Aurora instance suffix', () => {
    // Valid RDS identifiers: a letter first, words of letters and digits joined by single hyphens.
    const sourceId = fc
      .tuple(
        fc.stringMatching(/^[a-zA-Z]$/),
        fc.array(fc.stringMatching(/^[a-zA-Z0-9]{1,12}$/), { maxLength: 8 }),
      )
      .map(([first, words]) => [first + (words[0] ?? ''), ...words.slice(1)].join('-').slice(0, 63))
      .filter((id) => !id.endsWith('-'));
    const at = fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true });
    fc.assert(
      fc.property(sourceId, at, fc.string(), (source, time, execution) => {
        const id = scratchIdFor(source, runIdOf(time, execution));
        expect(id).toMatch(RDS_ID);
        expect(`${id}-1`.length).toBeLessThanOrEqual(63);
      }),
    );
  });

  it('differs between two executions in the same second, as their run ids (report keys) do', () => {
    const second = new Date('2026-01-01T00:00:00.400Z');
    const [one, two] = [runIdOf(second, 'run-1'), runIdOf(second, 'run-2')];

    expect(one).not.toBe(two);
    expect(one).toMatch(/^20260101T000000Z-[0-9a-f]{6}$/);
    expect(scratchIdFor('app-db', one)).not.toBe(scratchIdFor('app-db', two));
  });

  it('sorts run ids by their start time first, so report keys list oldest first', () => {
    const ids = ['2026-01-01T00:00:01Z', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z'].map((at, n) =>
      runIdOf(new Date(at), `run-${n}`),
    );

    expect([...ids].sort().map((id) => id.slice(0, 16))).toEqual([
      '20260101T000000Z',
      '20260101T000001Z',
      '20260102T000000Z',
    ]);
  });
});

describe('parseRestoreVerifyInput', () => {
  it('accepts a manual input and a scheduled policy run', () => {
    expect(
      parseRestoreVerifyInput({ source: 'app-db', snapshot: 'latest', keepScratch: true }),
    ).toMatchObject({
      source: 'app-db',
    });
    expect(parseRestoreVerifyInput({ policy: 'gold', time: '2026-03-01T03:00:00Z' }).policy).toBe('gold');
  });

  it.each([
    [{}, 'source: is required'],
    [{ source: '1db' }, 'source: must be a DB instance or Aurora cluster identifier'],
    [{ source: 'db', target: 'mars' }, 'target: must be "primary", a region'],
    [{ source: 'db', keepScratch: 'yes' }, 'keepScratch: must be true or false'],
  ])('names what is wrong in %j', (input, message) => {
    expect(() => parseRestoreVerifyInput(input)).toThrow(InvalidInputError);
    expect(() => parseRestoreVerifyInput(input)).toThrow(message);
  });
});

describe('expectationsFor', () => {
  const fingerprint = (...tables: string[]): DatabaseFingerprint => ({
    engine: 'postgres',
    tables: Object.fromEntries(tables.map((t) => [t, { rows: 1, checksum: '0', columns: '0' }])),
  });
  const candidates = { app: fingerprint('public.customers'), crm: fingerprint('public.contacts') };

  it('applies a plain table to the databases that have it, a qualified one to its database', () => {
    const expectations = [
      { table: 'public.customers', minRows: 3 },
      { table: 'crm/public.contacts', minRows: 1 },
    ];
    expect(expectationsFor('app', expectations, candidates, candidates)).toEqual([
      { table: 'public.customers', minRows: 3 },
    ]);
    expect(expectationsFor('crm', expectations, candidates, candidates)).toEqual([
      { table: 'public.contacts', minRows: 1 },
    ]);
  });

  it('keeps an expectation on a table found nowhere, in the first database, so it is reported missing', () => {
    const expectations = [{ table: 'public.gone', minRows: 1 }];
    expect(expectationsFor('app', expectations, candidates, candidates)).toEqual(expectations);
    expect(expectationsFor('crm', expectations, candidates, candidates)).toEqual([]);
  });
});

describe('engineOf', () => {
  it('maps RDS engines to fingerprint engines and refuses the others', () => {
    expect(['postgres', 'aurora-postgresql', 'mysql', 'mariadb', 'aurora-mysql'].map(engineOf)).toEqual([
      'postgres',
      'postgres',
      'mysql',
      'mysql',
      'mysql',
    ]);
    expect(() => engineOf('sqlserver-ee')).toThrow('cannot be fingerprinted');
  });
});

describe('derivePassword', () => {
  it('is stable per scratch, differs between scratches, and uses only characters RDS accepts', () => {
    const a = derivePassword('key', { kind: 'instance', id: 'lbs-a' });
    expect(derivePassword('key', { kind: 'instance', id: 'lbs-a' })).toBe(a);
    expect(derivePassword('key', { kind: 'instance', id: 'lbs-b' })).not.toBe(a);
    expect(derivePassword('other', { kind: 'instance', id: 'lbs-a' })).not.toBe(a);
    expect(a).toMatch(/^[A-Za-z0-9_-]{40}$/);
  });
});

describe('publishOutcome', () => {
  const published: unknown[] = [];
  const deps = {
    policies: POLICIES,
    notifier: { publish: async (m: unknown) => published.push(m) },
    clock: () => new Date('2026-03-01T04:00:00Z'),
  } as unknown as RestoreVerifyDeps;

  it('reports a failed cleanup as a failure naming the scratch to delete by hand', async () => {
    const state: RunState = {
      input: { source: 'app-db' },
      cleanupError: { Error: 'RetryLaterError', Cause: '{"errorMessage":"instance is modifying"}' },
    };
    const outcome = await publishOutcome(state, deps);
    expect(outcome).toMatchObject({
      passed: false,
      error: 'RetryLaterError',
      cause: 'instance is modifying',
    });
    expect(published.at(-1)).toMatchObject({
      kind: 'restore-verify.failed',
      severity: 'critical',
      database: 'app-db',
    });
  });

  it('never passes without a passed comparison', async () => {
    const outcome = await publishOutcome({ input: { source: 'app-db' } }, deps);
    expect(outcome).toMatchObject({ passed: false, error: 'VerificationFailedError' });
  });
});

describe('snapshotIdIn', () => {
  const site = { kind: 'instance' as const, region: 'us-east-1', account: '123456789012' };

  it('keeps an automated snapshot id whole and takes the name of a local ARN', () => {
    expect(snapshotIdIn('rds:app-db-2026-01-01-03-00', site)).toBe('rds:app-db-2026-01-01-03-00');
    expect(
      snapshotIdIn('arn:aws:rds:us-east-1:123456789012:snapshot:rds:app-db-2026-01-01-03-00', site),
    ).toBe('rds:app-db-2026-01-01-03-00');
    expect(snapshotIdIn('arn:aws:rds:us-east-1:123456789012:snapshot:lifeboat-app-db-1', site)).toBe(
      'lifeboat-app-db-1',
    );
  });

  it.each([
    ['arn:aws:rds:eu-west-1:123456789012:snapshot:lifeboat-app-db-1', /is in 123456789012\/eu-west-1/],
    ['arn:aws:rds:us-east-1:999999999999:snapshot:lifeboat-app-db-1', /is in 999999999999\/us-east-1/],
    ['arn:aws:rds:us-east-1:123456789012:cluster-snapshot:lifeboat-app-db-1', /not an RDS snapshot ARN/],
    ['arn:aws:s3:::bucket', /not an RDS snapshot ARN/],
  ])('refuses %s', (arn, message) => {
    expect(() => snapshotIdIn(arn, site)).toThrow(InvalidInputError);
    expect(() => snapshotIdIn(arn, site)).toThrow(message);
  });
});

describe('newestOriginal', () => {
  const snapshot = (id: string, createdAt: string, tags: Record<string, string> = {}): Snapshot => ({
    kind: 'instance',
    id,
    arn: `arn:aws:rds:us-east-1:123456789012:snapshot:${id}`,
    sourceId: 'app-db',
    type: 'manual',
    status: 'available',
    createdAt: new Date(createdAt),
    encrypted: true,
    region: 'us-east-1',
    tags: { [TAG.managed]: 'true', ...tags },
  });

  it('picks by when the data was taken, an original before its newer copies, in any order', () => {
    const older = snapshot('lifeboat-app-db-1', '2026-01-01T00:00:00Z');
    const newer = snapshot('lifeboat-app-db-2', '2026-01-02T00:00:00Z');
    const share = snapshot('lifeboat-app-db-2-share', '2026-01-02T01:00:00Z', {
      [TAG.copyOf]: newer.arn,
      [TAG.origin]: newer.id,
    });
    const reencrypted = snapshot('lifeboat-app-db-1-cmk', '2026-01-03T00:00:00Z', {
      [TAG.copyOf]: older.arn,
      [TAG.origin]: older.id,
      [TAG.scheduledAt]: '2026-01-01T00:00:00.000Z',
    });
    fc.assert(
      fc.property(fc.shuffledSubarray([older, share, reencrypted], { minLength: 3 }), (others) => {
        expect(newestOriginal([...others, newer])?.id).toBe(newer.id);
        expect(newestOriginal([newer, ...others])?.id).toBe(newer.id);
      }),
    );
    // At a DR site only copies exist: the one of the newest origin.
    expect(newestOriginal([reencrypted, share])?.id).toBe(share.id);
  });
});

describe('loginRefused', () => {
  const refused = new AccessDeniedError('PostgreSQL refused user "admin"');
  const state = (passwordSetAt?: string): RunState => ({
    ...(passwordSetAt
      ? { credentials: { origin: 'scratch-password', passwordSetAt, startedAt: '', finishedAt: '' } }
      : {}),
  });

  it('is retried for a while after the password reset, then stays a refusal', () => {
    const setAt = '2026-03-01T04:00:00.000Z';
    expect(loginRefused(refused, state(setAt), new Date('2026-03-01T04:05:00Z'))).toBeInstanceOf(
      NotReadyError,
    );
    expect(loginRefused(refused, state(setAt), new Date('2026-03-01T04:11:00Z'))).toBe(refused);
    expect(loginRefused(refused, state(), new Date(setAt))).toBe(refused);
    const other = new ConfigError('cannot connect');
    expect(loginRefused(other, state(setAt), new Date(setAt))).toBe(other);
  });
});

describe('deleteScratch', () => {
  it('says a scratch RDS still does not list long after the restore was never created', async () => {
    const deps = {
      policies: POLICIES,
      restorer: {
        deleteScratch: async () => {
          throw new NotFoundError('delete: instance lbs-x does not exist');
        },
      },
      clock: () => new Date('2026-03-01T05:00:00Z'),
    } as unknown as RestoreVerifyDeps;
    const request = {
      mode: 'database',
      keepScratch: false,
      scratchId: 'lbs-x',
      target: { name: 'primary' },
      source: { kind: 'instance' },
    };
    const at = (time: string) => ({ startedAt: time, finishedAt: time });
    const state = {
      request,
      resolved: { kind: 'instance', ...at('2026-03-01T04:00:00Z') },
      restore: { restoreStartedAt: '2026-03-01T04:00:00Z' },
    } as unknown as RunState;

    expect(await deleteScratch(state, deps)).toMatchObject({
      deleted: false,
      reason: 'lbs-x was never created',
    });
    const recent = { ...state, restore: { restoreStartedAt: '2026-03-01T04:55:00Z' } } as unknown as RunState;
    await expect(deleteScratch(recent, deps)).rejects.toBeInstanceOf(RetryLaterError);
  });
});
