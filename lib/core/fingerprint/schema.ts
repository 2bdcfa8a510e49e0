import * as z from 'zod';
import type { DatabaseFingerprint } from './types.js';

const Checksum = z.string().regex(/^[0-9a-f]{16}$/, 'expected 16 lowercase hex digits');
const Rows = z.number().int().min(0);

const RangeFingerprintSchema = z.object({
  from: z.string().nullable(),
  to: z.string().nullable(),
  rows: Rows,
  checksum: Checksum,
});

const TableFingerprintSchema = z.object({
  rows: Rows,
  checksum: Checksum,
  columns: Checksum,
  buckets: z.array(RangeFingerprintSchema).optional(),
  key: z.string().optional(),
});

/** A fingerprint as `lifeboat fingerprint --json` prints it and reports store it. */
export const DatabaseFingerprintSchema = z.object({
  engine: z.enum(['postgres', 'mysql']),
  rowHash: z.enum(['typed', 'text']).optional(),
  format: z.number().int().min(1).optional(),
  tables: z.record(z.string(), TableFingerprintSchema),
  takenAt: z.string().optional(),
});

/** Parses a stored fingerprint; the error names the first bad field, e.g. `tables.public.t.rows`. */
export function parseFingerprint(value: unknown): DatabaseFingerprint {
  const result = DatabaseFingerprintSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new Error(`${issue?.path.join('.') || '(top level)'}: ${issue?.message ?? 'invalid'}`);
}
