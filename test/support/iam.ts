import { readFileSync } from 'node:fs';
import { runSimulation, type EvaluationResult, type Simulation } from '@cloud-copilot/iam-simulate';
import { parse, type Tags } from 'yaml';
import { listOf, type CfnResource, type CfnTemplate } from './template.js';

/**
 * The packaged IAM policies, evaluated by a real IAM policy evaluator (@cloud-copilot/iam-simulate,
 * a devDependency: AGPL, never bundled). CloudFormation intrinsics are resolved against one
 * deployment (account, region, stage) so a request names the ARNs AWS would see.
 */
export const HOME = { partition: 'aws', account: '111111111111', region: 'us-east-1' } as const;
export const DR_ACCOUNT = '222222222222';

export interface Deployment {
  partition: string;
  account: string;
  region: string;
}

export type PolicyDocument = { Version?: string; Statement: unknown[] };

// CloudFormation's short forms (!Ref, !Sub, ...) read as the long forms they stand for.
const intrinsic = (tag: string, name: string, kind: 'scalar' | 'seq') => ({
  tag,
  collection: kind === 'seq' ? ('seq' as const) : undefined,
  resolve: (value: unknown) => ({
    [name]: value instanceof Object && 'toJSON' in value ? (value as { toJSON(): unknown }).toJSON() : value,
  }),
});
const CFN_TAGS: Tags = [
  intrinsic('!Ref', 'Ref', 'scalar'),
  intrinsic('!Sub', 'Fn::Sub', 'scalar'),
  intrinsic('!Sub', 'Fn::Sub', 'seq'),
  {
    ...intrinsic('!GetAtt', 'Fn::GetAtt', 'scalar'),
    resolve: (value: unknown) => ({ 'Fn::GetAtt': String(value).split('.') }),
  },
  intrinsic('!Join', 'Fn::Join', 'seq'),
  intrinsic('!Split', 'Fn::Split', 'seq'),
  intrinsic('!Select', 'Fn::Select', 'seq'),
  intrinsic('!If', 'Fn::If', 'seq'),
  intrinsic('!Not', 'Fn::Not', 'seq'),
  intrinsic('!Equals', 'Fn::Equals', 'seq'),
  intrinsic('!And', 'Fn::And', 'seq'),
  intrinsic('!Or', 'Fn::Or', 'seq'),
  intrinsic('!Condition', 'Condition', 'scalar'),
] as Tags;

/** A CloudFormation template written in YAML with short-form intrinsics (the DR-account template). */
export function loadYamlTemplate(path: string): CfnTemplate & {
  Parameters?: Record<string, { Default?: unknown }>;
  Conditions?: Record<string, unknown>;
} {
  return parse(readFileSync(path, 'utf8'), { customTags: CFN_TAGS }) as CfnTemplate;
}

interface ResolveContext {
  template: CfnTemplate & { Conditions?: Record<string, unknown> };
  deployment: Deployment;
  /** Values of the template's parameters (defaults are taken where none is given). */
  parameters: Record<string, string | string[]>;
}

/** What `Ref` gives for a resource: its name or ARN, as CloudFormation documents per type. */
function refOf(logicalId: string, resource: CfnResource, context: ResolveContext): string {
  const d = context.deployment;
  const name = `lifeboat-${logicalId.toLowerCase()}`;
  switch (resource.Type) {
    case 'AWS::SNS::Topic':
      return `arn:${d.partition}:sns:${d.region}:${d.account}:${name}`;
    case 'AWS::SecretsManager::Secret':
      return `arn:${d.partition}:secretsmanager:${d.region}:${d.account}:secret:${name}-AbCdEf`;
    case 'AWS::SQS::Queue':
      return `https://sqs.${d.region}.amazonaws.com/${d.account}/${name}`;
    case 'AWS::KMS::Key':
      return `0000${logicalId.length.toString().padStart(4, '0')}-1111-2222-3333-444455556666`;
    case 'AWS::IAM::Role':
      return String((resource.Properties?.RoleName as string | undefined) ?? name);
    case 'AWS::StepFunctions::StateMachine':
      return arnOf(logicalId, resource, context);
    case 'AWS::Scheduler::ScheduleGroup':
      return String((resource.Properties?.Name as string | undefined) ?? name);
    default:
      return name;
  }
}

