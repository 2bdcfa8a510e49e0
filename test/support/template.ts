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
