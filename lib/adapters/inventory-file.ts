import { readFile } from 'node:fs/promises';
import type { DBClusterSnapshot, DBSnapshot } from '@aws-sdk/client-rds';
import * as z from 'zod';
import { ConfigError, GuardRefusedError } from '../core/errors.js';
import type { DatabaseSource, Snapshot, SourceKind } from '../core/model.js';
import type { SnapshotStore } from '../core/ports.js';
import { TAG } from '../core/tags.js';
import { decodeUtf8 } from '../core/utf8.js';
import { fromClusterSnapshot, fromDbSnapshot } from './aws/rds-snapshots.js';

/**
 * An inventory file: saved output of `aws rds describe-db-snapshots` and/or
 * `aws rds describe-db-cluster-snapshots` (which include each snapshot's TagList), one object
 * holding `DBSnapshots`, `DBClusterSnapshots` or both. `lifeboat plan` reads it
 * instead of an account, so retention can be reviewed offline.
 */
const ARN = /^arn:aws[a-z-]*:rds:([a-z0-9-]+):(\d{12}):(snapshot|cluster-snapshot):(.+)$/;

const TimeSchema = z
  .string({ error: 'must be an ISO 8601 time such as "2026-11-24T06:00:00Z"' })
  .refine((text) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text) && !Number.isNaN(Date.parse(text)), {
    error: 'must be an ISO 8601 time such as "2026-11-24T06:00:00Z"',
  })
  .transform((text) => new Date(text));

const TagListSchema = z
  .array(z.object({ Key: z.string({ error: 'must be a tag key' }), Value: z.string().optional() }), {
    error: 'must be a list of {"Key": ..., "Value": ...}',
  })
  .optional();

const text = (what: string) => z.string({ error: `must be ${what}` }).min(1, { error: `must be ${what}` });

const arnOf = (kind: 'snapshot' | 'cluster-snapshot') =>
  z.string({ error: `must be an RDS ${kind} ARN` }).refine((arn) => ARN.exec(arn)?.[3] === kind, {
    error: `must be an RDS ${kind} ARN such as "arn:aws:rds:us-east-1:111111111111:${kind}:name"`,
  });

// Loose objects: a saved describe output carries many more fields than retention needs.
const DbSnapshotSchema = z.looseObject({
  DBSnapshotIdentifier: text('the snapshot identifier'),
  DBSnapshotArn: arnOf('snapshot'),
  DBInstanceIdentifier: text('the DB instance identifier'),
  SnapshotType: text('"manual", "automated", "shared" or "awsbackup"'),
  Status: text('a status such as "available"'),
  SnapshotCreateTime: TimeSchema.optional(),
  Encrypted: z.boolean({ error: 'must be true or false' }).optional(),
  KmsKeyId: z.string().optional(),
  Engine: z.string().optional(),
  TagList: TagListSchema,
});

const ClusterSnapshotSchema = z.looseObject({
  DBClusterSnapshotIdentifier: text('the cluster snapshot identifier'),
  DBClusterSnapshotArn: arnOf('cluster-snapshot'),
  DBClusterIdentifier: text('the DB cluster identifier'),
  SnapshotType: text('"manual", "automated", "shared" or "awsbackup"'),
  Status: text('a status such as "available"'),
  SnapshotCreateTime: TimeSchema.optional(),
  StorageEncrypted: z.boolean({ error: 'must be true or false' }).optional(),
  KmsKeyId: z.string().optional(),
  Engine: z.string().optional(),
  TagList: TagListSchema,
});

const InventorySchema = z
  .looseObject({
    DBSnapshots: z.array(DbSnapshotSchema, { error: 'must be a list of DB snapshots' }).optional(),
    DBClusterSnapshots: z
      .array(ClusterSnapshotSchema, { error: 'must be a list of DB cluster snapshots' })
      .optional(),
  })
  .refine((file) => file.DBSnapshots !== undefined || file.DBClusterSnapshots !== undefined, {
    error: 'must hold "DBSnapshots" and/or "DBClusterSnapshots" (describe-db-snapshots output)',
  });

/** Snapshots as RDS described them, with the account each belongs to (from its ARN). */
export interface Inventory {
  origin: string;
  snapshots: Array<{ account: string; snapshot: Snapshot }>;
}