/** What `Fn::GetAtt [id, Arn]` gives, per resource type. */
function arnOf(logicalId: string, resource: CfnResource, context: ResolveContext): string {
  const d = context.deployment;
  const name = `lifeboat-${logicalId.toLowerCase()}`;
  switch (resource.Type) {
    case 'AWS::S3::Bucket':
      return `arn:${d.partition}:s3:::${name}`;
    case 'AWS::SQS::Queue':
      return `arn:${d.partition}:sqs:${d.region}:${d.account}:${name}`;
    case 'AWS::KMS::Key':
      return `arn:${d.partition}:kms:${d.region}:${d.account}:key/${refOf(logicalId, resource, context)}`;
    case 'AWS::Lambda::Function':
      return `arn:${d.partition}:lambda:${d.region}:${d.account}:function:${name}`;
    case 'AWS::IAM::Role': {
      const roleName = resolve(resource.Properties?.RoleName ?? name, context);
      return `arn:${d.partition}:iam::${d.account}:role/${String(roleName)}`;
    }
    case 'AWS::StepFunctions::StateMachine':
      return `arn:${d.partition}:states:${d.region}:${d.account}:stateMachine:${name}`;
    case 'AWS::Events::Rule': {
      const ruleName = resolve(resource.Properties?.Name ?? name, context);
      return `arn:${d.partition}:events:${d.region}:${d.account}:rule/${String(ruleName)}`;
    }
    case 'AWS::Scheduler::ScheduleGroup':
      return `arn:${d.partition}:scheduler:${d.region}:${d.account}:schedule-group/${refOf(logicalId, resource, context)}`;
    case 'AWS::Scheduler::Schedule': {
      const group = resolve(resource.Properties?.GroupName ?? 'default', context);
      return `arn:${d.partition}:scheduler:${d.region}:${d.account}:schedule/${String(group)}/${name}`;
    }
    case 'AWS::SNS::Topic':
    case 'AWS::SecretsManager::Secret':
      return refOf(logicalId, resource, context);
    default:
      throw new Error(`iam test support: no ARN for ${logicalId} (${resource.Type})`);
  }
}

function pseudo(name: string, { deployment: d }: ResolveContext): string | undefined {
  const values: Record<string, string> = {
    'AWS::Partition': d.partition,
    'AWS::Region': d.region,
    'AWS::AccountId': d.account,
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': 'lifeboat-dev',
  };
  return values[name];
}

function refValue(name: string, context: ResolveContext): string | string[] {
  const value = pseudo(name, context) ?? context.parameters[name];
  if (value !== undefined) return value;
  const resource = context.template.Resources[name];
  if (!resource) throw new Error(`iam test support: Ref to unknown ${name}`);
  return refOf(name, resource, context);
}

function substitute(text: string, variables: Record<string, unknown>, context: ResolveContext): string {
  return text.replace(/\$\{([^}!]+)\}/g, (_, key: string) => {
    if (key in variables) return String(resolve(variables[key], context));
    const [id, attribute] = key.split('.');
    if (attribute !== undefined) {
      const resource = context.template.Resources[id!];
      if (!resource || attribute !== 'Arn') throw new Error(`iam test support: cannot resolve \${${key}}`);
      return arnOf(id!, resource, context);
    }
    return listOf(refValue(key, context)).join(',');
  });
}

function condition(name: string, context: ResolveContext): boolean {
  const expression = context.template.Conditions?.[name];
  if (expression === undefined) throw new Error(`iam test support: unknown condition ${name}`);
  return Boolean(resolve(expression, context));
}

