import { Type } from '@fastify/type-provider-typebox';
import { Nullable } from '../../http/schemas.js';

const InstanceSchema = Type.Object({
  instance: Type.String(),
  roles: Type.Array(Type.Union([Type.Literal('web'), Type.Literal('worker')])),
  mode: Type.Union([Type.Literal('embedded'), Type.Literal('cluster')]),
  uptimeS: Type.Number(),
  connections: Type.Integer(),
  memory: Type.Object({ rss: Type.Number(), heapUsed: Type.Number() }),
  eventLoopLagMs: Type.Number(),
  intervalMs: Type.Number(),
  jobs: Type.Record(Type.String(), Type.Object({ processed: Type.Integer(), failed: Type.Integer() })),
  seenAt: Type.Number(),
});

const QueueSchema = Type.Object({
  name: Type.String(),
  depth: Type.Integer(),
  consumers: Type.Integer(),
  dead: Type.Integer(),
  ratePerS: Type.Number(),
  failedPerS: Type.Number(),
});

const DeadJobSchema = Type.Object({
  id: Type.String(),
  queue: Type.String(),
  error: Nullable(Type.String()),
  attempts: Type.Integer(),
});

export const OverviewSchema = Type.Object({
  instances: Type.Array(InstanceSchema),
  queues: Type.Array(QueueSchema),
  queuesError: Nullable(Type.String()),
  dead: Type.Array(DeadJobSchema),
  now: Type.Number(),
});

export const QueueParams = Type.Object({ queue: Type.String({ maxLength: 100 }) });

export const RetryDeadSchema = Type.Object({ queue: Type.String(), moved: Type.Integer() });
