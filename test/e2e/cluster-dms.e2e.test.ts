// Fault test for private messages: two web instances and a worker behind HAProxy. Ann and bob write
// to each other over `dm:send` (retrying with the same clientId when an answer is lost), while three
// tabs of each watch dm:<id> and their `user` stream through the load balancer. One web instance is
// killed with SIGKILL mid-conversation: every tab that was on it resumes on the other with `since`,
// and every tab ends with every message of the conversation exactly once, in one order, with each
// resubscription recovered (no refetch needed); the unread counts agree with the database.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Conversation, DirectMessage } from '../../src/shared/community.js';
import { compareOffsets, type Envelope } from '../../src/shared/realtime.js';
import { startCluster } from '../helpers/cluster.js';
import { allPages, call, median, signUp, type Session } from '../helpers/photos.js';
import { ResumingClient } from '../helpers/resuming-client.js';
import { servicesUp } from '../helpers/services.js';

const TABS_PER_USER = 3;
/** Each user's messages: under the limit of 20 per 10 s. */
const SEND_EVERY_MS = 600;

function messageIds(events: Envelope[]): string[] {
  return events.filter((e) => e.type === 'dm.message').map((e) => (e.data as DirectMessage).id);
}

if (await servicesUp(['postgres', 'redis', 'amqp'])) {
  test('SIGKILL of a web instance mid-conversation: every tab resumes elsewhere and gets every message once, in order', { timeout: 180_000 }, async (t) => {
    const cluster = await startCluster(t, { web: 2, workers: 1 });
    const ann = await signUp(cluster.url, 'cl_dm_ann');
    const bob = await signUp(cluster.url, 'cl_dm_bob');
    const opened = await call<{ conversation: Conversation }>(cluster.url, 'POST', '/api/conversations', { cookie: ann.cookie, json: { username: bob.username } });
    assert.equal(opened.status, 201, JSON.stringify(opened.body));
    const stream = `dm:${opened.body.conversation.id}`;
    const conversationId = opened.body.conversation.id;

    // Tabs through the load balancer: round robin puts some on each instance.
    const tabs = [ann, bob].flatMap((u) => Array.from({ length: TABS_PER_USER }, () => ({ user: u, client: new ResumingClient(cluster.url, [stream, 'user'], u.cookie) })));
    // Two connections per writer, taking turns: likely one of them is on the instance that dies.
    const senders = [ann, bob].map((u) => ({ user: u, clients: [0, 1].map(() => new ResumingClient(cluster.url, [], u.cookie)) }));
    const all = [...tabs.map((x) => x.client), ...senders.flatMap((x) => x.clients)];
    t.after(() => all.forEach((c) => c.close()));
    await Promise.all(all.map((c) => c.ready()));

    let running = true;
    let retries = 0;
    const acked: string[] = [];
    const sendLoop = async (sender: { user: Session; clients: ResumingClient[] }, offsetMs: number) => {
      await delay(offsetMs);
      for (let i = 0; running; i++) {
        const clientId = `${sender.user.username}-${i}`;
        const client = sender.clients[i % sender.clients.length]!;
        for (;;) {
          try {
            const ack = await client.socket.timeout(5_000).emitWithAck('dm:send', { conversationId, text: `message ${clientId}`, clientId });
            assert.equal(ack.ok, true, JSON.stringify(ack));
            if (ack.ok) acked.push(ack.message.id);
            break;
          } catch (err) {
            if (err instanceof assert.AssertionError) throw err;
            // Not connected, or the answer was lost with its instance: the same clientId again.
            retries++;
            await delay(100);
          }
        }
        await delay(SEND_EVERY_MS);
      }
    };
    const loops = [sendLoop(senders[0]!, 0), sendLoop(senders[1]!, SEND_EVERY_MS / 2)];
    await delay(3_000);

    const killedAt = Date.now();
    await cluster.signal('web1', 'SIGKILL');
    await delay(300); // the kernel closes the dropped connections at once
    const affected = tabs.filter((x) => x.client.drops.length > 0);
    assert.ok(affected.length >= 1, 'no tab was on the killed instance');
    await Promise.all(affected.map((x) => x.client.until(() => x.client.resumed, 30_000, 'resume after the kill'))).catch((err: Error) =>
      assert.fail(`${err.message}\n${cluster.logs.slice(-40).join('\n')}`),
    );
    const resumeMs = affected.map((x) => x.client.drops.at(-1)!.resumedAt! - killedAt);
    t.diagnostic(`kill -> resumed: ${affected.length} of ${tabs.length} tabs moved; median ${median(resumeMs)} ms, all within ${Math.max(...resumeMs)} ms`);

    await delay(3_000);
    running = false;
    await Promise.all(loops);

    // The database's word: every message of the conversation, oldest first.
    const history = (await allPages<DirectMessage>(cluster.url, `/api/conversations/${conversationId}/messages`, { cookie: ann.cookie })).items;
    const expected = history.map((m) => m.id).reverse();
    assert.equal(new Set(acked).size, expected.length, 'every acknowledged message is stored once, and nothing else');
    t.diagnostic(`${expected.length} messages, ${retries} retried sends`);

    await Promise.all(
      tabs.map((x) => x.client.until(() => messageIds(x.client.streams.get(stream)!.events).length >= expected.length, 20_000, 'every message')),
    ).catch((err: Error) => assert.fail(`${err.message}\n${cluster.logs.slice(-40).join('\n')}`));
    await delay(300);
    for (const [i, { client }] of tabs.entries()) {
      const log = client.streams.get(stream)!;
      assert.deepEqual(messageIds(log.events), expected, `tab ${i}: every message once, in the conversation's order`);
      for (let k = 1; k < log.events.length; k++) {
        assert.ok(compareOffsets(log.events[k - 1]!.offset, log.events[k]!.offset) < 0, `tab ${i}: offset ${log.events[k]!.offset} after ${log.events[k - 1]!.offset}`);
      }
      for (const ack of log.acks.slice(1)) assert.ok(ack.ok && ack.recovered, `tab ${i}: ${JSON.stringify(ack).slice(0, 200)}`);
    }

    // The last count each tab heard agrees with the list; both read up to the end when they write,
    // so only what the other wrote after their own last message is unread.
    for (const user of [ann, bob]) {
      const res = await call<{ unread: number; items: Conversation[] }>(cluster.url, 'GET', '/api/conversations', { cookie: user.cookie });
      for (const { client } of tabs.filter((x) => x.user === user)) {
        const counts = client.streams.get('user')!.events.filter((e) => e.type === 'dm.unread');
        assert.deepEqual(counts.at(-1)?.data, { conversationId, unread: res.body.items[0]!.unread, total: res.body.unread }, `${user.username}'s tab`);
      }
    }
  });
}
