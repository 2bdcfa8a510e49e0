/**
 * The foreign keys of the given tables (oids): each with the schema and name of the table it
 * references and whether it is DEFERRABLE. A partition's copy of its parent's key is left out: the
 * parent's is the one that names the tables.
 */
export const POSTGRES_FOREIGN_KEYS_QUERY = `
SELECT c.conrelid::int8::text AS oid, c.conname::text AS name, n.nspname::text AS ref_schema,
  r.relname::text AS ref_name, c.condeferrable AS deferrable
FROM pg_catalog.pg_constraint c
JOIN pg_catalog.pg_class r ON r.oid = c.confrelid
JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
WHERE c.contype = 'f' AND c.conparentid = 0 AND c.conrelid = ANY ($1::oid[])
ORDER BY 1, 2`;

/** The foreign keys of the tables of one database (MySQL has no deferrable constraints). */
export const MYSQL_FOREIGN_KEYS_QUERY = `SELECT TABLE_NAME AS \`table\`, CONSTRAINT_NAME AS name,
  UNIQUE_CONSTRAINT_SCHEMA AS ref_schema, REFERENCED_TABLE_NAME AS ref_name
FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?
ORDER BY TABLE_NAME, CONSTRAINT_NAME`;
