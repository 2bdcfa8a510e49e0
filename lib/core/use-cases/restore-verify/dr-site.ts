import { ConfigError, InvalidInputError, NotFoundError } from '../../errors.js';
import type { Snapshot } from '../../model.js';
import type { ReplicatedBackup } from '../../monitor/point-in-time.js';
import { getPolicy } from '../../policy/parse.js';
import { pointInTimeRefusal } from '../../policy/point-in-time.js';
import type { PolicyFile } from '../../policy/schema.js';
import { siteTargetOf, targetNameOf, type Site } from '../../policy/site.js';
import { isManaged, TAG } from '../../tags.js';
import type { RestoreVerifyDeps, TargetRef, ValidatedRequest, VerifyRequest } from './types.js';
import {
  databaseRequest,
  policyRunRequest,
  requireNotFuture,
  requireVerify,
  type RestoreVerifyInput,
} from './validate-input.js';

/** A database whose copies a DR site holds, as the copies describe it (the database is elsewhere). */
export interface HeldSource {
  source: VerifyRequest['source'];
  /** The policy its copies were made under (lifeboat:policy). */
  policy?: string;
}

/**
 * The databases a DR site guards: those it holds managed copies of, in its own region and account.
 * The databases themselves are in the primary's region, which may be gone: the copies' own tags
 * (source, source ARN, policy) and engine say what they are.
 */
export async function heldSources(
  deps: Pick<RestoreVerifyDeps, 'snapshots'>,
): Promise<Map<string, HeldSource>> {
  return heldSourcesIn(await deps.snapshots.listSnapshots());
}

/** heldSources of snapshots already listed. */
export function heldSourcesIn(snapshots: readonly Snapshot[]): Map<string, HeldSource> {
  const copies = snapshots.filter((s) => isManaged(s.tags));
  const held = new Map<string, HeldSource>();
  // The newest copy speaks for its source (a renamed policy, an engine upgrade).
  const newestFirst = [...copies].sort(
    (a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0),
  );
  for (const copy of newestFirst) {
    const id = copy.tags[TAG.source] ?? copy.sourceId;
    if (held.has(id)) continue;
    held.set(id, {
      source: sourceOf(copy, id),
      ...(copy.tags[TAG.policy] ? { policy: copy.tags[TAG.policy] } : {}),
    });
  }
  return held;
}

function sourceOf(copy: Snapshot, id: string): VerifyRequest['source'] {
  return { id, kind: copy.kind, engine: copy.engine ?? 'unknown', arn: copy.tags[TAG.sourceArn] ?? copy.arn };
}

/** The target a DR site restores at for a policy: its own, local to this deployment. */
export function siteTarget(file: PolicyFile & { site: Site }, policyName: string, region: string): TargetRef {
  const found = siteTargetOf(file.site, getPolicy(file, policyName), region);
  if (!found) {
    throw new ConfigError(`policy "${policyName}" has no copy target in ${region}, where this DR site runs`);
  }
  const { target } = found;
  return {
    name: targetNameOf(target),
    region: target.region,
    ...(target.account ? { account: target.account } : {}),
    local: true,
  };
}

/**
 * The databases whose automated backups are replicated into this DR site's region: their source
 * instance is in the primary's region (the ARN says which), the backups say its engine.
 */
function replicatedSources(backups: readonly ReplicatedBackup[]): Map<string, VerifyRequest['source']> {
  const sources = new Map<string, VerifyRequest['source']>();
  for (const backup of backups) {
    // arn:<partition>:rds:<region>:<account>:db:<id>
    const id = backup.sourceArn.split(':')[6];
    if (!id || sources.has(id)) continue;
    sources.set(id, { id, kind: 'instance', engine: backup.engine ?? 'unknown', arn: backup.sourceArn });
  }
  return sources;
}

/** The policies whose copy target at this DR site replicates automated backups here. */
function pointInTimePolicies(file: PolicyFile & { site: Site }, region: string): string[] {
  return Object.entries(file.policies)
    .filter(([, policy]) => siteTargetOf(file.site, policy, region)?.target.pointInTime)
    .map(([name]) => name);
}

