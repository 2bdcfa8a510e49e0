import { parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';
import { decodeUtf8 } from '../utf8.js';
import { validatePolicyFile } from './parse.js';
import type { PolicyFile } from './schema.js';

/**
 * Aliases a policy file may resolve. A file of a few policies has none or a handful (an anchor for
 * shared copy targets); a "billion laughs" file nests them to expand into gigabytes.
 */
const MAX_ALIASES = 100;

/**
 * Reads a policy file (YAML, given as its bytes or as text) and validates it: every problem at once,
 * each naming its key.
 */
export function parsePolicyFile(content: string | Uint8Array, origin = 'policy file'): PolicyFile {
  const text = typeof content === 'string' ? content : decodeUtf8(content, origin);
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    throw new ConfigError(`${origin}: not valid YAML: ${first.message.split('\n')[0]}`);
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    // The yaml package throws a ReferenceError past maxAliasCount, and on an alias to nothing.
    throw new ConfigError(
      `${origin}: not a usable YAML file: ${error instanceof Error ? error.message : String(error)} ` +
        `(at most ${MAX_ALIASES} aliases are expanded)`,
      { cause: error },
    );
  }
  return validatePolicyFile(value, origin);
}
