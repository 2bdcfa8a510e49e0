import { en } from 'zod/locales';
import { config } from 'zod/mini';

/*
 * The schemas the functions use are written with zod/mini, zod 4's build of functions in place of methods,
 * which esbuild can tree-shake: a bundle carries the checks it uses (about 30 KB) rather than all
 * of zod's classic API (about 95 KB, parsed at every cold start). The issues, and so the error
 * messages, are the same; zod/mini only loads no messages by itself, so the English ones are
 * loaded here, before any schema of a module importing this one can run.
 *
 * Import it as `import * as z from '../validation.js'`. Named re-exports, not `export * as z`: a
 * namespace object re-exported whole would carry every export of zod/mini, all locales included.
 */
config(en());

export {
  _default,
  array,
  boolean,
  enum,
  extend,
  int,
  iso,
  literal,
  maximum,
  maxLength,
  minLength,
  minimum,
  nullable,
  nullish,
  number,
  object,
  optional,
  positive,
  record,
  refine,
  regex,
  startsWith,
  strictObject,
  string,
  superRefine,
  union,
  unknown,
} from 'zod/mini';
export type { infer, input } from 'zod/mini';
export { $ZodError } from 'zod/v4/core';
export type { $ZodIssue } from 'zod/v4/core';
