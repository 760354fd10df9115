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
  assert.equal(c.redisPrefix, 'strobe:');
  assert.ok(Object.isFrozen(c));
});

test('every bad value names its variable', () => {
  refused({ PORT: 'eighty' }, 'PORT');
  refused({ PORT: '70000' }, 'PORT');
  refused({ REPLAY_WINDOW_SECONDS: '0' }, 'REPLAY_WINDOW_SECONDS');
  refused({ SESSION_SECRET: 'short' }, 'SESSION_SECRET');
  refused({ PUBLIC_URL: 'not a url' }, 'PUBLIC_URL');
  refused({ PUBLIC_URL: 'ftp://example.com' }, 'PUBLIC_URL');
  refused({ ADMIN_USERS: 'alice,Bob' }, 'ADMIN_USERS');
  refused({ LOG_LEVEL: 'loud' }, 'LOG_LEVEL');
  refused({ TRUST_PROXY: 'maybe' }, 'TRUST_PROXY');
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

test('lists and flags parse', () => {
  const c = loadConfig({ ADMIN_USERS: ' alice , bob_2 ', TRUST_PROXY: 'true', PUBLIC_URL: 'https://strobe.example' });
  assert.deepEqual([...c.adminUsers], ['alice', 'bob_2']);
  assert.equal(c.trustProxy, true);
  assert.equal(c.publicUrl?.origin, 'https://strobe.example');
});