export async function readInventoryFile(path: string): Promise<Inventory> {
  let content: Buffer;
  try {
    content = await readFile(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : String(error);
    throw new ConfigError(`inventory file ${path}: ${reason}`, { cause: error });
  }
  return parseInventory(decodeUtf8(content, path), path);
}

/** Parses an inventory; a problem is reported as one line naming the file and the key. */
export function parseInventory(content: string, origin = 'inventory file'): Inventory {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch (error) {
    throw new ConfigError(`${origin}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  const result = InventorySchema.safeParse(value);
  if (!result.success) {
    const [first, ...rest] = result.error.issues;
    const key = first!.path.length > 0 ? keyPath(first!.path) : '(top level)';
    const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''})` : '';
    throw new ConfigError(`${origin}: ${key}: ${first!.message}${more}`);
  }
  const snapshots = [
    ...(result.data.DBSnapshots ?? []).map((raw) => {
      const [, region, account] = ARN.exec(raw.DBSnapshotArn)!;
      return { account: account!, snapshot: fromDbSnapshot(raw as DBSnapshot, region!) };
    }),
    ...(result.data.DBClusterSnapshots ?? []).map((raw) => {
      const [, region, account] = ARN.exec(raw.DBClusterSnapshotArn)!;
      return { account: account!, snapshot: fromClusterSnapshot(raw as DBClusterSnapshot, region!) };
    }),
  ];
  return { origin, snapshots };
}

/** `DBSnapshots[3].TagList[0].Key`: the way an operator finds it in the file. */
function keyPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i > 0 ? '.' : ''}${String(part)}`))
    .join('');
}

/**
 * The source region and account of an inventory: where most of its snapshots that are not copies
 * live (a copy carries lifeboat:copy-of). `region` narrows it when the file mixes regions.
 */
export function inventorySource(inventory: Inventory, region?: string): { region: string; account: string } {
  const originals = inventory.snapshots.filter(
    (e) => e.snapshot.tags[TAG.copyOf] === undefined && (!region || e.snapshot.region === region),
  );
  const counts = new Map<string, number>();
  for (const { account, snapshot } of originals.length > 0 ? originals : inventory.snapshots) {
    const key = `${snapshot.region} ${account}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const [busiest] = [...counts].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));
  const [sourceRegion, sourceAccount] = (busiest?.[0] ?? `${region ?? 'us-east-1'} 000000000000`).split(' ');
  return { region: region ?? sourceRegion!, account: sourceAccount! };
}

/**
 * The inventory's snapshots in one region of one account, read-only: `lifeboat plan` runs prune as a
 * dry run over it. It knows no databases, so scratch instances that restore from a snapshot cannot be
 * seen; the plan says so.
 */
export class InventorySnapshotStore implements SnapshotStore {
  readonly region: string;
  readonly #snapshots: Snapshot[];

  constructor(inventory: Inventory, region: string, account: string) {
    this.region = region;
    this.#snapshots = inventory.snapshots
      .filter((entry) => entry.account === account && entry.snapshot.region === region)
      .map((entry) => entry.snapshot);
  }

  async listDatabases(): Promise<DatabaseSource[]> {
    return [];
  }

  async listSnapshots(filter: { kind?: SourceKind; sourceId?: string } = {}): Promise<Snapshot[]> {
    return this.#snapshots.filter(
      (s) =>
        (filter.kind === undefined || s.kind === filter.kind) &&
        (filter.sourceId === undefined || s.sourceId === filter.sourceId),
    );
  }

  async getSnapshot(kind: SourceKind, id: string): Promise<Snapshot | undefined> {
    return this.#snapshots.find((s) => s.kind === kind && s.id === id);
  }

  createSnapshot(): Promise<Snapshot> {
    return this.#readOnly();
  }

  copySnapshot(): Promise<Snapshot> {
    return this.#readOnly();
  }

  shareSnapshot(): Promise<void> {
    return this.#readOnly();
  }

  unshareSnapshot(): Promise<void> {
    return this.#readOnly();
  }

  tagSnapshot(): Promise<void> {
    return this.#readOnly();
  }

  deleteSnapshot(): Promise<void> {
    return this.#readOnly();
  }

  async #readOnly(): Promise<never> {
    throw new GuardRefusedError('an inventory file is read-only: plan never changes anything');
  }
}
