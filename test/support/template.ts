import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

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

// What the template is built from: a change to any of them makes a packaged template stale.
const TEMPLATE_SOURCES = [
  'serverless.yml',
  'deploy',
  'state-machines',
  'functions',
  'lib',
  'package-lock.json',
];

function newestChange(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((entry) => newestChange(join(path, entry))));
}

/** Is the packaged template older than what it is built from (or missing)? */
export function templateIsStale(root = '.'): boolean {
  const template = join(root, TEMPLATE);
  if (!existsSync(template)) return true;
  const sources = [
    ...TEMPLATE_SOURCES,
    process.env.LIFEBOAT_POLICY_FILE ?? 'lifeboat.example.yml',
    process.env.LIFEBOAT_CHAT_FILE ?? 'deploy/chat.yml',
  ];
  return Math.max(...sources.map((source) => newestChange(join(root, source)))) > statSync(template).mtimeMs;
}

/**
 * The packaged CloudFormation template. `npm test` packages before the tests run; a test file run
 * on its own packages first if there is no template or it is older than its sources, so a test
 * never passes against a stale package.
 */
export function loadTemplate(): CfnTemplate {
  if (templateIsStale()) {
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
