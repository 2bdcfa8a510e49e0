import { ConfigError } from '../errors.js';
import type { PolicyFile } from './schema.js';
import { isDrSite, siteProblems } from './site.js';

const regionOfKey = (key: string | undefined) => (key?.startsWith('arn:') ? key.split(':')[3] : undefined);

/**
 * What a policy file asks that cannot work from the region where Lifeboat runs (`homeRegion`, where
 * the snapshots are taken), which the schema alone does not know. Each problem names its key.
 * Checked at `npm run package` (deploy/config.cjs); the copy function refuses the same at run time.
 */
export function homeRegionProblems(file: PolicyFile, homeRegion: string): string[] {
  const problems: string[] = [];
  for (const [name, policy] of Object.entries(file.policies)) {
    policy.copies.forEach((target, index) => {
      const key = `policies.${name}.copies.${index}`;
      if (!target.account) {
        if (target.region === homeRegion) {
          problems.push(
            `${key}.region: is ${homeRegion}, the region Lifeboat runs in, in the same account: ` +
              'a copy target must be another region or another account',
          );
        }
        return;
      }
      const shareRegion = regionOfKey(target.shareKmsKeyId);
      if (shareRegion !== undefined && shareRegion !== homeRegion) {
        problems.push(
          `${key}.shareKmsKeyId: is a key in ${shareRegion}, but snapshots are shared from ${homeRegion}, where Lifeboat runs: KMS keys are regional`,
        );
      }
      if (target.region === homeRegion) {
        if (target.targetShareKmsKeyId) {
          problems.push(
            `${key}.targetShareKmsKeyId: only makes sense for a DR account in another region than ${homeRegion}; shareKmsKeyId serves this one`,
          );
        }
        return;
      }
      // https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_CopySnapshot.html: "You
      // can't copy a DB cluster snapshot across Regions and accounts in a single step."
      if (!target.targetShareKmsKeyId) {
        problems.push(
          `${key}.targetShareKmsKeyId: is required for a DR account in ${target.region} while Lifeboat runs in ${homeRegion}: ` +
            `Aurora copies a cluster snapshot across regions and accounts only in two steps, the first into ${target.region} ` +
            `under a customer-managed key of this account there that the DR account may use (deploy/dr-account-role.yml)`,
        );
      }
    });
  }
  return problems;
}

/**
 * Throws a ConfigError listing every homeRegionProblems entry, or returns the file. A DR site's
 * file describes the primary's copies, seen from the primary's region, and the site's own problems.
 */
export function checkHomeRegion(file: PolicyFile, homeRegion: string, origin = 'policy file'): PolicyFile {
  const problems = isDrSite(file)
    ? [...homeRegionProblems(file, file.site.primary.region), ...siteProblems(file, homeRegion)]
    : homeRegionProblems(file, homeRegion);
  if (problems.length > 0) {
    throw new ConfigError(
      `${origin} does not work from ${homeRegion}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
  return file;
}
