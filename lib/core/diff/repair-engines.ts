import { MYSQL_REPAIR } from './repair-mysql.js';
import { POSTGRES_REPAIR } from './repair-postgres.js';
import { repairScript, type RepairOptions } from './repair.js';
import type { DatabaseDiff } from './types.js';

/** The repair script of a diff in its engine's SQL. */
export function repairScriptFor(
  diff: DatabaseDiff,
  options: RepairOptions,
  header: readonly string[] = [],
): string {
  const differing = diff.tables.filter((t) => t.deleted.length + t.inserted.length + t.changed.length > 0);
  return repairScript(
    diff.engine === 'postgres' ? POSTGRES_REPAIR : MYSQL_REPAIR,
    differing,
    options,
    header,
    diff.foreignKeys,
  );
}
