import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { InvalidInputError } from '../../core/errors.js';
import type { ReportStore } from '../../core/ports.js';

/** ReportStore on a folder, standing in for the reports bucket: a key is a path under it. */
export class LocalReportStore implements ReportStore {
  constructor(readonly folder: string) {}

  /** Where a report lives on disk, for the operator to open. */
  pathOf(key: string): string {
    if (key.split('/').some((part) => part === '..' || part === '') || key.startsWith('/')) {
      throw new InvalidInputError(`report key "${key}" must be a relative path without ".." or empty parts`);
    }
    return join(this.folder, ...key.split('/'));
  }

  async put(key: string, body: unknown): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(`${path}.tmp`, typeof body === 'string' ? body : `${JSON.stringify(body, null, 2)}\n`);
    await rename(`${path}.tmp`, path);
  }

  async get(key: string): Promise<unknown | undefined> {
    let text: string;
    try {
      text = await readFile(this.pathOf(key), 'utf8');
    } catch {
      return undefined;
    }
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }

  async list(prefix: string): Promise<string[]> {
    let entries: string[];
    try {
      entries = await readdir(this.folder, { recursive: true });
    } catch {
      return [];
    }
    const keys = [];
    for (const entry of entries) {
      const key = relative(this.folder, join(this.folder, entry)).split(sep).join('/');
      if (key.startsWith(prefix) && !key.endsWith('.tmp') && /\.[a-z]+$/.test(key)) keys.push(key);
    }
    return keys.sort();
  }
}
