import { InvalidInputError } from '../errors.js';
import { targetLabel } from '../monitor/recovery.js';
import type { CopyTargetPolicy, PolicyFile } from '../policy/schema.js';
import type { FailoverTarget } from './types.js';

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const ACCOUNT = /^\d{12}$/;

/**
 * `--to eu-west-1`, `--to 222222222222/eu-west-1`, or the other way round as status prints it
 * (`eu-west-1/222222222222`): an account id is 12 digits, so the order is never ambiguous.
 */
export function parseTarget(text: string): FailoverTarget {
  const parts = text.trim().split('/');
  const region = parts.find((p) => REGION.test(p));
  const account = parts.find((p) => ACCOUNT.test(p));
  const valid = region !== undefined && (parts.length === 1 || (parts.length === 2 && account !== undefined));
  if (!valid) {
    throw new InvalidInputError(
      `--to "${text}" is not a region or account/region, e.g. eu-west-1 or 222222222222/eu-west-1`,
    );
  }
  return { region, ...(account ? { account } : {}), label: targetLabel({ region, account }) };
}

export interface TargetOfPolicy {
  policy: string;
  index: number;
  target: CopyTargetPolicy;
}

/** Every copy target of the policy file that is this region (and account). */
export function targetsMatching(file: PolicyFile, target: FailoverTarget): TargetOfPolicy[] {
  const found: TargetOfPolicy[] = [];
  for (const [policy, definition] of Object.entries(file.policies)) {
    definition.copies.forEach((copy, index) => {
      if (copy.region === target.region && copy.account === target.account) {
        found.push({ policy, index, target: copy });
      }
    });
  }
  return found;
}

/** The copy targets that are this one; none is an error that lists those the file names. */
export function requireTargetInFile(file: PolicyFile, target: FailoverTarget): TargetOfPolicy[] {
  const matching = targetsMatching(file, target);
  if (matching.length === 0) {
    throw new InvalidInputError(
      `${target.label} is not a copy target in the policy file (targets: ${allTargetLabels(file).join(', ') || 'none'})`,
    );
  }
  return matching;
}

/** Every target the file names, for an error that says what would have been accepted. */
export function allTargetLabels(file: PolicyFile): string[] {
  return [
    ...new Set(Object.values(file.policies).flatMap((p) => p.copies.map((c) => targetLabel(c)))),
  ].sort();
}
