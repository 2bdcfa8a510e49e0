import { parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';
import { validatePolicyFile } from './parse.js';
import type { PolicyFile } from './schema.js';

/** Reads a policy file (YAML) and validates it: every problem at once, each naming its key. */
export function parsePolicyFile(text: string, origin = 'policy file'): PolicyFile {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    throw new ConfigError(`${origin}: not valid YAML: ${first.message.split('\n')[0]}`);
  }
  return validatePolicyFile(document.toJS(), origin);
}
