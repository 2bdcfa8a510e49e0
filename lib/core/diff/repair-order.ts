import type { ForeignKey } from './types.js';

/** In what order a repair script touches its tables, by their foreign keys. */
export interface RepairOrder {
  /** Every table after the tables it references (parents first); unrelated tables in given order. */
  parentsFirst: string[];
  /**
   * Tables that reference each other, directly or through others, or themselves: no order of
   * statements satisfies their foreign keys, so the script has the engine check them otherwise.
   */
  cycles: string[][];
}

/**
 * Orders `tables` (table keys) so each comes after the tables it references: the strongly connected
 * components of the foreign-key graph (Tarjan), which come out parents first, their members in the
 * given order. Foreign keys to or from tables not in `tables` play no part: nothing is written there.
 */
export function repairOrder(tables: readonly string[], foreignKeys: readonly ForeignKey[]): RepairOrder {
  const position = new Map(tables.map((table, i) => [table, i]));
  const parents = new Map<string, string[]>(tables.map((table) => [table, []]));
  const selfReferencing = new Set<string>();
  for (const key of foreignKeys) {
    if (!position.has(key.table) || !position.has(key.references)) continue;
    if (key.table === key.references) selfReferencing.add(key.table);
    else parents.get(key.table)!.push(key.references);
  }
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const parentsFirst: string[] = [];
  const cycles: string[][] = [];
  const visit = (table: string) => {
    index.set(table, index.size);
    lowLink.set(table, index.get(table)!);
    stack.push(table);
    onStack.add(table);
    for (const parent of parents.get(table)!) {
      if (!index.has(parent)) {
        visit(parent);
        lowLink.set(table, Math.min(lowLink.get(table)!, lowLink.get(parent)!));
      } else if (onStack.has(parent)) {
        lowLink.set(table, Math.min(lowLink.get(table)!, index.get(parent)!));
      }
    }
    if (lowLink.get(table) !== index.get(table)) return;
    // A component is complete once its first-visited table is: everything it references is out.
    const component: string[] = [];
    for (;;) {
      const member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
      if (member === table) break;
    }
    component.sort((a, b) => position.get(a)! - position.get(b)!);
    parentsFirst.push(...component);
    if (component.length > 1 || selfReferencing.has(table)) cycles.push(component);
  };
  for (const table of tables) if (!index.has(table)) visit(table);
  return { parentsFirst, cycles };
}

/** Tables some foreign key references: deleting a row there may reach rows elsewhere. */
export function referencedTables(foreignKeys: readonly ForeignKey[]): Set<string> {
  return new Set(foreignKeys.map((key) => key.references));
}