/** Resolves the intrinsics this project's templates use; anything else is an error, never a guess. */
export function resolve(value: unknown, context: ResolveContext): unknown {
  if (Array.isArray(value)) return value.map((v) => resolve(v, context));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [key, argument] = entries[0]!;
    switch (key) {
      case 'Ref':
        return refValue(String(argument), context);
      case 'Fn::Sub': {
        const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
        return substitute(String(text), variables as Record<string, unknown>, context);
      }
      case 'Fn::GetAtt': {
        const [id, attribute] = listOf(argument as string[]);
        const resource = context.template.Resources[id!];
        if (!resource || attribute !== 'Arn') throw new Error(`iam test support: GetAtt ${id}.${attribute}`);
        return arnOf(id!, resource, context);
      }
      case 'Fn::Join': {
        const [separator, parts] = argument as [string, unknown[]];
        return listOf(resolve(parts, context) as unknown[])
          .flat()
          .join(separator);
      }
      case 'Fn::Split': {
        const [separator, text] = argument as [string, unknown];
        return String(resolve(text, context)).split(separator);
      }
      case 'Fn::Select': {
        const [index, list] = argument as [unknown, unknown];
        return (resolve(list, context) as unknown[])[Number(resolve(index, context))];
      }
      case 'Fn::If': {
        const [name, then, otherwise] = argument as [string, unknown, unknown];
        return resolve(condition(name, context) ? then : otherwise, context);
      }
      case 'Fn::Equals': {
        const [a, b] = argument as [unknown, unknown];
        return JSON.stringify(resolve(a, context)) === JSON.stringify(resolve(b, context));
      }
      case 'Fn::Not':
        return !resolve((argument as unknown[])[0], context);
      case 'Fn::And':
        return (argument as unknown[]).every((c) => resolve(c, context));
      case 'Fn::Or':
        return (argument as unknown[]).some((c) => resolve(c, context));
      case 'Condition':
        return condition(String(argument), context);
    }
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v, context)]));
}

function parameterDefaults(template: CfnTemplate) {
  const parameters = (template as { Parameters?: Record<string, { Default?: unknown }> }).Parameters;
  return Object.fromEntries(
    Object.entries(parameters ?? {}).flatMap(([name, p]) =>
      p.Default === undefined ? [] : [[name, String(p.Default)]],
    ),
  ) as Record<string, string>;
}

/** Any value of a template (a property, an ARN expression) resolved for one deployment. */
export function resolveIn(
  template: CfnTemplate,
  value: unknown,
  options: { deployment?: Deployment; parameters?: Record<string, string | string[]> } = {},
): unknown {
  return resolve(value, {
    template,
    deployment: options.deployment ?? HOME,
    parameters: { ...parameterDefaults(template), ...options.parameters },
  });
}

/** The ARN `Fn::GetAtt [logicalId, Arn]` gives for a resource of the template. */
export function arnOfResource(
  template: CfnTemplate,
  logicalId: string,
  deployment: Deployment = HOME,
): string {
  return String(resolveIn(template, { 'Fn::GetAtt': [logicalId, 'Arn'] }, { deployment }));
}

/** A role of a template with its policies resolved for one deployment. */
export interface ResolvedRole {
  logicalId: string;
  arn: string;
  /** Inline policies; managed policy ARNs are listed apart (AWS's own, e.g. VPC access). */
  policies: Array<{ name: string; policy: PolicyDocument }>;
  managedPolicyArns: string[];
  trustPolicy: PolicyDocument;
}

