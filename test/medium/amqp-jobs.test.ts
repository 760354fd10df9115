// The cluster job runner: the outbox relay moves committed jobs from PostgreSQL to RabbitMQ, and
// the AMQP runner consumes them, against the same contract as the embedded runner. Real
// PostgreSQL and RabbitMQ, a database and a vhost per test.
import { migrate } from '../../src/adapters/db/migrate.js';
import { AmqpConnection } from '../../src/adapters/amqp/connection.js';
import { AmqpJobRunner } from '../../src/adapters/amqp/job-runner.js';
import { OutboxRelay } from '../../src/adapters/amqp/relay.js';
import { openPostgres } from '../../src/adapters/pg/db.js';
import type { JobRunner } from '../../src/ports/jobs.js';
import { jobRunnerContract } from '../contracts/job-runner.contract.js';
import { freshPostgres, freshVhost, servicesUp } from '../helpers/services.js';

if (await servicesUp(['postgres', 'amqp'])) {
  jobRunnerContract('RabbitMQ with a PostgreSQL outbox', async () => {
    const [pgDb, vhost] = await Promise.all([freshPostgres(), freshVhost()]);
    const db = await openPostgres(pgDb.url, { max: 5 });
    await migrate(db);
    const conn = new AmqpConnection(vhost.url);
    await conn.connect();
    const started: { relay: OutboxRelay; runner: JobRunner }[] = [];
    return {
      db,
      runner(opts) {
        const relay = new OutboxRelay(db, conn, { pollMs: 20, retry: opts.retry });
        const runner = new AmqpJobRunner(conn, { retry: opts.retry });
        // The relay runs beside the consumers, as in a web instance or worker.
        const start = runner.start.bind(runner);
        const stop = runner.stop.bind(runner);
        runner.start = async () => {
          await relay.start();
          await start();
        };
        runner.stop = async () => {
          await stop();
          await relay.stop();
        };
        started.push({ relay, runner });
        return runner;
      },
      async dispose() {
        for (const s of started) await s.runner.stop().catch(() => {});
        await conn.close();
        await db.close();
        await Promise.all([pgDb.dispose(), vhost.dispose()]);
      },
    };
  });
}
