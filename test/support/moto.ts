import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** A moto_server on a free loopback port, owned by one test file. */
export interface Moto {
  endpoint: string;
  /** Forget every resource (POST /moto-api/reset), so tests in one file do not see each other. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

/**
 * Starts moto_server and points the SDK's default credential chain at fake credentials, so no
 * test can ever reach a real account.
 */
export async function startMoto(
  options: { sharedSnapshots?: boolean; replicatedBackups?: boolean } = {},
): Promise<Moto> {
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  process.env.AWS_SESSION_TOKEN = 'testing';
  process.env.AWS_REGION ??= 'us-east-1';
  delete process.env.AWS_PROFILE;

  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const args = ['-H', '127.0.0.1', '-p', String(port)];
  // sharedSnapshots: snapshots shared across accounts as RDS has them (moto-shared-snapshots.py);
  // replicatedBackups: automated-backup replication into another region (moto-replicated-backups.py).
  const script = options.sharedSnapshots
    ? './moto-shared-snapshots.py'
    : options.replicatedBackups
      ? './moto-replicated-backups.py'
      : undefined;
  const child: ChildProcess = script
    ? spawn('python3', [fileURLToPath(new URL(script, import.meta.url)), ...args], {
        stdio: ['ignore', 'ignore', 'pipe'],
      })
    : spawn('moto_server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited early: ${stderr}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not answer on ${endpoint} within 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    endpoint,
    async reset() {
      await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    },
  };
}

/** Client options for any SDK v3 client pointed at moto. */
export function motoClientConfig(moto: Moto, region = 'us-east-1') {
  return {
    endpoint: moto.endpoint,
    region,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing', sessionToken: 'testing' },
  };
}
