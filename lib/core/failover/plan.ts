import { ConfigError, InvalidInputError } from '../errors.js';
import type { SourceKind } from '../model.js';
import { joinIdentifier } from '../naming/identifiers.js';
import { scheduledStamp } from '../naming/snapshot-id.js';
import type { PolicyFile } from '../policy/schema.js';
import { SNAPSHOT_PREFIX, TAG, type Tags } from '../tags.js';
import { chooseSource, dataTimeOf } from './source.js';
import { requireTargetInFile, type TargetOfPolicy } from './target.js';
import type { DrCopy, FailoverPlan, FailoverTarget, ReplicatedBackup, SourceRequest } from './types.js';

/** The scratch prefix: IAM lets Lifeboat's roles delete `lbs-*` databases, so a failover is never named so. */
const SCRATCH_PREFIX = 'lbs-';
const DB_ID = /^[a-z](?:-?[a-z0-9])*$/;
const MAX_DB_ID = 63;

/** `orders-failover-20261124t1015`: the database, and the minute the failover began. */
export function failoverId(database: string, at: Date): string {
  return joinIdentifier([database, 'failover', scheduledStamp(at)], 1);
}

/** The n-th (1-based) instance of a restored Aurora cluster. */
export function failoverInstanceId(clusterId: string, n: number): string {
  return joinIdentifier([clusterId, String(n)], 1);
}

/** A name an operator gave with --name: a valid RDS id that no Lifeboat role may ever delete. */
export function checkFailoverName(name: string): string {
  const id = name.toLowerCase();
  if (id.length > MAX_DB_ID || !DB_ID.test(id)) {
    throw new InvalidInputError(
      `--name "${name}" is not an RDS identifier: letters, digits and single hyphens, a letter first, at most ${MAX_DB_ID}`,
    );
  }
  if (id.startsWith(SCRATCH_PREFIX) || id.startsWith(SNAPSHOT_PREFIX)) {
    throw new InvalidInputError(
      `--name "${name}" starts with ${id.startsWith(SCRATCH_PREFIX) ? SCRATCH_PREFIX : SNAPSHOT_PREFIX}, a prefix Lifeboat's roles act on: choose another`,
    );
  }
  return id;
}

/**
 * The policy and copy target the failover is under. Copies name their policy in a tag; without one
 * (or with --policy) the file decides, and must name the target.
 */
export function resolveTarget(input: {
  policies: PolicyFile;
  target: FailoverTarget;
  database: string;
  policyName?: string;
  copies: readonly DrCopy[];
}): TargetOfPolicy {
  const matching = requireTargetInFile(input.policies, input.target);
  const tagged = [...new Set(input.copies.map((c) => c.policy).filter((p): p is string => !!p))];
  const wanted = input.policyName ?? (tagged.length === 1 ? tagged[0] : undefined);
  if (wanted !== undefined) {
    const found = matching.find((m) => m.policy === wanted);
    if (!found) {
      throw new InvalidInputError(
        `policy ${wanted} has no copy target ${input.target.label} (policies with it: ${[...new Set(matching.map((m) => m.policy))].join(', ')})`,
      );
    }
    return found;
  }
  if (matching.length === 1) return matching[0]!;
  throw new InvalidInputError(
    `${input.database}: several policies copy to ${input.target.label} (${matching.map((m) => m.policy).join(', ')}) and its copies do not say which is its: pass --policy`,
  );
}

/**
 * Everything `lifeboat failover` will do, decided before anything is created: the source, the
 * data's time and the writes that are lost, the new database's settings and tags. Bad input (a
 * target the policy does not copy to, no usable source, a time outside the restore window, missing
 * failover settings) is an error naming it.
 */
export function planFailover(input: {
  policies: PolicyFile;
  database: string;
  target: FailoverTarget;
  policyName?: string;
  request: SourceRequest;
  backups: readonly ReplicatedBackup[];
  copies: readonly DrCopy[];
  name?: string;
  now: Date;
}): FailoverPlan {
  const { database, target, now } = input;
  const backups = input.backups.filter((b) => b.sourceId === database);
  const copies = input.copies.filter((c) => c.database === database);
  requireTargetInFile(input.policies, target);
  if (backups.length === 0 && copies.length === 0) {
    throw new InvalidInputError(
      `unknown database ${database}: neither a DR copy nor replicated automated backups of it in ${target.label}`,
    );
  }
  const { policy, index, target: copyTarget } = resolveTarget({ ...input, copies });
  const settings = copyTarget.failover;
  const key = `policies.${policy}.copies[${index}].failover`;
  if (!settings) {
    throw new ConfigError(
      `${key} is not set: give the new database's instanceClass (and subnetGroup, securityGroups, ...) for ${target.label}`,
    );
  }
  const { source, warnings } = chooseSource({
    database,
    region: target.label,
    backups,
    copies,
    request: input.request,
    now,
  });
  const kind: SourceKind = source.type === 'snapshot' ? source.copy.kind : 'instance';
  if (kind === 'cluster' && settings.multiAz) {
    throw new ConfigError(`${key}.multiAz is for RDS instances: for Aurora, list two instances`);
  }
  if (kind === 'instance' && settings.instances) {
    throw new ConfigError(`${key}.instances is for Aurora clusters: ${database} is a DB instance`);
  }
  const newId = input.name !== undefined ? checkFailoverName(input.name) : failoverId(database, now);
  const dataAt = dataTimeOf(source);
  const lossMinutes = Math.max(0, Math.round((now.getTime() - dataAt.getTime()) / 60_000));
  const objectives = {
    rpoMinutes: input.policies.policies[policy]!.rpoMinutes,
    rtoMinutes: input.policies.policies[policy]!.rtoMinutes,
  };
  if (lossMinutes > objectives.rpoMinutes) {
    warnings.push(
      `the data is ${lossMinutes} min old, past the RPO of ${objectives.rpoMinutes} min: writes after ${dataAt.toISOString()} are lost`,
    );
  }
  const instances =
    kind === 'cluster'
      ? (settings.instances ?? [{}]).map((instance, i) => ({
          ...instance,
          id: failoverInstanceId(newId, i + 1),
          instanceClass: instance.instanceClass ?? settings.instanceClass,
        }))
      : [];
  const tags: Tags = {
    [TAG.failover]: now.toISOString(),
    [TAG.failoverOf]: database,
    [TAG.failoverSource]: source.type === 'snapshot' ? source.copy.id : source.backup.arn,
    [TAG.failoverDataAt]: dataAt.toISOString(),
    [TAG.policy]: policy,
  };
  return {
    database,
    kind,
    engine: source.type === 'snapshot' ? source.copy.engine : source.backup.engine,
    policy,
    target,
    newId,
    source,
    dataAt: dataAt.toISOString(),
    dataLoss: { from: dataAt.toISOString(), to: now.toISOString(), minutes: lossMinutes },
    objectives,
    settings: {
      instanceClass: settings.instanceClass,
      ...(settings.subnetGroup ? { subnetGroup: settings.subnetGroup } : {}),
      securityGroups: settings.securityGroups,
      ...(settings.parameterGroup ? { parameterGroup: settings.parameterGroup } : {}),
      ...(settings.optionGroup ? { optionGroup: settings.optionGroup } : {}),
      multiAz: settings.multiAz,
      deletionProtection: true,
      instances,
    },
    tags,
    warnings,
    plannedAt: now.toISOString(),
  };
}
