// The RabbitMQ names Strobe uses, all inside the vhost of AMQP_URL (see docs/messages.md).
//
//   strobe.jobs (topic) ──<job name>──► strobe.q.<job name>           (quorum, durable)
//   a failed attempt n   ─────────────► strobe.retry.<job>.<n>.<ms>ms  (classic, x-message-ttl =
//                                        back-off of attempt n, dead-letters back to its queue)
//   after the last attempt ───────────► strobe.dead.<job name>         (quorum, durable)
//
// One retry queue per attempt keeps every message in a queue behind messages with the same TTL,
// so a long back-off never holds up a short one.
import type { Channel } from 'amqplib';
import type { RetryPolicy } from '../../ports/jobs.js';

export const EXCHANGE = 'strobe.jobs';
export const queueOf = (job: string) => `strobe.q.${job}`;
/** The delay is in the name: a changed back-off policy declares new queues instead of clashing. */
export const retryQueueOf = (job: string, attempt: number, delayMs: number) => `strobe.retry.${job}.${attempt}.${delayMs}ms`;
export const deadQueueOf = (job: string) => `strobe.dead.${job}`;

export async function declareJob(ch: Channel, job: string, retry: RetryPolicy): Promise<void> {
  await ch.assertExchange(EXCHANGE, 'topic', { durable: true });
  await ch.assertQueue(queueOf(job), { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await ch.bindQueue(queueOf(job), EXCHANGE, job);
  await ch.assertQueue(deadQueueOf(job), { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  for (let attempt = 1; attempt < retry.maxAttempts; attempt++) {
    await ch.assertQueue(retryQueueOf(job, attempt, retry.backoffMs(attempt)), {
      durable: true,
      arguments: {
        'x-message-ttl': retry.backoffMs(attempt),
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': queueOf(job),
      },
    });
  }
}
