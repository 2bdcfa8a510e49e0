import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const TEMPLATE = '.serverless/cloudformation-template-update-stack.json';

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  [key: string]: unknown;
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, unknown>;
}

/**
 * The packaged CloudFormation template. `npm test` packages before the tests run; a test file run
 * on its own packages first if no template is there.
 */
export function loadTemplate(): CfnTemplate {
  if (!existsSync(TEMPLATE)) {
    execFileSync('npx', ['--no-install', 'serverless', 'package'], { stdio: 'ignore' });
  }
  return JSON.parse(readFileSync(TEMPLATE, 'utf8')) as CfnTemplate;
}

export function resourcesOfType(template: CfnTemplate, type: string): Array<[string, CfnResource]> {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

export interface IamStatement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export const listOf = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Every statement of a role's inline policies (serverless-iam-roles-per-function writes one per role). */
export function statementsOf(role: CfnResource): IamStatement[] {
  const documents = (role.Properties?.Policies ?? []) as Array<{
    PolicyDocument: { Statement: IamStatement[] };
  }>;
  return documents.flatMap((p) => p.PolicyDocument.Statement);
}

/** Would this IAM action pattern (`rds:Delete*`, `rds:*`, `*`) allow `action`? */
export function allowsAction(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
  return regex.test(action);
}
