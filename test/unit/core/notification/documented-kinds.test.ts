import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NotificationKindSchema } from '../../../../lib/core/notification/message.js';

// docs/notifications.md lists what a subscriber may receive; a kind missing there is one a team
// does not know to route or filter.
const table = readFileSync(new URL('../../../../docs/notifications.md', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.startsWith('| `'));

describe('docs/notifications.md', () => {
  it('has a row for every notification kind, naming each severity the producers use', () => {
    const rows = new Map(table.map((line) => [line.split('|')[1]!.trim().replace(/`/g, ''), line]));
    expect([...rows.keys()].sort()).toEqual([...NotificationKindSchema.options].sort());
    expect(rows.get('quota.warning')).toMatch(/warning.*critical/);
    expect(rows.get('alarm.recovered')).toMatch(/\binfo\b/);
  });
});
