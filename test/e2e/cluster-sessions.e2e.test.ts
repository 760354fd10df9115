// A session's sockets can be on every instance of a cluster: a logout served by one instance must
// disconnect them all (they learn it through the bus), and only them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startCluster } from '../helpers/cluster.js';
import { call, expectStatus, signUp } from '../helpers/photos.js';
import { servicesUp } from '../helpers/services.js';
import { connect, type TestSocket } from '../helpers/sockets.js';

const disconnected = (s: TestSocket) => new Promise<string>((resolve) => s.socket.once('disconnect', (reason) => resolve(reason)));

if (await servicesUp(['postgres', 'redis', 'amqp'])) {
  test('a logout on one instance disconnects the sockets of that session on every instance, and only those', { timeout: 120_000 }, async (t) => {
    const cluster = await startCluster(t, { web: 2, workers: 0 });
    const [web1, web2] = cluster.names('web').map((name) => `http://127.0.0.1:${cluster.instances.get(name)!.port}`) as [string, string];
    const leaver = await signUp(cluster.url, 'leaver');
    const stayer = await signUp(cluster.url, 'stayer');
    const tabs = [await connect(web1, leaver.cookie), await connect(web2, leaver.cookie)];
    const others = [await connect(web1, stayer.cookie), await connect(web2, stayer.cookie)];
    t.after(() => [...tabs, ...others].forEach((s) => s.close()));
    const gone = tabs.map(disconnected);

    expectStatus(await call(web1, 'POST', '/api/auth/logout', { cookie: leaver.cookie }), 204);
    assert.deepEqual(await Promise.all(gone), ['io server disconnect', 'io server disconnect'], 'both tabs, on both instances');
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(others.every((s) => s.socket.connected), "the other user's sockets stay");
  });
}
