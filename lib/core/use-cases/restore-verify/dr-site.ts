import { ConfigError, InvalidInputError, NotFoundError } from '../../errors.js';
import type { Snapshot } from '../../model.js';
import { getPolicy } from '../../policy/parse.js';
import type { PolicyFile } from '../../policy/schema.js';
import { siteTargetOf, targetNameOf, type Site } from '../../policy/site.js';
import { isManaged, TAG } from '../../tags.js';
import type { RestoreVerifyDeps, TargetRef, ValidatedRequest, VerifyRequest } from './types.js';
import {
  databaseRequest,
  policyRunRequest,
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
 * ValidateInput at a DR site: the source is a database whose copies this site holds, the target is
 * this site's own (an input naming another is refused), and nothing is restored elsewhere.
 */
export async function validateAtDrSite(
  file: PolicyFile & { site: Site },
  run: { input: RestoreVerifyInput; execution: string; startedAt: Date },
  deps: RestoreVerifyDeps,
): Promise<ValidatedRequest> {
  const { input, execution, startedAt } = run;
  const region = deps.snapshots.region;
  if (input.pointInTime) {
    throw new InvalidInputError(
      `pointInTime: this DR site restores the snapshot copies it holds; give "snapshot" or leave both out for the newest`,
    );
  }
  const held = await heldSources(deps);
  if (!input.source) {
    const name = input.policy!;
    requireVerify(name, getPolicy(file, name));
    siteTarget(file, name, region);
    const sources = [...held.values()].filter((h) => h.policy === name).map((h) => h.source.id);
    return policyRunRequest(name, sources, input, startedAt, deps);
  }
  const found = held.get(input.source);
  if (!found) {
    throw new NotFoundError(
      `source "${input.source}": this DR site (${region}) holds no copy of it that Lifeboat made`,
    );
  }
  const policyName = input.policy ?? found.policy;
  if (!policyName) {
    throw new InvalidInputError(`the copies of "${input.source}" name no policy: name one with "policy"`);
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
