import type pg from 'pg';

/** What the writer did, so the drill can say how much changed after the snapshot (the RPO in rows). */
export interface WriterStats {
  transactions: number;
  ordersInserted: number;
  customersUpdated: number;
  eventsInserted: number;
  /** Commit times, to count the transactions after a given moment. */
  commits: Date[];
}

export interface Writer {
  stats: WriterStats;
  /** Transactions committed after `at`: what a restore of a snapshot taken at `at` would lose. */
  committedAfter(at: Date): number;
  stop(): Promise<WriterStats>;
}

/**
 * The application, still running: each transaction places an order with two lines, updates the
 * customer's balance and appends an event, every few milliseconds until stopped. A snapshot taken
 * meanwhile must still be consistent (every order's lines present, balances as of one moment).
 */
export function startWriter(client: pg.ClientBase, options: { pauseMs?: number } = {}): Writer {
  const pauseMs = options.pauseMs ?? 5;
  const stats: WriterStats = {
    transactions: 0,
    ordersInserted: 0,
    customersUpdated: 0,
    eventsInserted: 0,
    commits: [],
  };
  let running = true;
  let failure: unknown;

  const loop = (async () => {
    let n = 0;
    while (running) {
      n += 1;
      const customer = 1 + ((n * 104_729) % 10_000);
      try {
        await client.query('BEGIN');
        const order = await client.query<{ id: string }>(
          `INSERT INTO orders (customer_id, placed_at, status, total, shipping)
           VALUES ($1, now(), 'placed', $2, jsonb_build_object('city', 'Live ' || $3::text, 'express', true))
           RETURNING id`,
          [customer, ((n % 400) + 0.99).toFixed(2), n],
        );
        const orderId = order.rows[0]!.id;
        await client.query(
          `INSERT INTO order_items (order_id, sku, quantity, unit_price) VALUES ($1, 'SKU-LIVE', 1, 9.99), ($1, 'SKU-GIFT', 2, 0.50)`,
          [orderId],
        );
        await client.query(
          `UPDATE customers SET balance = balance + 10.99, updated_at = now() WHERE id = $1`,
          [customer],
        );
        await client.query(
          `INSERT INTO events (id, at, kind, customer_id, payload) VALUES (gen_random_uuid(), now(), 'checkout', $1, jsonb_build_object('order', $2::bigint))`,
          [customer, orderId],
        );
        await client.query('COMMIT');
        stats.transactions += 1;
        stats.ordersInserted += 1;
        stats.customersUpdated += 1;
        stats.eventsInserted += 1;
        stats.commits.push(new Date());
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        if (running) failure = error;
        break;
      }
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  })();

  return {
    stats,
    committedAfter: (at) => stats.commits.filter((commit) => commit > at).length,
    async stop() {
      running = false;
      await loop;
      if (failure) throw new Error(`the writer failed: ${String(failure)}`, { cause: failure });
      return stats;
    },
  };
}
