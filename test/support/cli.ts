import { execFile } from 'node:child_process';

/** What a run of the `lifeboat` command line left: exit code and both streams. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real command line as an operator would: `node bin/lifeboat.mjs ...args`. */
export function runLifeboat(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile('node', ['bin/lifeboat.mjs', ...args], { env }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/**
 * The real command line as an operator runs it against moto: the standard credential chain (fake
 * keys in the environment), `--endpoint-url` pointing every AWS call at the test server.
 */
export function runLifeboatOnMoto(
  endpoint: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<CliRun> {
  return runLifeboat([...args, '--endpoint-url', endpoint], {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: 'testing',
    NO_COLOR: '1',
    ...env,
  });
}
