import { AccessDeniedError, InvalidInputError, NotReadyError, RetryLaterError } from '../errors.js';
import type { DatabaseConnection } from '../fingerprint/types.js';
import { TAG } from '../tags.js';
import { policyOf } from './restore-verify/common.js';
import {
  checkScratch,
  credentialsFor,
  deleteScratch,
  describeAvailable,
  loginRefused,
  obtainCredentials,
  resolveSnapshot,
  startRestore,
} from './restore-verify/restore.js';
import type { RestoreVerifyDeps, RunState, VerifyRequest } from './restore-verify/types.js';
import { validateInput } from './restore-verify/validate-input.js';

/** What to recover from: a database as it was at a point in time (or, on the local engine, in a snapshot). */
export interface RecoverRequest {
  source: string;
  pointInTime?: string;
  /** A snapshot instead of a point in time: the local engine has no transaction logs. */
  snapshot?: string;
  policy?: string;
  /** Leave the scratch instance for inspection; it still expires as every scratch does. */
  keep: boolean;
}

/**
 * The restore-verify ports a recovery uses: the same policies, restorer (and its guards),
 * credentials and connections; no fingerprinter, reports nor notifications.
 */
export type RecoverPorts = Pick<
  RestoreVerifyDeps,
  'policies' | 'snapshots' | 'restorer' | 'tagger' | 'siteFor' | 'connections' | 'credentials' | 'clock'
>;

export interface RecoverDeps {
  restore: RecoverPorts;
  /** Waits; rejects at once when `signal` is aborted. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * Stops the wait for the scratch (an operator's Ctrl-C) at its next look: the scratch is still
   * deleted before the abort's reason is thrown. A diff under way runs to its end first.
   */
  signal?: AbortSignal;
  /** How long to wait between looks at a restore that is not ready. */
  pollMs?: number;
  /** One line per step, as it starts and ends. */
  progress?: (line: string) => void;
}

export interface Recovery<T> {
  result: T;
  scratch: { id: string; dataAsOf?: string };
  cleanup: { deleted: boolean; reason: string };
  /** Seconds per step: restore (until available), diff. */
  timings: { restore: number; diff: number };
}

/** Attempts at deleting a scratch RDS does not list yet before giving up and saying so. */
const CLEANUP_ATTEMPTS = 30;

/**
 * Restores the database as it was (a point in time) into a scratch instance through the
 * restore-verify steps (the same validation, tags, expiry and guards), waits for it, and hands its
 * connection (BEFORE) and the live one (AFTER) to `diff`. The scratch is deleted on every path out,
 * also when the restore or the diff fails, unless `keep`.
 */
export async function recoverRows<T>(
  request: RecoverRequest,
  live: (database: string) => DatabaseConnection,
  deps: RecoverDeps,
  diff: (before: DatabaseConnection, after: DatabaseConnection) => Promise<T>,
): Promise<Recovery<T>> {
  // The steps called below read only the RecoverPorts of their deps.
  const restore = deps.restore as RestoreVerifyDeps;
  const say = deps.progress ?? (() => undefined);
  const validated = await validateInput(
    {
      input: {
        source: request.source,
        ...(request.policy ? { policy: request.policy } : {}),
        ...(request.pointInTime ? { pointInTime: request.pointInTime } : {}),
        ...(request.snapshot ? { snapshot: request.snapshot } : {}),
        keepScratch: request.keep,
      },
    },
    restore,
  );
  if (validated.mode !== 'database') throw new InvalidInputError('recover restores one database');
  const state: RunState = { request: validated };
  const untilReady = async <R>(step: () => Promise<R>): Promise<R> => {
    for (;;) {
      deps.signal?.throwIfAborted();
      try {
        return await step();
      } catch (error) {
        const retried = loginRefused(error, state, restore.clock());
        if (!(retried instanceof NotReadyError)) throw retried;
        await deps.sleep(deps.pollMs ?? 15_000, deps.signal);
      }
    }
  };
  const began = restore.clock().getTime();
  let result: T | undefined;
  let diffSeconds = 0;
  let restoreSeconds = 0;
  let cleanup: { deleted: boolean; reason: string } | undefined;
  let failed = false;
  let failure: unknown;
  try {
    deps.signal?.throwIfAborted();
    state.resolved = await resolveSnapshot(state, restore);
    say(
      `restoring ${validated.source.id} as of ${state.resolved.dataAsOf ?? state.resolved.id} into scratch ${validated.scratchId} ...`,
    );
    state.restore = await startRestore(state, restore);
    state.ready = await untilReady(() => checkScratch(state, restore));
    // timed() stamps the step's start and end onto what it returns, as the state machine keeps them.
    state.credentials = (await untilReady(() =>
      obtainCredentials(state, restore),
    )) as RunState['credentials'];
    const scratch = await untilReady(() => describeAvailable(state, restore));
    restoreSeconds = (restore.clock().getTime() - began) / 1000;
    say(`scratch ${scratch.id} is available after ${restoreSeconds.toFixed(1)} s`);
    const credentials = await credentialsFor(scratch, restore);
    const after = live(databaseOf(validated));
    // The scratch is reached as restore-verify reaches it (the policy's verify.tls), whatever TLS
    // the live URL asks for: a live URL with sslmode=require must not relax the scratch's check.
    const before = await restore.connections.connectionFor(scratch, credentials, after.database, {
      tls: policyOf(restore, validated).verify.tls,
    });
    say(`diffing the scratch (BEFORE) against the live database (AFTER) ...`);
    const diffBegan = restore.clock().getTime();
    result = await untilReady(async () => {
      try {
        return await diff(before, after);
      } catch (error) {
        throw error instanceof AccessDeniedError ? loginRefused(error, state, restore.clock()) : error;
      }
    });
    diffSeconds = (restore.clock().getTime() - diffBegan) / 1000;
  } catch (error) {
    failed = true;
    failure = error;
  }
  try {
    cleanup = await cleanUp(state, deps);
    say(`cleanup: ${cleanup.reason}`);
  } catch (error) {
    // The operator must hear both: that the scratch is still there, and why the recovery stopped.
    say(
      `cleanup: ${validated.scratchId} was NOT deleted (${error instanceof Error ? error.message : String(error)}); delete it by hand, or the monitor deletes it after its ${TAG.expiresAt} tag`,
    );
    throw failed ? failure : error;
  }
  if (failed) throw failure;
  return {
    result,
    scratch: {
      id: validated.scratchId,
      ...(state.resolved?.dataAsOf ? { dataAsOf: state.resolved.dataAsOf } : {}),
    },
    // Set: the cleanup above returned.
    cleanup: cleanup!,
    timings: { restore: restoreSeconds, diff: diffSeconds },
  } as Recovery<T>;
}

/** The database to diff: the policy's first verified one, the one a live URL without a database means. */
function databaseOf(request: VerifyRequest): string {
  return request.databases[0] ?? '';
}

/** deleteScratch, retried while RDS does not list a new scratch yet. */
async function cleanUp(state: RunState, deps: RecoverDeps): Promise<{ deleted: boolean; reason: string }> {
  for (let attempt = 1; ; attempt++) {
    try {
      const { deleted, reason } = await deleteScratch(state, deps.restore as RestoreVerifyDeps);
      return { deleted, reason };
    } catch (error) {
      if (!(error instanceof RetryLaterError) || attempt >= CLEANUP_ATTEMPTS) throw error;
      await deps.sleep(deps.pollMs ?? 15_000);
    }
  }
}
