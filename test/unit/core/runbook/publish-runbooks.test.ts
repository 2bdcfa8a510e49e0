import { readFileSync } from 'node:fs';
import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { S3RunbookShelf } from '../../../../lib/adapters/aws/s3-runbooks.js';
import { LocalReportStore } from '../../../../lib/adapters/local/report-store.js';
import { parsePolicyFile } from '../../../../lib/core/policy/file.js';
import type { RunbookShelf } from '../../../../lib/core/ports.js';
import { verifiedDatabase } from '../../../../lib/core/runbook/verify-event.js';
import { TAG } from '../../../../lib/core/tags.js';
import { publishRunbooks } from '../../../../lib/core/use-cases/write-runbooks.js';
import { managedSnapshot } from '../../../support/snapshot-builder.js';

const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:lifeboat-dev-restore-verify';
const ended = JSON.parse(readFileSync('test/fixtures/events/sfn-restore-verify-ended.json', 'utf8')) as {
  detail: Record<string, unknown>;
};
const withDetail = (detail: Record<string, unknown>) => ({
  ...ended,
  detail: { ...ended.detail, ...detail },
});

describe('verifiedDatabase', () => {
  it("names the database of a database run, with the execution's status", () => {
    expect(verifiedDatabase(withDetail({ status: 'TIMED_OUT' }), MACHINE)).toEqual({
      database: 'orders-db',
      status: 'TIMED_OUT',
      execution: ended.detail.executionArn,
    });
  });

  it('skips an AWS Backup restore test, whose input is the AWS Backup event and its source aws.backup', () => {
    const backupEvent = readFileSync(
      'test/fixtures/events/aws-backup-restore-test-completed-rds.json',
      'utf8',
    );

    const run = verifiedDatabase(withDetail({ input: backupEvent }), MACHINE);

    expect(run).toEqual({
      skip: expect.stringContaining('AWS Backup'),
      execution: ended.detail.executionArn,
    });
  });

  it('refuses an event whose input is not in it, and one missing its detail', () => {
    expect(() => verifiedDatabase(withDetail({ input: null }), MACHINE)).toThrow(/detail\.input is null/);
    expect(() =>
      verifiedDatabase(
        { source: 'aws.states', 'detail-type': 'Step Functions Execution Status Change' },
        MACHINE,
      ),
    ).toThrow(/not a restore-verify execution status change event:\n {2}- detail: /);
  });
});

/** A shelf in memory: what would be put in runbooks/. */
function memoryShelf(): RunbookShelf & { files: Map<string, string> } {
  const files = new Map<string, string>();
  return {
    files,
    put: async (name, content) => {
      files.set(name, content);
      return `runbooks/${name}`;
    },
  };
}

describe('publishRunbooks at a DR site', () => {
  it('writes the runbooks of the databases whose copies it holds, saying the primary is not seen from there', async () => {
    const site = parsePolicyFile(readFileSync('lifeboat.dr.example.yml', 'utf8'));
    const copy = managedSnapshot('2026-11-24T06:00:00Z', {
      source: 'orders',
      region: 'eu-west-1',
      id: 'lifeboat-orders-20261124t0600-222222222222',
      tags: { [TAG.tier]: 'dr-account', [TAG.target]: 'eu-west-1/222222222222' },
    });
    const shelf = memoryShelf();

    const result = await publishRunbooks({
      policies: site,
      snapshots: [{ account: '222222222222', snapshot: copy }],
      backups: [],
      reports: new LocalReportStore('test/fixtures/runbook/no-such-folder'),
      reportsBucket: 'dr-reports',
      database: 'orders',
      shelf,
      now: new Date('2026-11-24T08:00:00Z'),
    });

    expect(result).toEqual({ written: ['runbooks/orders.md', 'runbooks/orders.json', 'runbooks/README.md'] });
    const markdown = shelf.files.get('orders.md')!;
    expect(markdown).toContain('in us-east-1, account 111111111111; policy `gold`');
    expect(markdown).toContain('at the DR site in eu-west-1, account 222222222222 from the policy file');
    expect(markdown).toContain(
      "newest snapshot: not seen from the DR site in eu-west-1 (the primary's snapshots are in us-east-1)",
    );
    expect(markdown).toMatch(
      /\| RPO at eu-west-1\/222222222222 \| 360 min \| newest DR copy: `lifeboat-orders-20261124t0600-222222222222`, 115 min old \(within objective\)/,
    );
    expect(shelf.files.get('README.md')).toContain('| [orders](orders.md) | gold |');
  });
});

describe('S3RunbookShelf', () => {
  it('refuses a name that is not <database>.md or .json, so nothing lands outside runbooks/', async () => {
    // The guard runs before any request; the client is never called.
    const shelf = new S3RunbookShelf({ bucket: 'b', client: new S3Client({ region: 'us-east-1' }) });

    await expect(shelf.put('../reports/orders/x.json', '{}')).rejects.toThrow(
      /runbook name "..\/reports\/orders\/x.json" is not <database>.md or <database>.json/,
    );
    await expect(shelf.put('orders.sh', '')).rejects.toThrow(/is not <database>.md/);
  });
});
