// `strobe ingest watch DIR`: uploads every image that appears in a folder (a camera's, a photo
// booth's), signed as a source. A file is sent once it has stopped growing (the same size on two
// looks), and remembered in DIR/.strobe-ingest.json so a restart sends nothing twice. Refusals
// (4xx) are logged and not retried; network errors, 429 and 5xx are retried on the next looks.
import { readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { postIngest, signedIngest } from './ingest.client.js';

const IMAGE = /\.(?:jpe?g|png|webp|avif|gif)$/i;
export const STATE_FILE = '.strobe-ingest.json';

export interface WatchOptions {
  dir: string;
  source: string;
  secret: string;
  url: string;
  caption?: string;
  intervalMs?: number;
  /** Send what is there (once it is complete) and stop. */
  once?: boolean;
  signal?: AbortSignal;
  out(line: string): void;
  err(line: string): void;
}

interface State {
  sent: Record<string, string>;
  refused: Record<string, string>;
}

export async function watchFolder(opts: WatchOptions): Promise<void> {
  const statePath = join(opts.dir, STATE_FILE);
  const state = await loadState(statePath);
  const sizes = new Map<string, number>();
  const interval = opts.intervalMs ?? 1_000;
  for (;;) {
    let pending = 0;
    for (const name of (await readdir(opts.dir)).sort()) {
      if (!IMAGE.test(name) || state.sent[name] || state.refused[name]) continue;
      const size = (await stat(join(opts.dir, name)).catch(() => null))?.size;
      if (size === undefined || size === 0 || sizes.get(name) !== size) {
        if (size !== undefined) sizes.set(name, size);
        pending++;
        continue; // still being written, or first seen: look again
      }
      const res = await postIngest(opts.url, signedIngest(opts.source, opts.secret, { file: await readFile(join(opts.dir, name)), filename: name, caption: opts.caption })).catch(
        (err: unknown) => ({ status: 0, body: (err as Error).message }),
      );
      if (res.status === 202) {
        state.sent[name] = (res.body as { photo: { id: string } }).photo.id;
        opts.out(`sent ${name}: photo ${state.sent[name]}`);
      } else if (res.status >= 400 && res.status < 500 && res.status !== 429) {
        state.refused[name] = JSON.stringify(res.body).slice(0, 300);
        opts.err(`refused ${name} (${res.status}): ${state.refused[name]}`);
      } else {
        pending++;
        opts.err(`could not send ${name} (${res.status || 'network'}): will retry`);
      }
      await saveState(statePath, state);
    }
    if (opts.once && pending === 0) return;
    if (opts.signal?.aborted) return;
    await sleep(interval, undefined, { signal: opts.signal }).catch(() => {});
    if (opts.signal?.aborted) return;
  }
}

async function loadState(path: string): Promise<State> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<State>;
    return { sent: parsed.sent ?? {}, refused: parsed.refused ?? {} };
  } catch {
    return { sent: {}, refused: {} };
  }
}

/** Written whole to a temporary file and renamed, so a crash never leaves half a state. */
async function saveState(path: string, state: State): Promise<void> {
  await writeFile(`${path}.tmp`, JSON.stringify(state, null, 2));
  await rename(`${path}.tmp`, path);
}
