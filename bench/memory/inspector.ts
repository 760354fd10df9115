// Reads a server process's memory from outside, over the Chrome DevTools Protocol: the process runs
// with `--inspect=127.0.0.1:<port>`, we force a full GC (`HeapProfiler.collectGarbage`) and then
// evaluate `process.memoryUsage()` inside it. Nothing in the server's code knows it is measured.
import WebSocket from 'ws';

export interface MemoryUsage {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class Inspector {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, (params: unknown) => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      const msg = JSON.parse(raw.toString()) as { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: unknown };
      if (msg.id === undefined) {
        if (msg.method) this.listeners.get(msg.method)?.(msg.params);
        return;
      }
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.error) p.reject(new Error(`CDP: ${msg.error.message}`));
      else p.resolve(msg.result);
    });
    ws.on('close', () => {
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error('CDP connection closed'));
      }
      this.pending.clear();
    });
  }

  /** Connects to a debugger WebSocket URL (`ws://127.0.0.1:<port>/<uuid>`). */
  static connect(url: string, timeoutMs = 10_000): Promise<Inspector> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { maxPayload: 1024 ** 3 });
      const timer = setTimeout(() => (ws.terminate(), reject(new Error(`no inspector at ${url}`))), timeoutMs);
      ws.once('open', () => (clearTimeout(timer), resolve(new Inspector(ws))));
      ws.once('error', (err) => (clearTimeout(timer), reject(err)));
    });
  }

  /** The debugger URL of a process started with `--inspect=127.0.0.1:<port>`. */
  static async urlFromPort(port: number, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl?: string }[];
        const url = list[0]?.webSocketDebuggerUrl;
        if (url) return url;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`no inspector on port ${port}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  send<T = unknown>(method: string, params: Record<string, unknown> = {}, timeoutMs = 120_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`CDP ${method} timed out`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  on(method: string, listener: (params: unknown) => void): void {
    this.listeners.set(method, listener);
  }

  /** Evaluates an expression in the process and returns its value (JSON-serializable). */
  async evaluate<T>(expression: string): Promise<T> {
    const res = await this.send<{ result: { value?: unknown }; exceptionDetails?: { text: string } }>('Runtime.evaluate', { expression, returnByValue: true });
    if (res.exceptionDetails) throw new Error(`evaluate failed: ${res.exceptionDetails.text}`);
    return res.result.value as T;
  }

  /** Two full GCs (the second collects what finalizers of the first released), then memoryUsage(). */
  async memory(): Promise<MemoryUsage> {
    await this.send('HeapProfiler.collectGarbage');
    await this.send('HeapProfiler.collectGarbage');
    return JSON.parse(await this.evaluate<string>('JSON.stringify(process.memoryUsage())')) as MemoryUsage;
  }

  close(): void {
    this.ws.close();
  }
}
