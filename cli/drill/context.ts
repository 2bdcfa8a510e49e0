import type { LocalServer } from '../../lib/adapters/local/server.js';
import type {
  ConsistentPointHook,
  LocalLocation,
  LocalSnapshotStore,
} from '../../lib/adapters/local/snapshot-store.js';
import type { Policy, PolicyFile } from '../../lib/core/policy/schema.js';
import type { copyToTargets } from '../../lib/core/use-cases/copy-snapshot.js';
import type { EmbeddedServer } from './embedded-postgres.js';
import type { Progress } from './progress.js';
import type { Writer } from './writer.js';

export interface DrillOptions {
  corrupt: boolean;
  /** The row-recovery scenario (incident.ts) instead of the backup cycle. */
  incident?: boolean;
  keep: boolean;
  /** Where the restore-verify reports are written; they outlive the drill's temporary folder. */
  reports: string;
  progress?: Progress;
}

export const DATABASE = 'shop';
export const POLICY = 'demo';
export const PRIMARY = { account: '111111111111', region: 'us-east-1' };
export const DR = { account: '222222222222', region: 'eu-west-1' };
export const DR_TARGET = `${DR.account}/${DR.region}`;

/** What the drill must stop or remove at the end, also on Ctrl-C: each phase adds what it starts. */
export interface Resources {
  root: string;
  postgres?: EmbeddedServer;
  writer?: Writer;
  writerClient?: { end(): Promise<void> };
  /** Scratch databases kept by --keep or --corrupt, deleted at the end unless --keep. */
  keptScratch: Set<string>;
}

/** What every phase is handed: the options, the output and the things to release. */
export interface DrillContext {
  readonly options: DrillOptions;
  readonly progress: Progress;
  readonly resources: Resources;
}

/**
 * The drill's world once its source runs (start-source.ts): the server and its writer, the demo
 * policy, and the primary and DR sites as local snapshot stores on a clock the drill may set back.
 *
 * A phase is a function of this world and of what earlier phases returned: it prints its steps
 * through `progress`, adds what it starts to `resources`, and returns what later phases need.
 * run-drill.ts calls the phases in order; a new phase is a file here and a line there.
 */
export interface DrillWorld extends DrillContext {
  readonly server: LocalServer;
  readonly writer: Writer;
  readonly policies: PolicyFile;
  readonly policy: Policy;
  readonly primaryLocation: LocalLocation;
  readonly drLocation: LocalLocation;
  readonly primary: LocalSnapshotStore;
  readonly dr: LocalSnapshotStore;
  /** The stores' clock: a phase sets `now` to date what it takes, then sets it back. */
  readonly clock: { now: Date };
  /** Called by the primary store at the consistent point of a snapshot while it is set. */
  readonly hooks: { atConsistentPoint?: ConsistentPointHook };
  readonly copyDeps: Parameters<typeof copyToTargets>[0]['deps'];
}
