/**
 * Runs `work` over `items` with at most `limit` running at once, keeping results in input order.
 * The first failure rejects the whole run; work already started finishes before it settles, so
 * callers can release connections safely.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  if (failure !== undefined) throw failure.error;
  return results;
}

/**
 * Runs `work` over `items` on a fixed set of connections, each used by one item at a time: the
 * bounded pool of segments, one connection each.
 */
export async function mapOnConnections<T, C, R>(
  items: readonly T[],
  connections: readonly C[],
  work: (item: T, connection: C) => Promise<R>,
): Promise<R[]> {
  const idle = [...connections];
  return mapWithConcurrency(items, connections.length, async (item) => {
    const connection = idle.pop() as C;
    try {
      return await work(item, connection);
    } finally {
      idle.push(connection);
    }
  });
}
