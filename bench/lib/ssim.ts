// SSIM of two images of the same size, on luma, over 8×8 windows (Wang et al. 2004, without the
// Gaussian window): enough to show that a faster encoder setting does not cost quality.
import sharp from 'sharp';

async function luma(input: Buffer | { data: Buffer; width: number; height: number; channels: 1 | 2 | 3 | 4 }): Promise<{ data: Buffer; width: number; height: number }> {
  const img = Buffer.isBuffer(input) ? sharp(input) : sharp(input.data, { raw: { width: input.width, height: input.height, channels: input.channels } });
  const { data, info } = await img.greyscale().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

export async function ssim(
  reference: Buffer | { data: Buffer; width: number; height: number; channels: 1 | 2 | 3 | 4 },
  candidate: Buffer,
): Promise<number> {
  const [a, b] = await Promise.all([luma(reference), luma(candidate)]);
  if (a.width !== b.width || a.height !== b.height) throw new Error(`sizes differ: ${a.width}×${a.height} and ${b.width}×${b.height}`);
  const c1 = (0.01 * 255) ** 2;
  const c2 = (0.03 * 255) ** 2;
  let sum = 0;
  let windows = 0;
  for (let y = 0; y + 8 <= a.height; y += 8) {
    for (let x = 0; x + 8 <= a.width; x += 8) {
      let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
      for (let dy = 0; dy < 8; dy++) {
        const row = (y + dy) * a.width + x;
        for (let dx = 0; dx < 8; dx++) {
          const va = a.data[row + dx]!;
          const vb = b.data[row + dx]!;
          sa += va;
          sb += vb;
          saa += va * va;
          sbb += vb * vb;
          sab += va * vb;
        }
      }
      const ma = sa / 64, mb = sb / 64;
      const va = saa / 64 - ma * ma, vb = sbb / 64 - mb * mb, cov = sab / 64 - ma * mb;
      sum += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
      windows++;
    }
  }
  return sum / windows;
}
