import type { ScratchInstance, ScratchRestoreRequest, ScratchRestorer } from '../../lib/core/ports.js';
import type { LocalServer } from '../../lib/adapters/local/server.js';
import { withClient } from '../../lib/adapters/local/server.js';

/** What `--corrupt` did to the restored copy, so the drill can show the verification named it. */
export interface Damage {
  scratchId: string;
  changed: { table: string; key: string };
  deleted: { table: string; key: string };
}

/**
 * `lifeboat drill --corrupt`: a restorer that damages what it restores, the way a bad disk or a
 * broken copy would, right after the restore and before the state machine fingerprints it: one
 * order's total changes by a cent, one order line disappears.
 */
export class DamagingRestorer implements ScratchRestorer {
  readonly damage: Damage[] = [];

  constructor(
    private readonly inner: ScratchRestorer,
    private readonly server: LocalServer,
  ) {}

  async startRestore(request: ScratchRestoreRequest): Promise<ScratchInstance> {
    const scratch = await this.inner.startRestore(request);
    await withClient(this.server, scratch.id, async (client) => {
      const changed = await client.query<{ id: string }>(
        `UPDATE orders SET total = total + 0.01
          WHERE id = (SELECT id FROM orders ORDER BY id OFFSET 12344 LIMIT 1) RETURNING id::text`,
      );
      const deleted = await client.query<{ id: string }>(
        `DELETE FROM order_items
          WHERE id = (SELECT id FROM order_items ORDER BY id OFFSET 41233 LIMIT 1) RETURNING id::text`,
      );
      this.damage.push({
        scratchId: scratch.id,
        changed: { table: 'public.orders', key: changed.rows[0]!.id },
        deleted: { table: 'public.order_items', key: deleted.rows[0]!.id },
      });
    });
    return scratch;
  }

  describeScratch: ScratchRestorer['describeScratch'] = (kind, id) => this.inner.describeScratch(kind, id);
  setMasterPassword: ScratchRestorer['setMasterPassword'] = (scratch, password) =>
    this.inner.setMasterPassword(scratch, password);
  deleteScratch: ScratchRestorer['deleteScratch'] = (kind, id) => this.inner.deleteScratch(kind, id);
  listScratch: ScratchRestorer['listScratch'] = () => this.inner.listScratch();
}
