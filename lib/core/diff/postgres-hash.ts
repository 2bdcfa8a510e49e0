/**
 * The row hash of a PostgreSQL diff: both sides are live databases hashed in the same run, so it
 * need not be the fingerprint's (stored reports never see it), only as strict: two rows it hashes
 * alike must fingerprint alike, or the repair script would leave a difference the fingerprint
 * still sees. So every column keeps the fingerprint's equality (fingerprint/postgres-sql.ts
 * typedFieldEncoding): a type's own hash where that is exact, float bytes, text otherwise.
 *
 * What is cheaper is how the columns are put together (npm run bench:diff). The fingerprint
 * builds a ROW() of every column for hash_record_extended(), which forms a tuple only to take it
 * apart again, and, because that hash adds its column hashes linearly, hashes the result a second
 * time with itself as the seed, which needs a subquery. Here each column is hashed by its type's
 * function called directly, seeded with the hash of the columns before it: a chain, non-linear
 * from one link to the next, so a value swapped between two rows does not cancel out in a bucket's
 * sum, and the row's hash is summed as it is. Types SQL cannot call their hash function on go
 * another way: a bool as a constant in the seed, a float by its own hash with its bytes put into the seed for the values
 * that hash does not tell apart (0 and -0, NaNs); a bytea into one hash_record_extended() at the
 * start of the chain, where its seed is a constant: with every value NULL it returns 0 whatever
 * the seed, which would drop the links before it. Links that can leave their seed unmixed (the
 * bool's, numeric's for NaN and 0, a float's for 0) are never last: the chain ends with one that
 * mixes.
 *
 * A link's function returns NULL for NULL, so the value is coalesced to a stand-in and NULL turns
 * the seed (XOR a constant of the column's own): NULL and '' differ. Types whose fingerprint
 * equality is their text (enums, json, jsonb, interval, arrays, domains, composites, extension
 * types) are hashed on their text. numeric's hash leaves out the sign, so a negative numeric turns
 * the seed too; one without a fixed scale also puts its scale
 * (1.0 and 1.00 print differently) or, for NaN and the infinities, which hash alike, a code of its
 * own, into the seed, which costs less than printing it. Types the fingerprint takes by their send
 * form because their hash folds the value (int8, timestamps, times, bpchar) go into the grouped
 * hash by that form too, and a date there by its own (exact) hash.
 */
import {
  quoteIdent,
  sendForm,
  typedFieldEncoding,
  type PostgresColumn,
} from '../fingerprint/postgres-sql.js';

/** Past this many columns (one nested call each) the fingerprint's row hash serves instead. */
export const MAX_CHAINED_COLUMNS = 100;

/** The chain's first seed, and the per-column NULL constants are multiples of another (63 bits). */
const SEED = 3141592653589793238n;
const NULL_STEP = 0x1e3779b97f4a7c15n;
const INT63 = (1n << 63n) - 1n;

/** Types with an extended hash function SQL can call on them, and a stand-in for NULL. */
const DIRECT: Record<string, { hash: string; zero: string; collate?: boolean }> = {
  int2: { hash: 'hashint2extended', zero: `'0'` },
  int4: { hash: 'hashint4extended', zero: `'0'` },
  oid: { hash: 'hashoidextended', zero: `'0'` },
  char: { hash: 'hashcharextended', zero: `'a'` },
  name: { hash: 'hashnameextended', zero: `''`, collate: true },
  text: { hash: 'hashtextextended', zero: `''`, collate: true },
  varchar: { hash: 'hashtextextended', zero: `''`, collate: true },
  uuid: { hash: 'uuid_hash_extended', zero: `'00000000-0000-0000-0000-000000000000'` },
  inet: { hash: 'hashinetextended', zero: `'0.0.0.0'` },
  cidr: { hash: 'hashinetextended', zero: `'0.0.0.0'` },
  macaddr: { hash: 'hashmacaddrextended', zero: `'00:00:00:00:00:00'` },
  macaddr8: { hash: 'hashmacaddr8extended', zero: `'00:00:00:00:00:00:00:00'` },
};
const FLOAT_BYTES: Record<string, string> = { float4: 'float4send', float8: 'float8send' };

/** A 63-bit constant of the column at `index`, for `slot` 0 (NULL) or 1 (a negative numeric). */
function columnConstant(index: number, slot: 0 | 1): string {
  return String((NULL_STEP * BigInt(2 * index + slot + 1)) & INT63);
}

/**
 * A link: its SQL over the seed, and whether some value leaves the seed unmixed (a bool only
 * turns it; numeric's hash returns the seed itself for NaN and the infinities, and minus 1 for 0;
 * a float's the seed for 0 and NaN).
 */
