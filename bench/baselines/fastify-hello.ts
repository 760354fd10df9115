// Baseline: the framework ceiling. A bare Fastify GET that returns a constant JSON body as large as
// a 20-item feed page (BODY_BYTES, measured by the feed benchmark from a real page).
//
//   PORT=0 BODY_BYTES=9000 node --import tsx bench/baselines/fastify-hello.ts
//
// Prints `listening <port>` on stdout once it accepts connections, and sends the same on IPC.
import Fastify from 'fastify';

const size = Number(process.env.BODY_BYTES ?? 9_000);
// A feed-page-shaped object padded to the size, so the serializer does comparable work.
const items = Array.from({ length: 20 }, (_, i) => ({ id: String(i + 1), caption: '', pad: '' }));
const body = { items, next: null as string | null };
const base = JSON.stringify(body).length;
const pad = Math.max(0, Math.floor((size - base) / 20));
for (const item of items) item.pad = 'x'.repeat(pad);

const app = Fastify({ logger: false });
app.get('/hello', async () => body);

const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
const port = Number(new URL(address).port);
console.log(`listening ${port}`);
process.send?.({ type: 'listening', port });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
