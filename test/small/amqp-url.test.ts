// AMQP_URL: one URL as ever, or a RabbitMQ cluster's nodes as full URLs separated by commas.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

const cluster = { DATABASE_URL: 'postgres://l/s', REDIS_URL: 'redis://l', SESSION_SECRET: 'x'.repeat(32) };

function refusedWith(amqpUrl: string, words: RegExp): void {
  assert.throws(
    () => loadConfig({ ...cluster, AMQP_URL: amqpUrl }),
    (err: unknown) => err instanceof ConfigError && err.variable === 'AMQP_URL' && words.test(err.message),
  );
}

test('one URL works as it always did', () => {
  const c = loadConfig({ ...cluster, AMQP_URL: ' amqp://u:p@mq:5672/strobe ' });
  assert.equal(c.amqpUrl, 'amqp://u:p@mq:5672/strobe');
  assert.deepEqual(c.amqpUrls, ['amqp://u:p@mq:5672/strobe']);
  assert.ok(Object.isFrozen(c.amqpUrls));
  refusedWith('mq:5672', /valid URL|must start/);
  refusedWith('http://mq', /must start with amqp:\/\/ or amqps:\/\//);
  assert.deepEqual(loadConfig({}).amqpUrls, [], 'embedded mode has none');
});

test('a comma-separated list names every node of a cluster', () => {
  const c = loadConfig({ ...cluster, AMQP_URL: 'amqp://u:p@h1:5672/vh, amqp://u:p@h2:5672/vh ,amqps://u:p@h3:5671/vh' });
  assert.equal(c.mode, 'cluster');
  assert.deepEqual(c.amqpUrls, ['amqp://u:p@h1:5672/vh', 'amqp://u:p@h2:5672/vh', 'amqps://u:p@h3:5671/vh']);
  // No path and "/" are both the default vhost.
  assert.equal(loadConfig({ ...cluster, AMQP_URL: 'amqp://h1,amqp://h2/' }).amqpUrls.length, 2);
  assert.equal(loadConfig({ ...cluster, AMQP_URL: 'amqp://h1/%2F,amqp://h2' }).amqpUrls.length, 2);
});

test('a bad list says which node is wrong, and how', () => {
  refusedWith('amqp://h1,,amqp://h2', /node 2 of 3 is empty/);
  refusedWith('amqp://h1,', /node 2 of 2 is empty/);
  refusedWith('amqp://u:p@h1/vh,not a url', /node 2 of 2 is not a valid URL/);
  // A raw comma in a password splits the URL: the message says how to write it.
  refusedWith('amqp://u:pa,ss@h1/vh', /node 1 of 2 is not a valid URL.*%2C/);
  refusedWith('amqp://h1,redis://h2', /node 2 of 2 must start with amqp/);
  refusedWith('amqp://h1:5672,amqp://h1:5672', /node 2 of 2 repeats h1:5672/);
  refusedWith('amqp://h1/a,amqp://h2/b', /same vhost.*"a", "b"/);
  refusedWith('amqp://h1/a,amqp://h2', /same vhost/);
  // A stray % in a vhost does not crash the check.
  refusedWith('amqp://h1/%zz,amqp://h2/x', /same vhost/);
});
