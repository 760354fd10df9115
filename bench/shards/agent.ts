// One process of bench/shards.ts: a publisher (a RedisBus publishing as fast as its window allows)
// or a receiver (a RedisBus listening to its share of the streams, counting what arrives), driven
// over IPC by the parent so every process starts and stops on the parent's word.
import { openRedis, ready } from '../../src/adapters/redis/connection.js';
import { RedisBus } from '../../src/adapters/redis/bus.js';

export type ToAgent = { cmd: 'go'; seconds: number } | { cmd: 'report' } | { cmd: 'close' };
export type FromAgent =
  | { type: 'ready' }
  | { type: 'published'; published: number; errors: number; firstError?: string }
  | { type: 'received'; received: number; gaps: number };

const role = process.env.ROLE as 'pub' | 'sub';
const streams = (process.env.STREAMS ?? '').split(',');
const window = Number(process.env.WINDOW ?? 64);
const send = (msg: FromAgent) => process.send!(msg);

const redis = await ready(openRedis(process.env.REDIS_URL!, `bench-${role}`));
const bus = await RedisBus.open(redis, { prefix: process.env.PREFIX!, windowMs: 120_000, maxEvents: 2_000 });
let received = 0;
let gaps = 0;
bus.onEvent(() => received++);
bus.onGap(() => gaps++);
if (role === 'sub') for (const s of streams) await bus.listen(s);
send({ type: 'ready' });

/** Keeps `window` publishes in flight until the time is up; returns the acknowledged count. */
async function publishFor(seconds: number): Promise<void> {
  const until = performance.now() + seconds * 1000;
  let published = 0;
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const data = { text: 'x'.repeat(200) };
  const lane = async () => {
    while (performance.now() < until) {
      const stream = streams[next++ % streams.length]!;
      try {
        await bus.publish(stream, 'chat.message', data as never);
        published++;
      } catch (err) {
        errors++;
        firstError ??= String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  send({ type: 'published', published, errors, ...(firstError ? { firstError } : {}) });
}

process.on('message', (msg: ToAgent) => {
  if (msg.cmd === 'go') void publishFor(msg.seconds);
  else if (msg.cmd === 'report') send({ type: 'received', received, gaps });
  else {
    redis.disconnect();
    process.exit(0);
  }
});
