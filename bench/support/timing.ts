/** What the fingerprint benchmarks share: best-of-N timing, a shell pipeline, the load average. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
  return (await bestWithCpu(label, rows, repeat, run)).wall;
}

/**
 * CPU seconds (user + system) spent so far by process `pid` and its waited-for children, from
 * /proc/<pid>/stat (fields 14-17, in clock ticks of 1/100 s on Linux).
 */
export function cpuSeconds(pid: number | 'self'): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ", field 3 (state) is index 0: utime, stime, cutime, cstime are 14-17.
  return [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index]), 0) / 100;
}

/**
 * Like `best`, and also the least CPU seconds of any run as `cpu` counts them (say, the database
 * server's and this process's with its children): the machine's load moves wall times, much less
 * the CPU a contender needs. Runs print as wall/cpu. `settleMs` waits after each run, outside its
 * wall time, before CPU is read: a server counts a session's CPU once it has reaped its process.
 */
export async function bestWithCpu(
  label: string,
  rows: number,
  repeat: number,
  run: () => Promise<unknown>,
  cpu?: () => number,
  settleMs = 0,
): Promise<{ wall: number; cpu?: number }> {
  const runs: Array<{ wall: number; cpu?: number }> = [];
  for (let attempt = 0; attempt < repeat; attempt++) {
    const cpuBefore = cpu?.();
    const start = process.hrtime.bigint();
    await run();
    const wall = Number(process.hrtime.bigint() - start) / 1e9;
    if (settleMs > 0) await new Promise((resolve) => setTimeout(resolve, settleMs));
    runs.push(cpuBefore === undefined ? { wall } : { wall, cpu: cpu!() - cpuBefore });
  }
  const wall = Math.min(...runs.map((r) => r.wall));
  // The least CPU of any run: contention (caches, a shared core) only ever adds to it.
  const cpuUsed = cpu ? Math.min(...runs.map((r) => r.cpu!)) : undefined;
  const rate = Math.round(rows / wall).toLocaleString('en');
  const cpuText = cpuUsed === undefined ? '' : ` ${cpuUsed.toFixed(2).padStart(6)} s cpu`;
  console.log(
    `${label.padEnd(42)} ${wall.toFixed(2).padStart(6)} s${cpuText} ${rate.padStart(10)} rows/s  load ${load()}` +
      `  (runs: ${runs.map((r) => (r.cpu === undefined ? r.wall.toFixed(2) : `${r.wall.toFixed(2)}/${r.cpu.toFixed(2)}`)).join(', ')})`,
  );
  return cpuUsed === undefined ? { wall } : { wall, cpu: cpuUsed };
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
