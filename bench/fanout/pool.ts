// The client processes of the fan-out benchmarks (bench/fanout/clients.ts), driven over IPC: each
// holds a share of the clients, so the receiving side is not one event loop.
import { fork, type ChildProcess } from 'node:child_process';
import type { Contender, FromClients, ToClients } from './common.js';

export class ClientPool {
  readonly procs: ChildProcess[] = [];
  private readonly waiting = new Map<ChildProcess, (msg: FromClients) => void>();

  constructor(
    n: number,
    /** Clients in all, ids 0 … clients − 1, dealt round-robin to the processes. */
    private readonly clients: number,
    private readonly label: (contender: Contender) => string,
  ) {
    for (let i = 0; i < n; i++) {
      const child = fork(new URL('./clients.ts', import.meta.url).pathname, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      child.on('message', (msg: FromClients) => {
        const w = this.waiting.get(child);
        this.waiting.delete(child);
        w?.(msg);
      });
      this.procs.push(child);
    }
  }

  private ask(child: ChildProcess, msg: ToClients, timeoutMs: number): Promise<FromClients> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`client process did not answer ${msg.cmd} within ${timeoutMs} ms`)), timeoutMs);
      this.waiting.set(child, (m) => (clearTimeout(timer), resolve(m)));
      child.send(msg);
    });
  }

  /**
   * Opens every client. Anonymous clients watch `latest` and one city; with `cookie`, client i is a
   * signed-in user and watches what a signed-in page opens (`home`, `user`, `latest`).
   */
  async open(contender: Contender, urls: string[], cities: string[], cookie?: (id: number) => string | undefined, timeoutMs = 120_000): Promise<void> {
    const answers = await Promise.all(
      this.procs.map((child, p) => {
        const ids = Array.from({ length: this.clients }, (_, i) => i).filter((i) => i % this.procs.length === p);
        const cookies = cookie ? ids.map((id) => cookie(id) ?? '') : undefined;
        return this.ask(child, { cmd: 'open', contender, urls, ids, cities, cookies }, timeoutMs);
      }),
    );
    this.check(answers, contender);
  }

  async ensure(contender: Contender): Promise<void> {
    this.check(await Promise.all(this.procs.map((c) => this.ask(c, { cmd: 'ensure' }, 120_000))), contender);
  }

  private check(answers: FromClients[], contender: Contender): void {
    const open = answers.reduce((a, m) => a + (m.type === 'opened' ? m.open : 0), 0);
    if (open !== this.clients) {
      const error = answers.map((m) => (m.type === 'opened' ? m.error : undefined)).find(Boolean);
      throw new Error(`${this.label(contender)}: only ${open} of ${this.clients} clients are connected and subscribed (${error ?? 'no error'})`);
    }
  }

  async report(step: number): Promise<{ received: number; hist: Map<number, number> }> {
    const answers = await Promise.all(this.procs.map((c) => this.ask(c, { cmd: 'report', step }, 30_000)));
    const hist = new Map<number, number>();
    let received = 0;
    for (const m of answers) {
      if (m.type !== 'report') continue;
      received += m.received;
      for (const [b, n] of m.hist) hist.set(b, (hist.get(b) ?? 0) + n);
    }
    return { received, hist };
  }

  /** Closes every client and the processes. */
  async disconnectAll(): Promise<void> {
    await Promise.all(this.procs.map((c) => this.ask(c, { cmd: 'disconnect' }, 60_000)));
  }

  async close(): Promise<void> {
    await Promise.all(
      this.procs.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            if (c.connected) c.send({ cmd: 'close' } satisfies ToClients);
            setTimeout(() => c.kill('SIGKILL'), 3_000).unref();
          }),
      ),
    );
  }
}
