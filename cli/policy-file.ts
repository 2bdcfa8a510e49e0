import { readFile } from 'node:fs/promises';
import { ConfigError } from '../lib/core/errors.js';
import { parsePolicyFile } from '../lib/core/policy/file.js';
import type { PolicyFile } from '../lib/core/policy/schema.js';

/** Reads and validates the policy file a command was given; every problem named on one line. */
export async function readPolicyFile(path: string): Promise<PolicyFile> {
  let content: Buffer;
  try {
    content = await readFile(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : String(error);
    throw new ConfigError(`policy file ${path}: ${reason}`, { cause: error });
  }
  try {
    return parsePolicyFile(content, path);
  } catch (error) {
    // The parser lists one problem per line; a command line wants them on one.
    if (error instanceof ConfigError) {
      throw new ConfigError(error.message.replace(/:\n\s+- /, ': ').replace(/\n\s+- /g, '; '));
    }
    throw error;
  }
}
