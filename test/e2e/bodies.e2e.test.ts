// Request bodies the server refuses before reading them, over real HTTP against the real server: the
// client must read the answer (413 and its code), not a reset. The server decides on the first
// bytes, long before the client is done writing; had it closed then, the rest of the body would hit
// a closed socket and the client would get a reset instead of the answer.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request, type OutgoingHttpHeaders } from 'node:http';
import { after, before, test } from 'node:test';
import { signUp } from '../helpers/photos.js';
import { startServer, type RunningServer } from '../helpers/server.js';

let server: RunningServer;

before(async () => {
  server = await startServer();
});

after(() => server?.close());

interface Outcome {
  status?: number;
  body?: string;
  /** Set when the connection failed at any point (EPIPE, ECONNRESET…): a reset. */
  error?: string;
}

/**
 * POSTs the chunks back to back, waiting only when the socket is full, as a busy uploader does, and
 * reads the answer. (A client that pauses between chunks reads an early answer during a pause and
 * hides the reset: with 2 ms pauses, none of 20 tries was reset against the server that closed
 * early; back to back, 13 to 15 of 20 were.)
 */
function post(path: string, headers: OutgoingHttpHeaders, chunks: () => Iterable<Buffer>): Promise<Outcome> {
  return new Promise((resolve) => {
    const outcome: Outcome = {};
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const fail = (where: string) => (err: Error) => {
      outcome.error ??= `${where}: ${(err as NodeJS.ErrnoException).code ?? err.message}`;
      finish();
    };
    const timer = setTimeout(() => fail('timeout')(new Error('no answer in 30 s')), 30_000);
    // A connection of its own each time: no try may inherit another's socket.
    const req = request(`${server.url}${path}`, { method: 'POST', headers, agent: false });
    req.on('error', fail('request'));
    const writing = (async () => {
      for (const chunk of chunks()) {
        if (req.destroyed) return;
        if (!req.write(chunk)) await once(req, 'drain');
      }
      req.end();
    })().catch(() => {}); // a failed write shows as the request's 'error'
    req.on('response', (res) => {
      outcome.status = res.statusCode;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('error', fail('response'));
      res.on('end', () => {
        outcome.body = text;
        // Done only once the whole body is out: a write failing after the answer is a reset too.
        void writing.then(() => setImmediate(finish));
      });
    });
  });
}

function* pieces(total: number, size: number, fill = 0x20): Iterable<Buffer> {
  for (let sent = 0; sent < total; sent += size) yield Buffer.alloc(Math.min(size, total - sent), fill);
}

function assertRefused(outcome: Outcome, status: number, code: string, label: string): void {
  assert.equal(outcome.error, undefined, `${label}: ${JSON.stringify(outcome)}`);
  assert.equal(outcome.status, status, `${label}: ${JSON.stringify(outcome)}`);
  assert.equal((JSON.parse(outcome.body!) as { error: { code: string } }).error.code, code, label);
}

test('a 2 MB JSON body (the limit is 1 MB) reads 413 PAYLOAD_TOO_LARGE, 20 times out of 20', async () => {
  const size = 2 * 1024 * 1024;
  const outcomes: Outcome[] = [];
  for (let i = 0; i < 20; i++) {
    outcomes.push(await post('/api/auth/login', { 'content-type': 'application/json', 'content-length': size }, () => pieces(size, 64 * 1024)));
  }
  const resets = outcomes.filter((o) => o.error !== undefined);
  assert.deepEqual(resets, [], `${resets.length} of 20 tries were reset`);
  outcomes.forEach((o, i) => assertRefused(o, 413, 'PAYLOAD_TOO_LARGE', `try ${i + 1}`));
});

test('a 2 MB JSON body without a Content-Length (chunked) reads its 413 too', async () => {
  for (let i = 0; i < 5; i++) {
    const outcome = await post('/api/auth/login', { 'content-type': 'application/json' }, () => pieces(2 * 1024 * 1024, 64 * 1024));
    assertRefused(outcome, 413, 'PAYLOAD_TOO_LARGE', `try ${i + 1}`);
  }
});

/** A multipart form with one `file` part of `size` bytes (a JPEG's first bytes, then filler). */
function multipart(size: number): { headers: OutgoingHttpHeaders; chunks: () => Iterable<Buffer> } {
  const boundary = 'strobe-bodies-test-boundary';
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="huge.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`);
  const soi = Buffer.from([0xff, 0xd8, 0xff, 0xe0]);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': head.length + size + tail.length },
    *chunks() {
      yield head;
      yield soi;
      yield* pieces(size - soi.length, 256 * 1024, 0);
      yield tail;
    },
  };
}

test('an upload over 25 MB reads its 413 PAYLOAD_TOO_LARGE', async () => {
  const { cookie } = await signUp(server.url, 'big_uploader');
  const form = multipart(26 * 1024 * 1024);
  const outcome = await post('/api/photos', { ...form.headers, cookie }, form.chunks);
  assertRefused(outcome, 413, 'PAYLOAD_TOO_LARGE', 'upload');
});

test('a refusal before any of the body is read (signed out, an unknown route) reads its answer', async () => {
  const form = multipart(3 * 1024 * 1024);
  assertRefused(await post('/api/photos', form.headers, form.chunks), 401, 'UNAUTHENTICATED', 'signed-out upload');
  const size = 3 * 1024 * 1024;
  const octets = { 'content-type': 'application/octet-stream', 'content-length': size };
  assertRefused(await post('/api/nothing-here', octets, () => pieces(size, 64 * 1024)), 404, 'NOT_FOUND', 'unknown route');
});
