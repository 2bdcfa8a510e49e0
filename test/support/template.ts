import { execFileSync, spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

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
  return withPackageLock(() => {
    if (templateIsStale()) {
      execFileSync('npx', ['--no-install', 'serverless', 'package'], { stdio: 'ignore' });
    }
    return JSON.parse(readFileSync(TEMPLATE, 'utf8')) as CfnTemplate;
  });
}

// `serverless package` empties .serverless/ even when told to write elsewhere (--package), so test
// files packaging other settings would pull the template and bundles from under the others: every
// package and every read of .serverless/ takes this lock (vitest runs files in parallel).
const LOCK = join(
  tmpdir(),
  `lifeboat-package-${createHash('sha256').update(resolve('.')).digest('hex').slice(0, 12)}.lock`,
);
const LOCK_STALE_MS = 10 * 60_000;
const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Timeout of a test that packages: packages run one at a time per checkout (the lock below), so a
 * test may first wait for another file's package to finish.
 */
export const PACKAGING_TIMEOUT_MS = 5 * 60_000;

/** Takes the packaging lock of this checkout; the function returned gives it back. */
function takePackageLock(): () => void {
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock left by a run that was killed is taken over once it is older than any package.
      if (Date.now() - statSync(LOCK, { throwIfNoEntry: false })!.mtimeMs > LOCK_STALE_MS) {
        rmSync(LOCK, { recursive: true, force: true });
      } else pause(200);
    }
  }
  return () => rmSync(LOCK, { recursive: true, force: true });
}

/** Runs `work` holding the packaging lock of this checkout. */
export function withPackageLock<T>(work: () => T): T {
  const release = takePackageLock();
  try {
    return work();
  } finally {
    release();
  }
}

/**
 * Takes the packaging lock and moves .serverless/ (the template the other deploy tests read) aside
 * until the function returned puts it back, with the environment a package runs with.
 */
function packagingSetAside(env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; restore: () => void } {
  const release = takePackageLock();
  const kept = `.serverless-kept-${process.pid}`;
  const had = existsSync('.serverless');
  if (had) renameSync('.serverless', kept);
  const packagingEnv = { ...env };
  delete packagingEnv.AWS_PROFILE;
  return {
    env: packagingEnv,
    restore: () => {
      rmSync('.serverless', { recursive: true, force: true });
      if (had) renameSync(kept, '.serverless');
      release();
    },
  };
}

/**
 * `serverless package --package out` with `env`, leaving .serverless/ (the template the other
 * deploy tests read) as it was.
 */
export function packageInto(out: string, env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  const packaging = packagingSetAside(env);
  try {
    return spawnSync('npx', ['--no-install', 'serverless', 'package', '--package', out], {
      env: packaging.env,
      encoding: 'utf8',
    });
  } finally {
    packaging.restore();
  }
}

/**
 * packageInto without blocking the test process for the minute a package takes (vitest's own
 * timers and hooks keep running), and with extra serverless options (`--region`, `--stage`).
 * Returns the packaged template with the exit status and output.
 */
export async function packageIntoAsync(
  out: string,
  env: NodeJS.ProcessEnv,
  options: string[] = [],
): Promise<{ status: number | null; output: string; template?: CfnTemplate }> {
  const packaging = packagingSetAside(env);
  try {
    const child = spawn('npx', ['--no-install', 'serverless', 'package', '--package', out, ...options], {
      env: packaging.env,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const status = await new Promise<number | null>((done) => child.on('close', done));
    const file = join(out, 'cloudformation-template-update-stack.json');
    return {
      status,
      output,
      ...(status === 0 && existsSync(file)
        ? { template: JSON.parse(readFileSync(file, 'utf8')) as CfnTemplate }
        : {}),
    };
  } finally {
    packaging.restore();
  }
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
