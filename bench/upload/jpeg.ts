// Distinct uploads from one photo, without re-encoding it: every upload of the benchmark must be a
// different photo, as real ones are. Strobe keys the resized variants by their content, so bytes
// that differ only in metadata (stripped by the resize) would still give the same variants, and
// identical variants share their blob locks. So each copy gets a comment segment with its number
// (distinct upload bytes) and slightly different quantization tables: a low-frequency entry of a
// table one step larger changes the decoded pixels a little, hence the variants, while the file
// stays a valid JPEG of the same size and cost to decode.

interface Segment {
  marker: number;
  /** Offset of the 0xFF of the marker. */
  at: number;
  /** Length of the payload after the marker (including the two length bytes). */
  length: number;
}

function segments(jpeg: Buffer): Segment[] {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG');
  const out: Segment[] = [];
  let at = 2;
  while (at + 4 <= jpeg.length) {
    if (jpeg[at] !== 0xff) throw new Error(`bad JPEG marker at ${at}`);
    const marker = jpeg[at + 1]!;
    const length = jpeg.readUInt16BE(at + 2);
    out.push({ marker, at, length });
    if (marker === 0xda) break; // start of scan: the entropy-coded data follows
    at += 2 + length;
  }
  return out;
}

/** Zigzag positions of low-frequency coefficients: inside the 4×4 corner that a 1/2 to 1/8 scale decode still uses. */
const LOW_FREQUENCY = [1, 2, 3, 4, 5, 6, 7, 8, 9];

export interface JpegVariants {
  /** The n-th distinct copy (n ≥ 0). */
  variant(n: number): Buffer;
  /** How many distinct copies exist. */
  readonly count: number;
}

export function jpegVariants(jpeg: Buffer): JpegVariants {
  const segs = segments(jpeg);
  const firstDqt = segs.find((s) => s.marker === 0xdb);
  if (!firstDqt) throw new Error('the JPEG has no quantization table');
  // Offsets of the low-frequency entries of every 8-bit table.
  const entries: number[] = [];
  for (const s of segs.filter((seg) => seg.marker === 0xdb)) {
    let p = s.at + 4;
    const end = s.at + 2 + s.length;
    while (p < end) {
      const precision = jpeg[p]! >> 4;
      if (precision === 0) for (const z of LOW_FREQUENCY) entries.push(p + 1 + z);
      p += 1 + 64 * (precision === 0 ? 1 : 2);
    }
  }
  if (entries.length < 8) throw new Error('too few quantization entries to vary');
  const bits = Math.min(entries.length, 20);
  return {
    count: 2 ** bits - 1,
    variant(n: number): Buffer {
      const pattern = n + 1; // never 0: every copy differs from the original too
      if (pattern >= 2 ** bits) throw new Error(`only ${2 ** bits - 1} variants`);
      const comment = Buffer.from(`strobe-bench upload ${n}`);
      const com = Buffer.alloc(4 + comment.length);
      com.writeUInt16BE(0xfffe, 0);
      com.writeUInt16BE(2 + comment.length, 2);
      comment.copy(com, 4);
      const out = Buffer.concat([jpeg.subarray(0, firstDqt.at), com, jpeg.subarray(firstDqt.at)]);
      for (let b = 0; b < bits; b++) {
        if (!(pattern & (1 << b))) continue;
        const at = entries[b]! + com.length;
        out[at] = Math.min(255, out[at]! + 1);
      }
      return out;
    },
  };
}
