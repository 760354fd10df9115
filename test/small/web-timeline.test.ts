// Merging chat history pages, live events and send acks in the browser.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatMessage } from '../../src/shared/api.js';
import { applyPresence, buildTimeline, mergeMessages } from '../../web/src/chat/timeline.js';
import { userRef } from '../helpers/users.js';

const msg = (id: string, at: number, text = id): ChatMessage => ({
  id,
  room: 'lobby',
  user: userRef('u1', 'ann'),
  text,
  kind: 'text',
  createdAt: new Date(1_700_000_000_000 + at).toISOString(),
});

test('messages from history, live events and acks show once, oldest first', () => {
  const history = [msg('a', 1), msg('b', 2)];
  const live = [msg('c', 3), msg('b', 2)];
  const ack = [msg('c', 3, 'c, from the ack')];
  const merged = mergeMessages(history, live, ack);
  assert.deepEqual(merged.map((m) => m.id), ['a', 'b', 'c']);
  assert.equal(merged[2]?.text, 'c, from the ack');
});

test('an older page lands above what is shown; equal times keep arrival order', () => {
  const merged = mergeMessages([msg('x', 5), msg('y', 5)], [msg('w', 1)]);
  assert.deepEqual(merged.map((m) => m.id), ['w', 'x', 'y']);
});

test('notices interleave with messages by time', () => {
  const items = buildTimeline([msg('a', 1), msg('b', 10)], [{ key: 'n', text: 'bob joined', at: 1_700_000_000_005 }]);
  assert.deepEqual(items.map((i) => i.kind), ['message', 'notice', 'message']);
});

test('presence events replayed over a snapshot that already has them change nothing', () => {
  const ann = userRef('1', 'ann');
  const bob = userRef('2', 'bob');
  const snapshot = [bob, ann];
  assert.deepEqual(applyPresence(snapshot, [{ type: 'joined', user: bob }]), [ann, bob]);
  assert.deepEqual(applyPresence(snapshot, [{ type: 'joined', user: bob }, { type: 'left', user: bob }]), [ann]);
  assert.deepEqual(applyPresence([], [{ type: 'left', user: ann }]), []);
});
