/**
 * The role deploy/dr-account-role.yml creates in a DR account, one per DR region:
 * `lifeboat-dr-copy-<region>`. Role names are global to an account while the copies' key is
 * regional, so a second DR region of the same account deploys the template again under its own name.
 * The template writes the same name (`!Sub 'lifeboat-dr-copy-${AWS::Region}'`); a test holds the two
 * together.
 */
export function drRoleName(region: string): string {
  return `lifeboat-dr-copy-${region}`;
}

/** The ARN of the DR role of `account` for copies in `region`. */
export function drRoleArn(account: string, region: string, partition = 'aws'): string {
  return `arn:${partition}:iam::${account}:role/${drRoleName(region)}`;
}
