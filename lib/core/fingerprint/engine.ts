import type { DatabaseEngine } from './types.js';

/**
 * The engine Lifeboat fingerprints and diffs a database of this RDS engine name with (postgres,
 * aurora-postgresql; mysql, mariadb, aurora-mysql), or undefined for one it cannot (oracle-ee,
 * sqlserver-se, ...): each caller refuses that in its own words.
 */
export function engineOfRds(rdsEngine: string): DatabaseEngine | undefined {
  const engine = rdsEngine.toLowerCase();
  if (engine.includes('postgres')) return 'postgres';
  if (engine.includes('mysql') || engine.includes('mariadb')) return 'mysql';
  return undefined;
}
