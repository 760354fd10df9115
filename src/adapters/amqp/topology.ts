// The RabbitMQ names Strobe uses, all inside the vhost of AMQP_URL (see docs/messages.md).
//
//   strobe.jobs (topic) ──<job name>──► strobe.q.<job name>             (quorum, durable)
//   a failed attempt n   ─────────────► strobe.backoff.<job>.<n>.<ms>ms  (quorum, x-message-ttl =
//                                        back-off of attempt n, dead-letters back to its queue)
//   after the last attempt ───────────► strobe.dead.<job name>           (quorum, durable)
//
//   strobe.events (topic) ──<event type>──► whatever queues other services bind (Strobe binds none):
//                                        domain events, what happened (features/events)
//
// One back-off queue per attempt keeps every message in a queue behind messages with the same TTL,
// so a long back-off never holds up a short one. Every queue is a quorum queue, replicated on the
// nodes of a RabbitMQ cluster: a job waiting out its back-off survives the loss of a node. The
// back-off queues dead-letter `at-least-once` (a message leaves only once its job queue confirmed
// it; that strategy needs `reject-publish` overflow), so no expiry is lost to a crash either.
//
// Before quorum back-off queues, retries waited in classic queues `strobe.retry.<job>.<n>.<ms>ms`,
// which live on one node. A queue's type cannot change under the same name (PRECONDITION_FAILED),
// hence the new names; the old queues still dead-letter what they hold to the job queues, and an
// operator deletes them once empty (docs/messages.md, "Upgrading").
import type { Channel } from 'amqplib';
import type { RetryPolicy } from '../../ports/jobs.js';

export const EXCHANGE = 'strobe.jobs';
/** Domain events for other services: they declare and bind their own queues (docs/messages.md). */
export const EVENTS_EXCHANGE = 'strobe.events';

export async function declareEvents(ch: Channel): Promise<void> {
  await ch.assertExchange(EVENTS_EXCHANGE, 'topic', { durable: true });
}
export const queueOf = (job: string) => `strobe.q.${job}`;
/** The delay is in the name: a changed back-off policy declares new queues instead of clashing. */
export const retryQueueOf = (job: string, attempt: number, delayMs: number) => `strobe.backoff.${job}.${attempt}.${delayMs}ms`;
/** The classic retry queues of versions before quorum back-off queues (see "Upgrading" in docs/messages.md). */
export const legacyRetryQueueOf = (job: string, attempt: number, delayMs: number) => `strobe.retry.${job}.${attempt}.${delayMs}ms`;
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
        'x-queue-type': 'quorum',
        'x-message-ttl': retry.backoffMs(attempt),
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': queueOf(job),
        'x-dead-letter-strategy': 'at-least-once',
        'x-overflow': 'reject-publish',
      },
    });
  }
}
