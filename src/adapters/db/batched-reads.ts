// Reads that share queries, two ways: BatchedReads puts the reads of many keys that arrive while
// one query is in flight into the next one (a key asked for twice is read once); SharedReads lets
// identical reads share one query. Either way a busy process sends one query per round trip instead
// of one per request (on a small machine each query's round trip costs PostgreSQL more than its
// work), and a read never joins a query that was already running when it arrived, so it still sees
// every write committed before it: sharing changes the cost, never what is read.

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

/**
 * Identical reads share one query. A read never joins a query that was already running when it
 * arrived: that query may have started before a write the reader already knows of (a live event
 * that made it refetch, its own upload). It waits for the next query instead, which starts as soon
 * as the running one ends and is shared by every read that arrived meanwhile. So each read still
 * sees every write committed before it was made, and a page that many people load at once costs
 * one query per database round trip instead of one per request.
 */
export class SharedReads<T> {
  private readonly slots = new Map<string, { running: boolean; next: Batch<T> | undefined }>();

  read(key: string, run: () => Promise<T>): Promise<T> {
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { running: false, next: undefined };
      this.slots.set(key, slot);
    }
    slot.next ??= new Batch(run);
    const result = slot.next.promise;
    if (!slot.running) this.start(key, slot);
    return result;
  }

  private start(key: string, slot: { running: boolean; next: Batch<T> | undefined }): void {
    const batch = slot.next!;
    slot.next = undefined;
    slot.running = true;
    void batch.run().finally(() => {
      slot.running = false;
      if (slot.next) this.start(key, slot);
      else this.slots.delete(key);
    });
  }
}

class Batch<T> {
  readonly promise: Promise<T>;
  private settle!: { resolve: (v: T) => void; reject: (e: unknown) => void };

  constructor(private readonly query: () => Promise<T>) {
    this.promise = new Promise<T>((resolve, reject) => (this.settle = { resolve, reject }));
  }

  /** Settles every reader of the batch; never rejects itself. */
  async run(): Promise<void> {
    try {
      this.settle.resolve(await this.query());
    } catch (err) {
      this.settle.reject(err);
    }
  }
}
