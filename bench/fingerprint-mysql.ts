/**
 * How fast is `lifeboat fingerprint` on MySQL/MariaDB, against what an operator would do instead?
 * Builds a table of 2 million rows of the same shape as the PostgreSQL benchmark's on a throwaway
 * MariaDB (its buffer pool holds it all, as a warmed server would), then times, best of a few runs:
 * - SELECT * INTO OUTFILE (to memory, /dev/shm): the server's own serialization of every row, the floor;
 * - the fingerprint with 1 and 2 segments;
 * - mariadb-dump --no-create-info | sha256sum;
 * - CHECKSUM TABLE (order-independent too, but InnoDB's own row format: no use across engines or
 *   versions, and no way to narrow a difference down, so a figure for scale, not a contender).
 * Targets: one segment within 1.3x of the floor; two segments at least 1.5x faster than
 * mariadb-dump | sha256sum. Each line also gives the CPU seconds of its fastest run, the server's
 * plus this process's and its children's (the dump and sha256sum): the machine's load moves wall
 * times more than CPU. Then where the fingerprint's time goes: the same scan summing parts of the
 * row hash (the row's text, its MD5, the hex digits' CONV), and the text without each kind of column.
 * Run: npm run bench:fingerprint-mysql [-- --rows N --repeat N]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import { MysqlFingerprinter } from '../lib/adapters/db/mysql.js';
import {
  MYSQL_COLUMNS_QUERY,
  mysqlRowHash,
  mysqlRowText,
  type MysqlColumn,
} from '../lib/core/fingerprint/mysql-sql.js';
import { startMariaDb } from '../test/support/mariadb.js';
import { bestWithCpu, cpuSeconds, load, ratio, shell } from './support/timing.js';

const { values } = parseArgs({
  options: { rows: { type: 'string', default: '2000000' }, repeat: { type: 'string', default: '3' } },
});
const ROWS = Number(values.rows);
const REPEAT = Number(values.repeat);

console.log(
  `fingerprint-mysql bench: ${ROWS.toLocaleString('en')} rows, best of ${REPEAT}; load average ${load()}`,
);
// INTO OUTFILE writes only below secure_file_priv, and never over an existing file: one new file
// per run, in memory so the floor is the server's work and not the disk's.
const outfiles = mkdtempSync('/dev/shm/lifeboat-bench-');
const server = await startMariaDb({
  settings: { 'innodb-buffer-pool-size': '1G', 'secure-file-priv': outfiles, 'max-allowed-packet': '64M' },
});
const client = await mysql.createConnection({
  host: server.host,
  port: server.port,
  user: server.user,
  password: server.password,
  database: server.database,
});
/** Wall and CPU ratios of two contenders. */
function ratios(a: { wall: number; cpu?: number }, b: { wall: number; cpu?: number }): string {
  return `${ratio(a.wall, b.wall)} wall, ${ratio(a.cpu ?? NaN, b.cpu ?? NaN)} cpu`;
}

