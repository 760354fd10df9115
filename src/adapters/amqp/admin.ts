// Queue introspection and dead-letter retry for the admin page, on channels of their own: a passive
// check of a queue that does not exist yet closes its channel (404), which must not take a
// consumer's or the relay's channel down with it.
import type { Channel } from 'amqplib';
import { errors } from '../../errors.js';
import type { DeadJob, JobName, QueueInfo } from '../../ports/jobs.js';
import type { AmqpConnection } from './connection.js';
import { deadQueueOf, EXCHANGE, queueOf } from './topology.js';

/** Dead messages moved per round of publishes and one confirm. */
const MOVE_BATCH = 100;

export async function inspectQueues(conn: AmqpConnection, names: readonly JobName[]): Promise<QueueInfo[]> {
  const open = () => openChannel(conn);
  let ch = await open();
  // A queue nobody declared yet (no job of that name ever sent) is an empty queue.
  const check = async (queue: string) => {
    try {
      return await ch.checkQueue(queue);
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
      ch = await open();
      return { messageCount: 0, consumerCount: 0 };
    }
  };
  try {
    const infos: QueueInfo[] = [];
    for (const name of names) {
      const main = await check(queueOf(name));
      const dead = await check(deadQueueOf(name));
      infos.push({ name, depth: main.messageCount, consumers: main.consumerCount, dead: dead.messageCount });
    }
    return infos;
  } finally {
    await ch.close().catch(() => {});
  }
}

/**
 * Reads up to `limit` dead messages without consuming them: they are fetched unacked and go back
 * to the head of the queue, in order, when the channel closes. They are never nacked: RabbitMQ 4
 * counts failed deliveries (reject, nack) towards a quorum queue's delivery limit, and a peek
 * must not bring a dead job closer to being dropped.
 */
export async function peekDead(conn: AmqpConnection, name: JobName, limit: number): Promise<DeadJob[]> {
  const ch = await openChannel(conn);
  try {
    const jobs: DeadJob[] = [];
    while (jobs.length < limit) {
      const msg = await ch.get(deadQueueOf(name), { noAck: false });
      if (!msg) break;
      const headers = msg.properties.headers ?? {};
      jobs.push({
        id: String(msg.properties.messageId ?? readId(msg.content) ?? '?'),
        name,
        error: typeof headers['x-error'] === 'string' ? headers['x-error'] : null,
        attempts: Math.max(0, Number(headers['x-attempt'] ?? 1) - 1),
      });
    }
    return jobs;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return [];
    throw err;
  } finally {
    await ch.close().catch(() => {});
  }
}

/**
 * Moves what the dead queue holds now back to the job's queue, as first attempts. Each batch is
 * published with confirms before it is acked, so a crash halfway duplicates (idempotent
 * consumers absorb it) but never loses a job. Jobs that die again meanwhile wait for the next retry.
 */
export async function moveDead(conn: AmqpConnection, name: JobName): Promise<number> {
  const c = conn.current;
  if (!c) throw errors.unavailable('RabbitMQ is not connected.');
  const ch = await c.createConfirmChannel();
  ch.on('error', () => {});
  try {
    let remaining: number;
    try {
      remaining = (await ch.checkQueue(deadQueueOf(name))).messageCount;
    } catch (err) {
      if ((err as { code?: number }).code === 404) return 0;
      throw err;
    }
    let moved = 0;
    while (remaining > 0) {
      const batch = [];
      while (batch.length < Math.min(MOVE_BATCH, remaining)) {
        const msg = await ch.get(deadQueueOf(name), { noAck: false });
        if (!msg) break;
        batch.push(msg);
      }
      if (batch.length === 0) break;
      for (const msg of batch) {
        ch.publish(EXCHANGE, name, msg.content, {
          persistent: true,
          contentType: 'application/json',
          messageId: msg.properties.messageId,
          headers: { 'x-attempt': 1, 'x-due-at': Date.now() },
        });
      }
      await ch.waitForConfirms();
      ch.ack(batch.at(-1)!, true);
      moved += batch.length;
      remaining -= batch.length;
    }
    return moved;
  } finally {
    await ch.close().catch(() => {});
  }
}

async function openChannel(conn: AmqpConnection): Promise<Channel> {
  const c = conn.current;
  if (!c) throw errors.unavailable('RabbitMQ is not connected.');
  const ch = await c.createChannel();
  // The failed call itself rejects; the channel's error event only repeats it.
  ch.on('error', () => {});
  return ch;
}

function readId(content: Buffer): string | undefined {
  try {
    const id = (JSON.parse(content.toString('utf8')) as { id?: unknown }).id;
    return id === undefined ? undefined : String(id);
  } catch {
    return undefined;
  }
}
