import * as z from '../../validation.js';
import { ConfigError, InvalidInputError, NotFoundError } from '../../errors.js';
import type { DatabaseSource } from '../../model.js';
import { formatIssues, getPolicy } from '../../policy/parse.js';
import { pointInTimeRefusal } from '../../policy/point-in-time.js';
import type { Policy, VerifyPolicy } from '../../policy/schema.js';
import { runIdFor } from '../../report/report.js';
import { isDrSite } from '../../policy/site.js';
import { LATEST_RESTORABLE } from './common.js';
import { validateAtDrSite } from './dr-site.js';
import type {
  PolicyRunRequest,
  RestoreVerifyDeps,
  TargetRef,
  ValidatedRequest,
  VerifyRequest,
} from './types.js';

const POINT_IN_TIME_FORM = 'must be an ISO 8601 time such as 2026-01-31T12:00:00Z, or "latest"';
// RDS identifiers: a letter first, letters, digits and single hyphens, 63 at most.
const SOURCE_ID = /^[a-zA-Z][a-zA-Z0-9-]{0,62}$/;
const TARGET =
  /^(primary|[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d|\d{12}\/[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d)$/;

/**
 * The execution input. Strict, so a misspelt key (`snapshotId`) fails here with its name instead of
 * being ignored and restoring something the caller did not ask for.
 */
export const RestoreVerifyInputSchema = z
  .strictObject({
    source: z.optional(
      z.string().check(z.regex(SOURCE_ID, { error: 'must be a DB instance or Aurora cluster identifier' })),
    ),
    policy: z.optional(z.string().check(z.minLength(1))),
    snapshot: z.optional(
      z.string().check(z.minLength(1, { error: 'must be a snapshot id, ARN or "latest"' })),
    ),
    /** A time, or "latest": the latest restorable time of the automated backups replicated to the target. */
    pointInTime: z.optional(
      z.union([z.literal(LATEST_RESTORABLE), z.iso.datetime({ offset: true, error: POINT_IN_TIME_FORM })], {
        error: POINT_IN_TIME_FORM,
      }),
    ),
    target: z.optional(
      z.string().check(z.regex(TARGET, { error: 'must be "primary", a region, or "<account>/<region>"' })),
    ),
    keepScratch: z.optional(z.boolean({ error: 'must be true or false' })),
    /** The scheduled time, substituted by EventBridge into a policy run's input. */
    time: z.optional(z.string()),
  })
  .check(
    z.superRefine((input, ctx) => {
      if (!input.source && !input.policy) {
        ctx.addIssue({
          code: 'custom',
          path: ['source'],
          message: 'is required (or "policy" for a scheduled policy run)',
        });
      }
      if (input.snapshot && input.pointInTime) {
        ctx.addIssue({
          code: 'custom',
          path: ['pointInTime'],
          message: 'cannot be combined with "snapshot": restore one or the other',
        });
      }
    }),
  );

export type RestoreVerifyInput = z.infer<typeof RestoreVerifyInputSchema>;

export function parseRestoreVerifyInput(value: unknown): RestoreVerifyInput {
  const result = RestoreVerifyInputSchema.safeParse(value);
  if (!result.success) {
    throw new InvalidInputError(`restore-verify input is invalid:\n${formatIssues(result.error.issues)}`);
  }
  return result.data;
}

export function selects(policy: Policy, source: DatabaseSource): boolean {
  return Object.entries(policy.select.tags).every(([key, value]) => source.tags[key] === value);
}

/** A database is protected as a whole: an Aurora member instance is verified through its cluster. */
function isProtectable(source: DatabaseSource): boolean {
  return source.kind === 'cluster' || !source.clusterId;
}

export function requireVerify(name: string, policy: Policy): VerifyPolicy {
  if (!policy.verify)
    throw new ConfigError(`policy "${name}" has no verify section: nothing says how to restore it`);
  return policy.verify;
}

function parseTarget(name: string, policy: Policy, policyName: string): TargetRef {
  if (name === 'primary') return { name };
  const [account, region] = name.includes('/') ? name.split('/') : [undefined, name];
  const copy = policy.copies.find((c) => c.region === region && c.account === account);
  if (!copy) {
    const known = policy.copies.map((c) => (c.account ? `${c.account}/${c.region}` : c.region));
    throw new InvalidInputError(
      `target "${name}" is not a copy target of policy "${policyName}"; known: primary${known.map((k) => `, ${k}`).join('')}`,
    );
  }
  return { name, region, ...(account ? { account } : {}) };
}

/**
 * A point in time at a DR target restores the automated backups replicated there: only a target
 * with `pointInTime` has them, and only for DB instances (lib/core/policy/point-in-time.ts).
 */
function pointInTimeAtTarget(policy: Policy, policyName: string, target: TargetRef, source: DatabaseSource) {
  const copy = policy.copies.find((c) => c.region === target.region && c.account === target.account);
  if (!copy?.pointInTime) {
    throw new InvalidInputError(
      `pointInTime at target "${target.name}": policy "${policyName}" replicates no automated backups there (no copies[].pointInTime); its copies there are snapshots: give "snapshot" instead`,
    );
  }
  const refusal = pointInTimeRefusal(source.kind);
  if (refusal) throw new InvalidInputError(`pointInTime at target "${target.name}": ${refusal}`);
}

/** A point in time RDS cannot have yet is refused before anything is looked up or restored. */
export function requireNotFuture(input: RestoreVerifyInput, startedAt: Date): void {
  if (input.pointInTime && Date.parse(input.pointInTime) > startedAt.getTime()) {
    throw new InvalidInputError(`pointInTime ${input.pointInTime} is in the future`);
  }
}

// FNV-1a: a short, stable suffix from the execution id, so two runs in the same second differ.
function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0').slice(0, 6);
}

/**
 * A scratch identifier that is unique, valid for RDS (63 characters, no double or trailing hyphen)
 * and leaves room for the Aurora instance suffix `-1`.
 */
export function scratchIdFor(source: string, runId: string): string {
  const stem = source.toLowerCase().slice(0, 28).replace(/-+$/, '');
  return `lbs-${stem}-${runId.toLowerCase()}`;
}

/**
 * The start time to the second, then the execution's hash: two runs of one database started in
 * the same second (a schedule and an operator) each keep their own report and fingerprints, where
 * the time alone would let the later overwrite, or mix with, the earlier's.
 */
export function runIdOf(startedAt: Date, execution: string): string {
  return `${runIdFor(startedAt)}-${shortHash(execution)}`;
}

/** Step Functions execution names: 80 characters of letters, digits, `-` and `_`. */
function executionName(policy: string, source: string, runId: string): string {
  return `${policy}-${source}-${runId}`.replace(/[^a-zA-Z0-9_-]/g, '-').slice(0, 80);
}

/** A scheduled policy run: one execution per database, named after the policy, source and time. */
export function policyRunRequest(
  name: string,
  sources: readonly string[],
  input: RestoreVerifyInput,
  startedAt: Date,
  deps: Pick<RestoreVerifyDeps, 'clock'>,
): PolicyRunRequest {
  const time = input.time && !Number.isNaN(Date.parse(input.time)) ? new Date(input.time) : startedAt;
  const runId = runIdFor(time);
  return {
    mode: 'policy',
    policy: name,
    runs: sources.map((source) => ({
      name: executionName(name, source, runId),
      input: { source, policy: name },
    })),
    startedAt: startedAt.toISOString(),
    finishedAt: deps.clock().toISOString(),
  };
}

/** The request of one database's run, once its source, policy and target are known. */
export function databaseRequest(
  chosen: { source: VerifyRequest['source']; policyName: string; policy: Policy; target: TargetRef },
  input: RestoreVerifyInput,
  execution: string,
  startedAt: Date,
  deps: Pick<RestoreVerifyDeps, 'clock'>,
): VerifyRequest {
  const { source, policyName, policy, target } = chosen;
  const verify = requireVerify(policyName, policy);
  const runId = runIdOf(startedAt, execution);
  return {
    mode: 'database',
    source,
    policy: policyName,
    snapshot: input.snapshot ?? 'latest',
    ...(input.pointInTime
      ? {
          pointInTime:
            input.pointInTime === LATEST_RESTORABLE
              ? LATEST_RESTORABLE
              : new Date(input.pointInTime).toISOString(),
        }
      : {}),
    target,
    keepScratch: input.keepScratch ?? false,
    scratchId: scratchIdFor(source.id, runId),
    execution,
    runId,
    databases: verify.databases,
    deadline: new Date(startedAt.getTime() + policy.rtoMinutes * 60_000).toISOString(),
    startedAt: startedAt.toISOString(),
    finishedAt: deps.clock().toISOString(),
  };
}

/**
 * First state: checks the input against the policy and the databases that exist, before anything
 * is created. A scheduled policy run (`{"policy": NAME}`) is expanded into one execution per
 * selected database, each with its own report, cleanup and notification. A DR site, where the
 * databases are not, checks it against the copies it holds (dr-site.ts).
 */
export async function validateInput(
  event: { input: unknown; execution?: string },
  deps: RestoreVerifyDeps,
): Promise<ValidatedRequest> {
  const startedAt = deps.clock();
  const input = parseRestoreVerifyInput(event.input);
  const execution = event.execution ?? `local-${startedAt.getTime()}`;
  if (isDrSite(deps.policies)) {
    return validateAtDrSite(deps.policies, { input, execution, startedAt }, deps);
  }

  if (!input.source) {
    const name = input.policy!;
    const policy = getPolicy(deps.policies, name);
    requireVerify(name, policy);
    const sources = (await deps.snapshots.listDatabases()).filter(
      (s) => isProtectable(s) && selects(policy, s),
    );
    return policyRunRequest(
      name,
      sources.map((s) => s.id),
      input,
      startedAt,
      deps,
    );
  }

  const databases = await deps.snapshots.listDatabases();
  const matches = databases.filter((d) => d.id === input.source);
  const source = matches.find((d) => d.kind === 'cluster') ?? matches[0];
  if (!source) {
    throw new NotFoundError(
      `source "${input.source}" is neither a DB instance nor an Aurora cluster in ${deps.snapshots.region}`,
    );
  }
  if (!isProtectable(source)) {
    throw new InvalidInputError(
      `source "${source.id}" is an instance of Aurora cluster "${source.clusterId}": give the cluster id`,
    );
  }

  let policyName = input.policy;
  if (!policyName) {
    const selecting = Object.entries(deps.policies.policies).filter(([, p]) => selects(p, source));
    if (selecting.length !== 1) {
      throw new InvalidInputError(
        selecting.length === 0
          ? `no policy selects "${source.id}" by its tags: name one with "policy"`
          : `several policies select "${source.id}" (${selecting.map(([n]) => n).join(', ')}): name one with "policy"`,
      );
    }
    policyName = selecting[0]![0];
  }
  const policy = getPolicy(deps.policies, policyName);
  requireVerify(policyName, policy);
  const target = parseTarget(input.target ?? 'primary', policy, policyName);
  if (target.name !== 'primary' && !deps.siteFor) {
    throw new ConfigError(`target "${target.name}" cannot be reached from this deployment`);
  }
  if (input.pointInTime && target.name !== 'primary') {
    pointInTimeAtTarget(policy, policyName, target, source);
  }
  if (input.pointInTime === LATEST_RESTORABLE && target.name === 'primary') {
    throw new InvalidInputError(
      `pointInTime "latest": only a target with replicated automated backups says its latest restorable time; at primary give the time`,
    );
  }
  requireNotFuture(input, startedAt);
  return databaseRequest(
    {
      source: { id: source.id, kind: source.kind, engine: source.engine, arn: source.arn },
      policyName,
      policy,
      target,
    },
    input,
    execution,
    startedAt,
    deps,
  );
}
