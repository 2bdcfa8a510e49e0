import { createHash } from 'node:crypto';

/** A table column as the catalog describes it; `type` is the engine's full type text. */
export interface ColumnDescription {
  name: string;
  type: string;
}

/**
 * Hash of the column names and types in order (16 hex digits), so a dropped, added, renamed,
 * reordered or retyped column changes it while the data checksum alone might not.
 */
export function columnSignature(columns: readonly ColumnDescription[]): string {
  const text = columns.map((column) => `${column.name}\u0000${column.type}`).join('\u0001');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
