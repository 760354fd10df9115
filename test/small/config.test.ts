import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

function refused(env: Record<string, string>, variable: string) {
  assert.throws(() => loadConfig(env), (err: unknown) => err instanceof ConfigError && err.variable === variable && err.message.startsWith(variable));
}

test('defaults run embedded on port 3000 with ./data', () => {
  const c = loadConfig({}, '/srv/strobe');
  assert.equal(c.mode, 'embedded');
  assert.equal(c.port, 3000);
  assert.equal(c.dataDir, '/srv/strobe/data');
  assert.equal(c.replayWindowMs, 120_000);
  assert.equal(c.sessionTtlMs, 30 * 24 * 3_600_000);
  assert.equal(loadConfig({ SESSION_TTL_SECONDS: '2' }).sessionTtlMs, 2_000);
  assert.equal(c.redisPrefix, 'strobe:');
  assert.ok(Object.isFrozen(c));
});

test('every bad value names its variable', () => {
  refused({ PORT: 'eighty' }, 'PORT');
  refused({ PORT: '70000' }, 'PORT');
  refused({ REPLAY_WINDOW_SECONDS: '0' }, 'REPLAY_WINDOW_SECONDS');
  refused({ SESSION_TTL_SECONDS: '0' }, 'SESSION_TTL_SECONDS');
  refused({ SESSION_TTL_SECONDS: '1.5' }, 'SESSION_TTL_SECONDS');
  refused({ SESSION_SECRET: 'short' }, 'SESSION_SECRET');
  refused({ PUBLIC_URL: 'not a url' }, 'PUBLIC_URL');
  refused({ PUBLIC_URL: 'ftp://example.com' }, 'PUBLIC_URL');
  refused({ ADMIN_USERS: 'alice,Bob' }, 'ADMIN_USERS');
  refused({ LOG_LEVEL: 'loud' }, 'LOG_LEVEL');
  refused({ TRUST_PROXY: 'maybe' }, 'TRUST_PROXY');
  refused({ TRUST_PROXY: 'true' }, 'TRUST_PROXY');
  refused({ TRUST_PROXY: '10.0.0.0/33' }, 'TRUST_PROXY');
  refused({ TRUST_PROXY: '11' }, 'TRUST_PROXY');
  refused({ METRICS_PORT: '70000' }, 'METRICS_PORT');
  refused({ REDIS_PREFIX: 'has space' }, 'REDIS_PREFIX');
  refused({ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL');
});

test('cluster mode needs all three services and a shared secret', () => {
  const secret = 'x'.repeat(32);
  refused({ DATABASE_URL: 'postgres://localhost/strobe', SESSION_SECRET: secret }, 'REDIS_URL');
  refused({ DATABASE_URL: 'postgres://localhost/strobe', REDIS_URL: 'redis://localhost', SESSION_SECRET: secret }, 'AMQP_URL');
  refused({ DATABASE_URL: 'postgres://l/s', REDIS_URL: 'redis://l', AMQP_URL: 'amqp://l' }, 'SESSION_SECRET');
  const c = loadConfig({ DATABASE_URL: 'postgres://l/s', REDIS_URL: 'redis://l', AMQP_URL: 'amqp://l', SESSION_SECRET: secret });
  assert.equal(c.mode, 'cluster');
});

test('S3_BUCKET puts a cluster\'s photos in an S3-compatible store', () => {
  const cluster = { DATABASE_URL: 'postgres://l/s', REDIS_URL: 'redis://l', AMQP_URL: 'amqp://l', SESSION_SECRET: 'x'.repeat(32) };
  assert.equal(loadConfig(cluster).s3, undefined);
  assert.deepEqual(loadConfig({ ...cluster, S3_BUCKET: 'strobe-photos' }).s3, {
    bucket: 'strobe-photos',
    endpoint: undefined,
    region: 'us-east-1',
    accessKeyId: undefined,
    secretAccessKey: undefined,
    forcePathStyle: false,
  });
  const minio = loadConfig({ ...cluster, S3_BUCKET: 'photos', S3_ENDPOINT: 'http://minio:9000', S3_ACCESS_KEY_ID: 'id', S3_SECRET_ACCESS_KEY: 'secret' }).s3;
  assert.equal(minio?.endpoint, 'http://minio:9000');
  assert.equal(minio?.forcePathStyle, true, 'path style by default with an endpoint');
  assert.equal(loadConfig({ ...cluster, S3_BUCKET: 'photos', S3_ENDPOINT: 'https://s3.example', S3_FORCE_PATH_STYLE: 'false' }).s3?.forcePathStyle, false);
  assert.equal(loadConfig({ ...cluster, S3_BUCKET: 'photos', S3_REGION: 'eu-west-3' }).s3?.region, 'eu-west-3');

  for (const bad of ['ab', 'Photos', 'photos_2024', '-photos', 'photos-', 'my..photos', '192.168.1.1', 'p'.repeat(64)]) {
    refused({ ...cluster, S3_BUCKET: bad }, 'S3_BUCKET');
  }
  refused({ ...cluster, S3_BUCKET: 'photos', S3_ENDPOINT: 'minio:9000' }, 'S3_ENDPOINT');
  refused({ ...cluster, S3_BUCKET: 'photos', S3_ACCESS_KEY_ID: 'id' }, 'S3_SECRET_ACCESS_KEY');
  refused({ ...cluster, S3_BUCKET: 'photos', S3_SECRET_ACCESS_KEY: 'secret' }, 'S3_ACCESS_KEY_ID');
  refused({ ...cluster, S3_BUCKET: 'photos', S3_FORCE_PATH_STYLE: 'sometimes' }, 'S3_FORCE_PATH_STYLE');
  refused({ ...cluster, S3_BUCKET: 'photos', S3_REGION: 'eu west' }, 'S3_REGION');
  refused({ ...cluster, S3_ENDPOINT: 'http://minio:9000' }, 'S3_BUCKET');
  refused({ S3_BUCKET: 'photos' }, 'S3_BUCKET'); // embedded mode keeps photos in DATA_DIR
});

test('lists and flags parse', () => {
  const c = loadConfig({ ADMIN_USERS: ' alice , bob_2 ', TRUST_PROXY: '127.0.0.1, 10.0.0.0/8', PUBLIC_URL: 'https://strobe.example' });
  assert.deepEqual([...c.adminUsers], ['alice', 'bob_2']);
  assert.deepEqual(c.trustProxy, ['127.0.0.1', '10.0.0.0/8']);
  assert.equal(c.publicUrl?.origin, 'https://strobe.example');
  assert.equal(loadConfig({ TRUST_PROXY: '2' }).trustProxy, 2);
  assert.equal(loadConfig({ TRUST_PROXY: 'false' }).trustProxy, false);
  assert.equal(loadConfig({ METRICS_PORT: '9100' }).metricsPort, 9100);
});
