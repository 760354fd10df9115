// Test images made on the spot: no binary fixtures in the repo, no downloads.
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { gpsExif } from '../../src/demo/art.js';

/** A noisy JPEG (noise keeps it photo-sized), optionally with EXIF orientation and GPS. */
export async function makeJpeg(opts: { width: number; height: number; orientation?: number; gps?: { lat: number; lon: number } }): Promise<Buffer> {
  let img = sharp({
    create: { width: opts.width, height: opts.height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } },
  }).jpeg({ quality: 85 });
  const IFD3 = opts.gps ? gpsExif(opts.gps.lat, opts.gps.lon) : undefined;
  if (IFD3) img = img.withExif({ IFD0: { Make: 'StrobeTestCam' }, IFD3 });
  if (opts.orientation) img = img.withMetadata({ orientation: opts.orientation });
  return img.toBuffer();
}

export async function makePng(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background: { r: 200, g: 30, b: 90, alpha: 1 } } }).png().toBuffer();
}

export async function makeGif(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#3366cc' } }).gif().toBuffer();
}

/** A tiny PNG whose header claims width x height: a decompression bomb if anything decoded it. */
export function pngClaiming(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1024))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}