interface Link {
  sql: (seed: string) => string;
  linear: boolean;
}

function link(column: PostgresColumn, index: number): Link | { grouped: string } {
  const c = quoteIdent(column.name);
  const encoding = typedFieldEncoding(column);
  const type = `pg_catalog.${quoteIdent(column.baseType)}`;
  const marked = (seed: string) =>
    column.notNull ? seed : `${seed} # (CASE WHEN ${c} IS NULL THEN ${columnConstant(index, 0)} ELSE 0 END)`;
  const present = (zero: string) => (column.notNull ? c : `COALESCE(${c}, ${zero}::${type})`);
  if (encoding === 'bytes' && !(column.baseType in FLOAT_BYTES)) {
    // The send form, as the fingerprint takes it (int8, timestamps and times, whose hashes fold
    // their halves; bpchar, whose hash drops trailing spaces), into the exact grouped hash.
    return { grouped: sendForm(column, c) };
  }
  if (encoding === 'bytes') {
    // A float's hash takes -0 for 0 and every NaN for one; its bytes, which fingerprints hash, do
    // not: those few values put their bytes into the seed.
    const bytes =
      `(CASE WHEN ${c} = 0 OR ${c} = 'NaN' THEN pg_catalog.hashtextextended(pg_catalog.encode(` +
      `pg_catalog.${FLOAT_BYTES[column.baseType]}(${c}), 'hex'), 0) ELSE 0 END)`;
    const hash = column.baseType === 'float4' ? 'hashfloat4extended' : 'hashfloat8extended';
    return { sql: (s) => `pg_catalog.${hash}(${present(`'0'`)}, ${marked(s)} # ${bytes})`, linear: true };
  }
  if (encoding === 'hash' && column.baseType === 'bool') {
    const value = `(CASE WHEN ${c} THEN ${columnConstant(index, 1)} ELSE 0 END)`;
    return { sql: (s) => `${marked(s)} # ${value}`, linear: true };
  }
  if (column.builtin && !column.domain && column.baseType === 'numeric') {
    // numeric's hash leaves out the sign (5 and -5 hash alike) and, without a fixed scale, the
    // scale; scale() is NULL for NaN and the infinities (and NULL), whose hashes are all the seed.
    const sign = `(CASE WHEN ${c} < 0 THEN ${columnConstant(index, 1)} ELSE 0 END)`;
    const scale =
      encoding === 'signed-numeric'
        ? ''
        : ` # COALESCE(pg_catalog.scale(${c}), CASE WHEN ${c} = 'NaN' THEN -1 ` +
          `WHEN ${c} = 'Infinity' THEN -2 ELSE -3 END)::pg_catalog.int8`;
    return {
      sql: (s) => `pg_catalog.hash_numeric_extended(${present(`'0'`)}, ${marked(s)} # ${sign}${scale})`,
      linear: true,
    };
  }
  const direct = encoding === 'hash' ? DIRECT[column.baseType] : undefined;
  if (encoding === 'hash' && !direct) return { grouped: c };
  if (direct) {
    const value = direct.collate ? `${present(direct.zero)} COLLATE "C"` : present(direct.zero);
    return { sql: (s) => `pg_catalog.${direct.hash}(${value}, ${marked(s)})`, linear: false };
  }
  return {
    sql: (s) => `pg_catalog.hashtextextended(COALESCE(${c}::pg_catalog.text, '') COLLATE "C", ${marked(s)})`,
    linear: false,
  };
}

/**
 * The row's 64-bit hash as one expression over the table's columns, to be summed as it is; null
 * past MAX_CHAINED_COLUMNS columns (the caller then hashes as fingerprints do).
 */
export function postgresDiffRowHash(columns: readonly PostgresColumn[]): string | null {
  if (columns.length > MAX_CHAINED_COLUMNS) return null;
  const grouped: string[] = [];
  const links: Link[] = [];
  columns.forEach((column, index) => {
    const made = link(column, index);
    if ('grouped' in made) grouped.push(made.grouped);
    else links.push(made);
  });
  // hash_record_extended() adds its column hashes linearly, and a numeric link can pass its seed
  // through: the last link must mix, so such a chain ends with one that does (64 bits of seed in).
  if (links.length === 0 || links.at(-1)!.linear) {
    links.push({ sql: (s) => `pg_catalog.hashint4extended(0, ${s})`, linear: false });
  }
  const first = grouped.length
    ? `pg_catalog.hash_record_extended(ROW(${grouped.join(', ')}), ${SEED})`
    : `${SEED}::pg_catalog.int8`;
  return links.reduce((seed, next) => next.sql(seed), first);
}
