// The resize contract, proven by a resizer in another language: with Strobe's own resize consumers
// stopped (`strobe worker --queues` without photo.resize), a photo uploaded through Strobe becomes
// ready, live on the walls, from examples/resizer-python (Debian's Python and Pillow).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import sharp from 'sharp';
import { JOB_NAMES } from '../../src/ports/jobs.js';
import { startCluster } from '../helpers/cluster.js';
import { makeJpeg } from '../helpers/images.js';
import { readyEvent, signUp, subscribe, uploadOk } from '../helpers/photos.js';
import { servicesUp } from '../helpers/services.js';
import { connect } from '../helpers/sockets.js';

if (await servicesUp(['postgres', 'redis', 'amqp'])) {
  test('a photo becomes ready, live, from the Python resizer alone', { timeout: 150_000 }, async (t) => {
    const cluster = await startCluster(t, { web: 1, workers: 1, workerQueues: JOB_NAMES.filter((n) => n !== 'photo.resize') });
    const output: string[] = [];
    const resizer = spawn('/usr/bin/python3', ['examples/resizer-python/resizer.py'], { env: { ...process.env, AMQP_URL: cluster.amqpUrl, DATA_DIR: cluster.dataDir } });
    resizer.stdout.on('data', (d: Buffer) => output.push(d.toString()));
    resizer.stderr.on('data', (d: Buffer) => output.push(d.toString()));
    t.after(() => resizer.kill('SIGKILL'));
    const started = Date.now();
    while (!output.join('').includes('resizer: consuming')) {
      if (resizer.exitCode !== null || Date.now() - started > 20_000) throw new Error(`the resizer did not start: ${output.join('')}`);
      await new Promise((r) => setTimeout(r, 50));
    }

    const ann = await signUp(cluster.url, 'py_ann');
    const wall = await connect(cluster.url);
    t.after(() => wall.close());
    await subscribe(wall, 'latest');
    // 400×300 turned upright by EXIF orientation 6, with Paris in its GPS: the reply carries both.
    const accepted = await uploadOk(cluster.url, ann.cookie, { file: await makeJpeg({ width: 400, height: 300, orientation: 6, gps: { lat: 48.8566, lon: 2.3522 } }), caption: 'from python' });
    const ready = await readyEvent(wall, 'latest', accepted.id, 60_000);
    const photo = ready.data.photo;
    assert.match(output.join(''), new RegExp(`resized ${accepted.id}: ok`));
    assert.deepEqual([photo.width, photo.height], [300, 400], 'oriented');
    assert.equal(photo.city?.slug.startsWith('paris'), true, `the nearest city from the reply's GPS: ${photo.city?.slug}`);
    assert.ok(photo.placeholder, 'Strobe computed the placeholder the resizer did not send');
    for (const url of [photo.variants!.display, photo.variants!.thumb]) {
      const res = await fetch(`${cluster.url}${url}`);
      assert.equal(res.status, 200);
      const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
      assert.equal(meta.format, 'webp');
      assert.equal(meta.exif, undefined, 'no metadata in what Strobe serves');
    }
  });
}
