// Redis connections. ioredis reconnects by itself with this back-off and re-subscribes pub/sub
// channels; commands issued while it is away fail fast (no offline queue), so a request gets a 503
// instead of hanging.
import { Redis } from 'ioredis';

export function openRedis(url: string, name: string, opts: { onError?: (err: Error) => void } = {}): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(2_000, 50 * 2 ** Math.min(times, 6)),
    lazyConnect: true,
  });
  redis.on('error', (err: Error) => opts.onError?.(err));
  return redis;
}

/** Connects and waits until the server answers. */
export async function ready(redis: Redis): Promise<Redis> {
  if (redis.status === 'wait') await redis.connect();
  await redis.ping();
  return redis;
}
