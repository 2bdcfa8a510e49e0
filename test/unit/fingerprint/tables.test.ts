import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalTableKey,
  formatTableKey,
  parseTableKey,
  TableSelection,
  type TableKeyParts,
} from '../../../lib/core/fingerprint/tables.js';

/** Identifiers biased towards the characters that make keys ambiguous. */
const identifier = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', 'b', '.', '/', '"', ' ', '\t', 'é'), maxLength: 6 }),
  fc.string({ maxLength: 8 }),
);
const tableKeyParts: fc.Arbitrary<TableKeyParts> = fc.record(
  { database: identifier, schema: identifier, name: identifier },
  { requiredKeys: ['schema', 'name'] },
);

describe('table keys', () => {
  it('keep the keys of ordinary names as stored reports have them', () => {
    expect(formatTableKey({ schema: 'public', name: 'orders' })).toBe('public.orders');
    expect(formatTableKey({ database: 'app', schema: 'public', name: 'Order Lines' })).toBe(
      'app/public.Order Lines',
    );
  });

  it('double-quote an identifier holding a dot, a slash or a quote, so that no two tables share a key', () => {
    expect(formatTableKey({ schema: 'public.a', name: 'b' })).toBe('"public.a".b');
    expect(formatTableKey({ schema: 'public', name: 'a.b' })).toBe('public."a.b"');
    expect(formatTableKey({ schema: 'public', name: 'say "hi"' })).toBe('public."say ""hi"""');
    expect(formatTableKey({ database: 'a/b', schema: 'public', name: '' })).toBe('"a/b"/public.""');
    expect(formatTableKey({ schema: ' padded', name: 'x' })).toBe('" padded".x');
  });

  it('read back what they format, and format distinct tables distinctly', () => {
    fc.assert(
      fc.property(tableKeyParts, tableKeyParts, (a, b) => {
        expect(parseTableKey(formatTableKey(a))).toEqual(a);
        const same = a.database === b.database && a.schema === b.schema && a.name === b.name;
        expect(formatTableKey(a) === formatTableKey(b)).toBe(same);
      }),
      { numRuns: 2000 },
    );
  });

  it('accept quotes a name does not need, and write the key one way', () => {
    expect(canonicalTableKey('"public"."orders"')).toBe('public.orders');
    expect(canonicalTableKey('"app"/public."a.b"')).toBe('app/public."a.b"');
    expect(parseTableKey('public."a""b"')).toEqual({ schema: 'public', name: 'a"b' });
  });

  it.each([
    ['orders', 'names no schema'],
    ['public.a.b', 'is not one table'],
    ['a/b/c.d', 'is not one table'],
    ['public.', 'empty name'],
    ['public."a', 'unclosed quote'],
    ['public."a"b', 'quote inside'],
    ['pub"lic.a', 'quote inside'],
    ['public. orders', 'needs double quotes'],
    ['', 'empty name'],
  ])('refuse %j naming the key: %s', (key, why) => {
    expect(() => parseTableKey(key)).toThrow(expect.objectContaining({ name: 'ConfigError' }));
    expect(() => parseTableKey(key)).toThrow(why);
    expect(() => parseTableKey(key)).toThrow(`table "${key}"`);
  });
});

describe('TableSelection', () => {
  const tables = [
    { schema: 'public.a', name: 'b' },
    { schema: 'public', name: 'a.b' },
    { schema: 'public', name: 'orders' },
  ];

  it('selects by key, telling apart tables whose unquoted names are the same', () => {
    const selection = new TableSelection({ tables: ['public."a.b"', '"public"."orders"'] });
    expect(selection.select(tables, 'app')).toEqual([tables[1], tables[2]]);
    expect(new TableSelection({ exclude: ['"public.a".b'] }).select(tables, 'app')).toEqual([
      tables[1],
      tables[2],
    ]);
  });

  it('applies a key naming a database only in that database, one without in every database', () => {
    const selection = new TableSelection({ exclude: ['app/public.orders', 'public."a.b"'] });
    expect(selection.select(tables, 'app')).toEqual([tables[0]]);
    expect(selection.select(tables, 'other')).toEqual([tables[0], tables[2]]);
    expect(selection.select(tables, undefined)).toEqual([tables[0], tables[2]]);
  });

  it('names the keys that named no table in any database read so far', () => {
    const selection = new TableSelection({
      tables: ['public.orders', 'public.nope'],
      exclude: ['public.orders', 'app/public.gone'],
    });
    selection.select(tables, 'app');
    selection.select([], 'other');
    expect(selection.tablesNotFound()).toEqual(['public.nope']);
    expect(selection.exclusionsNotFound()).toEqual(['app/public.gone']);
  });

  it('refuses a bad key before selecting anything', () => {
    expect(() => new TableSelection({ exclude: ['public.a.b'] })).toThrow(
      'table "public.a.b" is not one table',
    );
  });
});
