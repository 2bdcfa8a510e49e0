import { execFile, type ChildProcess } from 'node:child_process';

/** What a run of the `lifeboat` command line left: exit code and both streams. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A run under way: the process (to signal it), its stderr so far, and what it leaves. */
export interface CliProcess {
  child: ChildProcess;
  stderrSoFar(): string;
  done: Promise<CliRun>;
}

/** Starts the real command line as an operator would: `node bin/lifeboat.mjs ...args`. */
export function startLifeboat(args: readonly string[], env: NodeJS.ProcessEnv = process.env): CliProcess {
  let resolveDone: (run: CliRun) => void = () => undefined;
  const done = new Promise<CliRun>((resolve) => (resolveDone = resolve));
  const child = execFile('node', ['bin/lifeboat.mjs', ...args], { env }, (error, stdout, stderr) => {
    const code = error ? (typeof error.code === 'number' ? error.code : (child.exitCode ?? 1)) : 0;
    resolveDone({ code, stdout, stderr });
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer | string) => (stderr += chunk.toString()));
  return { child, stderrSoFar: () => stderr, done };
}

/** Runs the real command line as an operator would: `node bin/lifeboat.mjs ...args`. */
export function runLifeboat(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CliRun> {
  return startLifeboat(args, env).done;
}

/**
 * The real command line as an operator runs it against moto: the standard credential chain (fake
 * keys in the environment), `--endpoint-url` pointing every AWS call at the test server.
 */
export function startLifeboatOnMoto(
  endpoint: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): CliProcess {
  return startLifeboat([...args, '--endpoint-url', endpoint], {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: 'testing',
    NO_COLOR: '1',
    ...env,
  });
}

/** {@link startLifeboatOnMoto}, to its end. */
export function runLifeboatOnMoto(
  endpoint: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<CliRun> {
  return startLifeboatOnMoto(endpoint, args, env).done;
}