/**
 * A point in time at a DR site restores the automated backups the primary's monitor replicates
 * into its region (copies[].pointInTime, same account only): only a database of a policy whose
 * target here has them, only a DB instance. Whether the time is inside what is replicated is
 * checked by ResolveSnapshot against the backups' restore window, before anything is restored.
 */
async function pointInTimeSource(
  file: PolicyFile & { site: Site },
  input: RestoreVerifyInput & { source: string },
  held: Map<string, HeldSource>,
  deps: RestoreVerifyDeps,
): Promise<{ source: VerifyRequest['source']; policy?: string }> {
  const region = deps.snapshots.region;
  const copy = held.get(input.source);
  const named = input.policy ?? copy?.policy;
  const candidates = named ? [named] : pointInTimePolicies(file, region);
  for (const name of candidates) {
    if (!siteTargetOf(file.site, getPolicy(file, name), region)?.target.pointInTime) {
      throw new InvalidInputError(
        `pointInTime: policy "${name}" replicates no automated backups to this DR site (${region}): its copy target here has no pointInTime, so its copies are snapshots: give "snapshot", or leave both out for the newest copy`,
      );
    }
  }
  if (candidates.length === 0) {
    throw new InvalidInputError(
      `pointInTime: no policy replicates automated backups to this DR site (${region}) (no copies[].pointInTime here): give "snapshot", or leave both out for the newest copy`,
    );
  }
  if (!deps.replication) {
    throw new ConfigError(`this DR site cannot list the automated backups replicated to ${region}`);
  }
  const replicated = replicatedSources(await deps.replication.listReplicated()).get(input.source);
  const source = copy?.source ?? replicated;
  if (!source) {
    throw new NotFoundError(
      `source "${input.source}": this DR site (${region}) holds neither a copy of it that Lifeboat made nor its replicated automated backups`,
    );
  }
  const refusal = pointInTimeRefusal(source.kind);
  if (refusal) throw new InvalidInputError(`pointInTime at this DR site: ${refusal}`);
  // A copy's source ARN names the instance the backups are of; the backups' engine fills a gap.
  const engine = source.engine === 'unknown' && replicated ? replicated.engine : source.engine;
  return {
    source: { ...source, engine },
    ...(named ? { policy: named } : candidates.length === 1 ? { policy: candidates[0]! } : {}),
  };
}

/**
 * ValidateInput at a DR site: the source is a database whose copies (or, for a point in time,
 * replicated automated backups) this site holds, the target is this site's own (an input naming
 * another is refused), and nothing is restored elsewhere.
 */
export async function validateAtDrSite(
  file: PolicyFile & { site: Site },
  run: { input: RestoreVerifyInput; execution: string; startedAt: Date },
  deps: RestoreVerifyDeps,
): Promise<ValidatedRequest> {
  const { input, execution, startedAt } = run;
  const region = deps.snapshots.region;
  requireNotFuture(input, startedAt);
  const held = await heldSources(deps);
  if (!input.source) {
    if (input.pointInTime) {
      throw new InvalidInputError(`pointInTime: name the database ("source") to restore to that time`);
    }
    const name = input.policy!;
    requireVerify(name, getPolicy(file, name));
    siteTarget(file, name, region);
    const sources = [...held.values()].filter((h) => h.policy === name).map((h) => h.source.id);
    return policyRunRequest(name, sources, input, startedAt, deps);
  }
  const found = input.pointInTime
    ? await pointInTimeSource(file, { ...input, source: input.source }, held, deps)
    : held.get(input.source);
  if (!found) {
    throw new NotFoundError(
      `source "${input.source}": this DR site (${region}) holds no copy of it that Lifeboat made`,
    );
  }
  const policyName = input.policy ?? found.policy;
  if (!policyName) {
    throw new InvalidInputError(
      input.pointInTime
        ? `several policies replicate automated backups to this DR site: name the one of "${input.source}" with "policy"`
        : `the copies of "${input.source}" name no policy: name one with "policy"`,
    );
  }
  const policy = getPolicy(file, policyName);
  const target = siteTarget(file, policyName, region);
  if (input.target && input.target !== target.name) {
    throw new InvalidInputError(
      `target "${input.target}": this DR site restores only the copies it holds, at target ${target.name}`,
    );
  }
  return databaseRequest(
    { source: found.source, policyName, policy, target },
    input,
    execution,
    startedAt,
    deps,
  );
}
