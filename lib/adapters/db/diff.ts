import { InvalidInputError } from '../../core/errors.js';
import type { DiffSide } from '../../core/diff/types.js';
import type { DatabaseConnection } from '../../core/fingerprint/types.js';
import { openMysqlDiffSide } from './mysql-diff.js';
import { openPostgresDiffSide, PostgresDiffSide } from './postgres-diff.js';

/**
 * Opens both sides of a diff, each in its own read-only snapshot, at the same time; if either
 * cannot be opened, the other is closed again. Both hash rows the same way.
 */
export async function openDiffSides(
  before: DatabaseConnection,
  after: DatabaseConnection,
): Promise<[DiffSide, DiffSide]> {
  if (before.engine !== after.engine) {
    throw new InvalidInputError(
      `--before is ${before.engine} and --after is ${after.engine}: diff needs one engine`,
    );
  }
  const open = (connection: DatabaseConnection) =>
    connection.engine === 'postgres' ? openPostgresDiffSide(connection) : openMysqlDiffSide(connection);
  const opened = await Promise.allSettled([open(before), open(after)]);
  const failed = opened.find((result) => result.status === 'rejected');
  if (failed) {
    await Promise.all(
      opened.map((result) => (result.status === 'fulfilled' ? result.value.close() : undefined)),
    );
    throw failed.reason;
  }
  const [x, y] = opened.map((result) => (result as PromiseFulfilledResult<DiffSide>).value) as [
    DiffSide,
    DiffSide,
  ];
  if (x instanceof PostgresDiffSide && y instanceof PostgresDiffSide && x.method !== y.method) {
    x.method = y.method = 'text';
  }
  return [x, y];
}