export function resolvedRole(
  template: CfnTemplate,
  logicalId: string,
  options: { deployment?: Deployment; parameters?: Record<string, string | string[]> } = {},
): ResolvedRole {
  const context: ResolveContext = {
    template,
    deployment: options.deployment ?? HOME,
    parameters: { ...parameterDefaults(template), ...options.parameters },
  };
  const resource = template.Resources[logicalId];
  if (resource?.Type !== 'AWS::IAM::Role') throw new Error(`iam test support: ${logicalId} is not a role`);
  const properties = resolve(resource.Properties ?? {}, context) as {
    Policies?: Array<{ PolicyName: string; PolicyDocument: PolicyDocument }>;
    ManagedPolicyArns?: string[];
    AssumeRolePolicyDocument: PolicyDocument;
  };
  return {
    logicalId,
    arn: arnOf(logicalId, resource, context),
    policies: (properties.Policies ?? []).map((p) => ({ name: p.PolicyName, policy: p.PolicyDocument })),
    managedPolicyArns: properties.ManagedPolicyArns ?? [],
    trustPolicy: properties.AssumeRolePolicyDocument,
  };
}

/** The role a packaged function runs with. */
export function roleOfFunction(template: CfnTemplate, functionLogicalId: string): string {
  const fn = template.Resources[functionLogicalId];
  if (fn?.Type !== 'AWS::Lambda::Function') throw new Error(`${functionLogicalId} is not a function`);
  const role = fn.Properties?.Role as { 'Fn::GetAtt'?: [string, string] } | undefined;
  const id = role?.['Fn::GetAtt']?.[0];
  if (!id) throw new Error(`${functionLogicalId} has no role of this template`);
  return id;
}

/** One request as AWS authorizes it: the action, the resource ARN and the request's context keys. */
export interface IamRequest {
  action: string;
  resource: string;
  /** Condition keys of the request: `aws:ResourceTag/k`, `aws:RequestTag/k`, `aws:TagKeys`, ... */
  context?: Record<string, string | string[]>;
}

export interface Decision {
  result: EvaluationResult;
  /** Why the evaluator could not run (bad policy, unknown action): a test must fail on it. */
  error?: string;
}

function accountOf(arn: string, fallback: string): string {
  return arn.split(':')[4] || fallback;
}

// Strict: the request is evaluated exactly as given; a missing context key is absent, as in AWS.
const STRICT = { simulationMode: 'Strict' } as const;

/** One request through the evaluator, as a Decision; a pattern resource is the test's mistake. */
async function evaluate(
  request: Simulation['request'],
  policies: Pick<Simulation, 'identityPolicies' | 'resourcePolicy'>,
): Promise<Decision> {
  const result = await runSimulation(
    { request, ...policies, serviceControlPolicies: [], resourceControlPolicies: [] },
    STRICT,
  );
  if (result.resultType === 'error')
    return { result: 'ImplicitlyDenied', error: JSON.stringify(result.errors) };
  if (result.resultType === 'single') return { result: result.overallResult };
  throw new Error(
    `iam test support: give ${request.action} one resource, not a pattern (${request.resource.resource})`,
  );
}

/**
 * The role's identity policies, evaluated for one request by the caller in `role`. A KMS key
 * policy or another account's trust policy must allow the caller as well; `trustedByResource`
 * stands for one that allows the caller's account (as a key policy naming the account root does),
 * so the answer is the role's own policies' (trust policies are evaluated by `mayAssume`).
 */