const serverPid = Number(readFileSync(join(server.dir, 'mariadb.pid'), 'utf8').trim());
const cpu = () => cpuSeconds(serverPid) + cpuSeconds('self');
const timed = (label: string, run: () => Promise<unknown>) => bestWithCpu(label, ROWS, REPEAT, run, cpu);
try {
  const built = process.hrtime.bigint();
  await client.query(`
    CREATE TABLE bench (
      id BIGINT PRIMARY KEY, name VARCHAR(64), amount DECIMAL(12, 2), ratio DOUBLE, created DATETIME(6),
      day DATE, tags JSON, doc JSON, flag BOOLEAN, feeling ENUM('sad', 'ok', 'happy'), ref CHAR(36)
    ) ENGINE=InnoDB`);
  // MariaDB's SEQUENCE engine: seq_1_to_N is a table of 1..N with no storage.
  await client.query(`
    INSERT INTO bench
    SELECT seq, CONCAT('name-', MD5(seq)), (seq % 100000) / 100.0, seq / 7.0,
      TIMESTAMP '2024-01-01 00:00:00' + INTERVAL seq SECOND, DATE '2000-01-01' + INTERVAL (seq % 9000) DAY,
      IF(seq % 5 = 0, NULL, JSON_ARRAY(CONCAT('a', seq % 10), 'b')), JSON_OBJECT('k', seq % 1000),
      seq % 2 = 0, ELT(1 + seq % 3, 'sad', 'ok', 'happy'),
      INSERT(INSERT(INSERT(INSERT(MD5(seq), 21, 0, '-'), 17, 0, '-'), 13, 0, '-'), 9, 0, '-')
    FROM seq_1_to_${ROWS}`);
  await client.query('ANALYZE TABLE bench');
  const [sizeRows] = await client.query<mysql.RowDataPacket[]>(
    `SELECT ROUND(data_length / 1048576) AS mb FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'bench'`,
  );
  console.log(
    `built table bench (${String(sizeRows[0]?.mb)} MB) in ${(Number(process.hrtime.bigint() - built) / 1e9).toFixed(1)} s; load ${load()}`,
  );
  // Warm the buffer pool so every contender reads from memory.
  await client.query('SELECT COUNT(*), SUM(LENGTH(name)) FROM bench');

  const connection = {
    engine: 'mysql' as const,
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    database: server.database,
  };
  const fingerprinter = new MysqlFingerprinter();
  const checksums = new Set<string>();
  const fingerprint = (segments: number) => async () => {
    const result = await fingerprinter.fingerprint(connection, { segments, tables: ['lifeboat.bench'] });
    checksums.add(result.tables['lifeboat.bench']?.checksum ?? 'none');
  };

  let outfile = 0;
  const floor = await timed('SELECT * INTO OUTFILE (floor)', async () => {
    const path = `${outfiles}/bench-${++outfile}.tsv`;
    await client.query(`SELECT * FROM bench INTO OUTFILE '${path}'`);
    rmSync(path);
  });
  const one = await timed('lifeboat fingerprint, 1 segment', fingerprint(1));
  const two = await timed('lifeboat fingerprint, 2 segments', fingerprint(2));
  const dump = await timed('mariadb-dump --no-create-info | sha256sum', () =>
    shell(
      `mariadb-dump --no-create-info --single-transaction -h ${server.host} -P ${server.port} -u ${server.user} ${server.database} bench | sha256sum`,
      { MYSQL_PWD: server.password ?? '' },
    ),
  );
  const checksumTable = await timed('CHECKSUM TABLE bench', () => client.query('CHECKSUM TABLE bench'));

  if (checksums.size !== 1) throw new Error(`runs disagree: ${[...checksums].join(', ')}`);
  console.log('');
  console.log(`1 segment / OUTFILE floor:            ${ratios(one, floor)}  (target <= 1.30x)`);
  console.log(`mariadb-dump|sha256sum / 2 segments:  ${ratios(dump, two)}  (target >= 1.50x)`);
  console.log(`mariadb-dump|sha256sum / 1 segment:   ${ratios(dump, one)}`);
  console.log(`1 segment / CHECKSUM TABLE:           ${ratios(one, checksumTable)}`);

  // Where one segment's time goes: the same scan, summing less and less of the row hash.
  const [columnRows] = await client.query<mysql.RowDataPacket[]>(
    `SELECT * FROM (${MYSQL_COLUMNS_QUERY}) c WHERE c.\`table\` = 'bench'`,
    [[server.database]],
  );
  const columns: MysqlColumn[] = columnRows.map((c) => ({
    name: String(c.name),
    dataType: String(c.data_type),
    columnType: String(c.column_type),
  }));
  const text = mysqlRowText(columns);
  const scan = (expression: string) => () => client.query(`SELECT SUM(${expression}) FROM bench`);
  console.log('');
  console.log('where the time goes (1 segment, one query each):');
  const parts = {
    hash: await timed('SUM(row hash)', scan(mysqlRowHash(columns))),
    md5: await timed('SUM(LENGTH(MD5(row text)))', scan(`LENGTH(MD5(${text}))`)),
    text: await timed('SUM(LENGTH(row text))', scan(`LENGTH(${text})`)),
    scan: await timed('SUM(id) (the scan)', scan('id')),
  };
  const without = async (label: string, keep: (column: MysqlColumn) => boolean) =>
    timed(`SUM(LENGTH(row text without ${label}))`, scan(`LENGTH(${mysqlRowText(columns.filter(keep))})`));
  const noDouble = await without('DOUBLE', (c) => c.dataType !== 'double');
  const noJson = await without('JSON', (c) => !['json', 'longtext'].includes(c.dataType));
  const noDecimal = await without('DECIMAL', (c) => c.dataType !== 'decimal');
  // In CPU seconds: with other work on the machine, wall-time differences of a few seconds are noise.
  const cost = (run: { cpu?: number }) => run.cpu ?? NaN;
  const share = (seconds: number) => `${Math.round((100 * seconds) / cost(parts.hash))}%`;
  console.log(
    `shares of SUM(row hash)'s CPU: scan ${share(cost(parts.scan))}, row text ${share(cost(parts.text) - cost(parts.scan))}` +
      ` (DOUBLE ${share(cost(parts.text) - cost(noDouble))}, JSON ${share(cost(parts.text) - cost(noJson))},` +
      ` DECIMAL ${share(cost(parts.text) - cost(noDecimal))}), MD5 ${share(cost(parts.md5) - cost(parts.text))},` +
      ` CONV and the DECIMAL sum ${share(cost(parts.hash) - cost(parts.md5))}`,
  );
  console.log(`load average at the end: ${load()} (2 cores shared with other work skew every figure)`);
} finally {
  await client.end().catch(() => undefined);
  await server.stop();
  rmSync(outfiles, { recursive: true, force: true });
}
