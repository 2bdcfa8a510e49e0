import * as z from '../validation.js';
import type { DatabaseFingerprint } from './types.js';

const Checksum = z.string().check(z.regex(/^[0-9a-f]{16}$/, 'expected 16 lowercase hex digits'));
const Rows = z.number().check(z.int(), z.minimum(0));

const RangeFingerprintSchema = z.object({
  from: z.nullable(z.string()),
  to: z.nullable(z.string()),
  rows: Rows,
  checksum: Checksum,
});

const TableFingerprintSchema = z.object({
  rows: Rows,
  checksum: Checksum,
  columns: Checksum,
  buckets: z.optional(z.array(RangeFingerprintSchema)),
  key: z.optional(z.string()),
});

/** A fingerprint as `lifeboat fingerprint --json` prints it and reports store it. */
export const DatabaseFingerprintSchema = z.object({
  engine: z.enum(['postgres', 'mysql']),
  rowHash: z.optional(z.enum(['typed', 'text'])),
  format: z.optional(z.number().check(z.int(), z.minimum(1))),
  tables: z.record(z.string(), TableFingerprintSchema),
  takenAt: z.optional(z.string()),
});

/** Parses a stored fingerprint; the error names the first bad field, e.g. `tables.public.t.rows`. */
export function parseFingerprint(value: unknown): DatabaseFingerprint {
  const result = DatabaseFingerprintSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new Error(`${issue?.path.join('.') || '(top level)'}: ${issue?.message ?? 'invalid'}`);
}
