import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { ConfigError, GuardRefusedError } from '../core/errors.js';
import type { ReportStore } from '../core/ports.js';
import { decodeUtf8 } from '../core/utf8.js';

/**
 * A local copy of the reports bucket, read-only: keys are paths under the directory, as
 * `aws s3 sync s3://<bucket>/reports <dir>/reports` leaves them. `lifeboat evidence --reports`
 * reads it offline.
 */
export class ReportDirectory implements ReportStore {
  readonly #root: string;

  private constructor(root: string) {
    this.#root = root;
  }

  /** Refuses a directory that is not there, or holds no `reports/` folder to read. */
  static async open(path: string): Promise<ReportDirectory> {
    const root = resolve(path);
    const isDirectory = (where: string) =>
      stat(where).then(
        (s) => s.isDirectory(),
        () => false,
      );
    if (!(await isDirectory(root))) throw new ConfigError(`--reports ${path}: not a directory`);
    if (!(await isDirectory(join(root, 'reports')))) {
      throw new ConfigError(
        `--reports ${path}: has no reports/ folder (a copy of the reports bucket, e.g. aws s3 sync s3://BUCKET/reports ${path}/reports)`,
      );
    }
    return new ReportDirectory(root);
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (entry.isFile()) keys.push(relative(this.#root, path).split(sep).join('/'));
      }
    };
    await walk(join(this.#root, 'reports'));
    return keys.filter((key) => key.startsWith(prefix)).sort();
  }

  async get(key: string): Promise<unknown | undefined> {
    const path = resolve(this.#root, key);
    if (!path.startsWith(this.#root + sep))
      throw new ConfigError(`report key ${key} is outside the directory`);
    let content: Buffer;
    try {
      content = await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      return JSON.parse(decodeUtf8(content, path)) as unknown;
    } catch (error) {
      throw new ConfigError(`${path}: not valid JSON (${(error as Error).message})`, { cause: error });
    }
  }

  async put(): Promise<void> {
    throw new GuardRefusedError('a local copy of the reports bucket is read-only');
  }
}
