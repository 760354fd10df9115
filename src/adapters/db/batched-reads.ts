// Reads by key that arrive while one is in flight go together in the next one: a key asked for
// twice in a batch is read once, and a busy process sends one query per round trip instead of one
// per request (on a small machine each query's round trip costs PostgreSQL more than its work).
// A read never joins a query that was already running when it arrived, so it still sees every
// write committed before it: batching changes the cost, never what is read.

interface Waiter<V> {
  resolve: (value: V | undefined) => void;
  reject: (err: unknown) => void;
}

export class BatchedReads<K, V> {
  private readonly pending = new Map<string, { key: K; waiters: Waiter<V>[] }>();
  private running = false;

  /**
   * `readMany` answers a batch of at most `maxBatch` keys, by `id(key)`; a key it leaves out reads
   * as undefined.
   */
  constructor(
    private readonly readMany: (keys: K[]) => Promise<Map<string, V>>,
    private readonly id: (key: K) => string,
    private readonly maxBatch = 500,
  ) {}

  read(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const id = this.id(key);
      let wanted = this.pending.get(id);
      if (!wanted) this.pending.set(id, (wanted = { key, waiters: [] }));
      wanted.waiters.push({ resolve, reject });
      if (!this.running) this.start();
    });
  }

  private start(): void {
    const batch: [string, { key: K; waiters: Waiter<V>[] }][] = [];
    for (const entry of this.pending) {
      if (batch.length === this.maxBatch) break;
      batch.push(entry);
      this.pending.delete(entry[0]);
    }
    this.running = true;
    const settle = (each: (waiter: Waiter<V>, id: string) => void) => {
      for (const [id, wanted] of batch) for (const waiter of wanted.waiters) each(waiter, id);
    };
    void Promise.resolve()
      .then(() => this.readMany(batch.map(([, wanted]) => wanted.key)))
      .then(
        (found) => settle((waiter, id) => waiter.resolve(found.get(id))),
        (err: unknown) => settle((waiter) => waiter.reject(err)),
      )
      .finally(() => {
        this.running = false;
        if (this.pending.size > 0) this.start();
      });
  }
}
