/** What the fingerprint benchmarks share: best-of-N timing, a shell pipeline, the load average. */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';

export const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

/** Times `run` `repeat` times and prints the best, with the rows per second it means. */
export async function best(
  label: string,
  rows: number,
  repeat: number,
  run: () => Promise<unknown>,
): Promise<number> {
  const runs: number[] = [];
  for (let attempt = 0; attempt < repeat; attempt++) {
    const start = process.hrtime.bigint();
    await run();
    runs.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  const wall = Math.min(...runs);
  const rate = Math.round(rows / wall).toLocaleString('en');
  console.log(
    `${label.padEnd(42)} ${wall.toFixed(2).padStart(6)} s ${rate.padStart(10)} rows/s  load ${load()}` +
      `  (runs: ${runs.map((t) => t.toFixed(2)).join(', ')})`,
  );
  return wall;
}

/** Runs a bash pipeline (pipefail) and resolves with its standard output. */
export function shell(command: string, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', command], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${command}: ${stderr}`))));
  });
}

export const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`.padStart(6);
