// A photo-like 12 MP JPEG made on the spot (nothing is downloaded): a lit scene of gradients and
// shapes under sensor-like grain, JPEG quality 90, EXIF Orientation 6 as a phone held upright
// writes it. Pure noise (the tests' worst case) would make every decoder spend its time on entropy
// decoding alone, which says little about real photos.
import sharp from 'sharp';

export async function makePhoto(width = 4000, height = 3000): Promise<Buffer> {
  const shapes = Array.from({ length: 40 }, (_, i) => {
    const r = 80 + ((i * 997) % 600);
    return `<circle cx="${(i * 7919) % width}" cy="${(i * 104729) % height}" r="${r}" fill="hsl(${(i * 37) % 360} 70% ${40 + (i % 5) * 8}%)" fill-opacity="0.55"/>`;
  }).join('');
  const scene = await sharp(
    Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
      <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#1d3557"/><stop offset="1" stop-color="#f4a261"/></linearGradient></defs>
      <rect width="100%" height="100%" fill="url(#g)"/>${shapes}</svg>`),
  )
    .raw()
    .toBuffer({ resolveWithObject: true });
  const grain = await sharp({ create: { width, height, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 8 } } })
    .raw()
    .toBuffer();
  const pixels = Buffer.alloc(width * height * 3);
  const channels = scene.info.channels;
  for (let p = 0, q = 0; p < width * height; p++, q += channels) {
    for (let c = 0; c < 3; c++) pixels[p * 3 + c] = Math.max(0, Math.min(255, scene.data[q + c]! + grain[p * 3 + c]! - 128));
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).withMetadata({ orientation: 6 }).toBuffer();
}