export async function decide(
  role: ResolvedRole,
  request: IamRequest,
  options: { trustedByResource?: boolean } = {},
): Promise<Decision> {
  const callerAccount = accountOf(role.arn, HOME.account);
  const resourcePolicy = options.trustedByResource
    ? {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${callerAccount}:root` },
            Action: request.action,
            Resource: request.resource,
          },
        ],
      }
    : undefined;
  return evaluate(
    {
      principal: role.arn,
      action: request.action,
      resource: {
        resource: request.resource,
        accountId: accountOf(request.resource, accountOf(role.arn, HOME.account)),
      },
      contextVariables: request.context ?? {},
    },
    { identityPolicies: role.policies, ...(resourcePolicy ? { resourcePolicy } : {}) },
  );
}

/**
 * May `principal` (a service such as `scheduler.amazonaws.com`, or a role ARN of another account)
 * assume the role? Evaluates the role's trust policy as the resource policy of sts:AssumeRole.
 */
export async function mayAssume(
  role: ResolvedRole,
  principal: string,
  context: Record<string, string | string[]> = {},
  callerPolicies: Array<{ name: string; policy: PolicyDocument }> = [],
): Promise<Decision> {
  const isService = principal.endsWith('.amazonaws.com');
  return evaluate(
    {
      principal,
      action: 'sts:AssumeRole',
      resource: { resource: role.arn, accountId: accountOf(role.arn, HOME.account) },
      contextVariables: { ...(isService ? {} : { 'aws:PrincipalArn': principal }), ...context },
    },
    { identityPolicies: callerPolicies, resourcePolicy: role.trustPolicy },
  );
}

/**
 * May the service `principal` make `request` on a resource whose resource-based policy is `policy`
 * (a queue policy, a Lambda function's permissions)? The caller has no identity policy of its own.
 */
export async function serviceMay(
  policy: PolicyDocument,
  principal: string,
  request: IamRequest,
): Promise<Decision> {
  return evaluate(
    {
      principal,
      action: request.action,
      resource: { resource: request.resource, accountId: accountOf(request.resource, HOME.account) },
      contextVariables: request.context ?? {},
    },
    { identityPolicies: [], resourcePolicy: policy },
  );
}

/**
 * A function's resource-based policy as Lambda builds it from the template's AWS::Lambda::Permission
 * resources: one statement per permission, its SourceArn and SourceAccount as conditions.
 */
export function functionResourcePolicy(
  template: CfnTemplate,
  functionLogicalId: string,
  deployment: Deployment = HOME,
): PolicyDocument {
  const functionArn = arnOfResource(template, functionLogicalId, deployment);
  const statements = Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::Lambda::Permission')
    .map((r) => resolveIn(template, r.Properties, { deployment }) as Record<string, string>)
    .filter((p) => p.FunctionName === functionArn)
    .map((p) => ({
      Effect: 'Allow',
      Principal: p.Principal!.endsWith('.amazonaws.com') ? { Service: p.Principal } : { AWS: p.Principal },
      Action: p.Action,
      Resource: functionArn,
      ...(p.SourceArn || p.SourceAccount
        ? {
            Condition: {
              ...(p.SourceArn ? { ArnLike: { 'aws:SourceArn': p.SourceArn } } : {}),
              ...(p.SourceAccount ? { StringEquals: { 'aws:SourceAccount': p.SourceAccount } } : {}),
            },
          }
        : {}),
    }));
  return { Version: '2012-10-17', Statement: statements };
}

/** RDS resource ARNs, as the RDS authorization reference names them. */
export const rdsArn = {
  instance: (id: string, region: string = HOME.region, account: string = HOME.account) =>
    `arn:aws:rds:${region}:${account}:db:${id}`,
  cluster: (id: string, region: string = HOME.region, account: string = HOME.account) =>
    `arn:aws:rds:${region}:${account}:cluster:${id}`,
  snapshot: (id: string, region: string = HOME.region, account: string = HOME.account) =>
    `arn:aws:rds:${region}:${account}:snapshot:${id}`,
  clusterSnapshot: (id: string, region: string = HOME.region, account: string = HOME.account) =>
    `arn:aws:rds:${region}:${account}:cluster-snapshot:${id}`,
};

/** Condition keys for a resource's existing tags: `aws:ResourceTag/k` and RDS's own `rds:<kind>-tag/k`. */
export function resourceTags(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:ResourceTag/${k}`, v]));
}

/** Condition keys for tags a request sets: `aws:RequestTag/k` for each and `aws:TagKeys`. */
export function requestTags(tags: Record<string, string>): Record<string, string | string[]> {
  return {
    ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
    'aws:TagKeys': Object.keys(tags),
  };
}
