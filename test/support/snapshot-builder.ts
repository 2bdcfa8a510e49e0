import type { Snapshot, SourceKind } from '../../lib/core/model.js';
import { TAG, type Tags } from '../../lib/core/tags.js';

export interface ManagedSnapshotOptions {
  source?: string;
  kind?: SourceKind;
  policy?: string;
  region?: string;
  status?: string;
  /** Extra tags, merged over the managed ones. */
  tags?: Tags;
  id?: string;
}

/**
 * A manual snapshot as the snapshot function leaves it: tagged managed, with its policy, source and
 * scheduled time; created a few minutes after it was scheduled.
 */
export function managedSnapshot(scheduledAt: string, options: ManagedSnapshotOptions = {}): Snapshot {
  const source = options.source ?? 'db-1';
  const kind = options.kind ?? 'instance';
  const region = options.region ?? 'us-east-1';
  const time = new Date(scheduledAt);
  const id = options.id ?? `lifeboat-${source}-${time.toISOString().replace(/[-:]/g, '').slice(0, 13)}`;
  return {
    kind,
    id,
    arn: `arn:aws:rds:${region}:111111111111:${kind === 'instance' ? 'snapshot' : 'cluster-snapshot'}:${id}`,
    sourceId: source,
    type: 'manual',
    status: options.status ?? 'available',
    createdAt: new Date(time.getTime() + 5 * 60_000),
    encrypted: true,
    region,
    tags: {
      [TAG.managed]: 'true',
      [TAG.policy]: options.policy ?? 'gold',
      [TAG.source]: source,
      [TAG.scheduledAt]: time.toISOString(),
      ...options.tags,
    },
  };
}

/** A snapshot RDS took on its own (backup retention period > 0): never Lifeboat's to delete. */
export function automatedSnapshot(createdAt: string, source = 'db-1'): Snapshot {
  const id = `rds:${source}-${createdAt.slice(0, 16).replace(/[T:]/g, '-')}`;
  return {
    kind: 'instance',
    id,
    arn: `arn:aws:rds:us-east-1:111111111111:snapshot:${id}`,
    sourceId: source,
    type: 'automated',
    status: 'available',
    createdAt: new Date(createdAt),
    encrypted: true,
    region: 'us-east-1',
    tags: {},
  };
}

/** Every `hours` hours from `from` up to and including `to`, as ISO strings. */
export function every(hours: number, from: string, to: string): string[] {
  const times: string[] = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += hours * 3_600_000) {
    times.push(new Date(t).toISOString());
  }
  return times;
}
