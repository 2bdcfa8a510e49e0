/**
 * The stack's CloudWatch dashboard (deploy/plugins/dashboard.cjs): `lifeboat-<stage>-<region>`, as
 * dashboard names are global to an account and a DR site of the same stage may share it.
 */
export function dashboardName(stage: string, region: string): string {
  return `lifeboat-${stage}-${region}`;
}

/** Where the console shows it. */
export function dashboardUrl(stage: string, region: string): string {
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${dashboardName(stage, region)}`;
}
