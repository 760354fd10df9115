// Turns an uploaded image into what Strobe publishes: auto-oriented WebP variants without any
// metadata, the dimensions after orientation, a thumbhash placeholder, and the GPS position (read
// before the metadata is dropped, only to pick the nearest city).
import { randomUUID } from 'node:crypto';
import { open, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import exifReader from 'exif-reader';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { rgbaToThumbHash } from 'thumbhash';
import type { BlobExtension } from '../../ports/blobs.js';

export const MAX_PIXELS = 60_000_000;
export const DISPLAY_WIDTH = 1080;
export const THUMB_WIDTH = 320;
const WEBP = { quality: 80, effort: 2 } as const;

export type ImageProblem = 'UNREADABLE_IMAGE' | 'TOO_MANY_PIXELS' | 'UNSUPPORTED_MEDIA_TYPE';

export class ImageRejected extends Error {
  constructor(
    readonly problem: ImageProblem,
    message: string,
  ) {
    super(message);
    this.name = 'ImageRejected';
  }
}

export interface ProcessedImage {
  width: number;
  height: number;
  display: { data: Buffer; width: number; height: number };
  thumb: { data: Buffer; width: number; height: number };
  placeholder: string;
  gps: { lat: number; lon: number } | null;
}

/** The real type of an upload, from its first bytes; the file name and the client's claim are ignored. */
export function sniffImage(head: Buffer): BlobExtension | null {
  const ascii = (from: number, to: number) => head.subarray(from, to).toString('latin1');
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpg';
  if (head.length >= 8 && head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (head.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (head.length >= 6 && (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a')) return 'gif';
  if (head.length >= 12 && ascii(4, 8) === 'ftyp' && ['avif', 'avis'].includes(ascii(8, 12))) return 'avif';
  return null;
}

/** Header-only: dimensions and orientation, refusing a decompression bomb before anything is decoded. */
async function readHeader(input: string | Buffer): Promise<Metadata & { width: number; frameHeight: number }> {
  let meta: Metadata;
  try {
    // Reading metadata parses the header only, so it may look at any size and report it.
    meta = await sharp(input, { limitInputPixels: false, pages: 1 }).metadata();
  } catch {
    throw new ImageRejected('UNREADABLE_IMAGE', 'The file is not a readable image.');
  }
  if (!meta.width || !meta.height) throw new ImageRejected('UNREADABLE_IMAGE', 'The image has no dimensions.');
  const frameHeight = meta.pageHeight ?? meta.height;
  if (meta.width * frameHeight > MAX_PIXELS) {
    throw new ImageRejected('TOO_MANY_PIXELS', `Images are at most ${MAX_PIXELS / 1_000_000} megapixels.`);
  }
  return { ...meta, width: meta.width, frameHeight };
}

/**
 * The cheap checks an upload gets before it is accepted, so a bad file is refused at once (422)
 * rather than becoming a failed photo: a readable header within the pixel limit, and a file that
 * is complete. JPEG completeness needs the entropy data, read at 1/8 scale (shrink-on-load); the
 * other formats end with a trailer that a cut-off file lacks.
 */
export async function inspectUpload(path: string, ext: BlobExtension): Promise<void> {
  await readHeader(path);
  if (!(await isComplete(path, ext))) throw new ImageRejected('UNREADABLE_IMAGE', 'The image is damaged or truncated.');
}

async function isComplete(path: string, ext: BlobExtension): Promise<boolean> {
  switch (ext) {
    case 'jpg':
      return sharp(path, { failOn: 'truncated', limitInputPixels: MAX_PIXELS })
        .resize(64, 64, { fit: 'inside' })
        .raw()
        .toBuffer()
        .then(
          () => true,
          () => false,
        );
    case 'png':
      return (await tail(path, 12)).equals(PNG_IEND);
    case 'gif':
      return (await tail(path, 1))[0] === 0x3b;
    case 'webp': {
      const size = (await stat(path)).size;
      const header = await slice(path, 4, 4);
      return header.length === 4 && header.readUInt32LE(0) + 8 <= size;
    }
    case 'avif':
      return true; // no trailer to check: a damaged AVIF fails in the worker with a reason
  }
}

const PNG_IEND = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

async function slice(path: string, position: number, length: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, position);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

async function tail(path: string, length: number): Promise<Buffer> {
  const size = (await stat(path)).size;
  return slice(path, Math.max(0, size - length), Math.min(length, size));
}

/**
 * `scratchDir` holds the shrunk decode's temporary file: the process's own scratch folder, which is
 * emptied at start, so a worker killed mid-decode leaves nothing behind for good.
 */
export async function processImage(input: Buffer, scratchDir: string = tmpdir()): Promise<ProcessedImage> {
  const meta = await readHeader(input);
  const frameHeight = meta.frameHeight;
  const swapped = (meta.orientation ?? 1) >= 5;
  const width = swapped ? frameHeight : meta.width;
  const height = swapped ? meta.width : frameHeight;
  const shrink = meta.format === 'jpeg' ? jpegShrink(width) : 1;
  // libvips takes a JPEG's load-time scale only as file-name options, so a shrunk decode needs a
  // file: a temporary one, named by us (never by the upload), removed in every case.
  const file = shrink > 1 ? join(scratchDir, `strobe-decode-${randomUUID()}.jpg`) : undefined;
  if (file) {
    try {
      await writeFile(file, input);
    } catch (err) {
      // A full disk is the machine's problem, not the image's: thrown as it is, with nothing left behind.
      await rm(file, { force: true });
      throw err;
    }
  }
  // `limitInputPixels` guards the decoder; the header check refuses a bomb before any decoding.
  const decode = () => sharp(file ? `${file}[shrink=${shrink}]` : input, { limitInputPixels: MAX_PIXELS, failOn: 'truncated', pages: 1 });

  try {
    // Decode once, at display size, and make every variant from those pixels. Output carries no
    // metadata: sharp drops EXIF, XMP, ICC and GPS unless asked.
    const display = await decode()
      .rotate()
      .resize({ width: DISPLAY_WIDTH, withoutEnlargement: true })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    const fromDisplay = () => sharp(display.data, { raw: display.info });
    const [displayWebp, thumbWebp, placeholder] = await Promise.all([
      fromDisplay().webp(WEBP).toBuffer({ resolveWithObject: true }),
      fromDisplay().resize({ width: THUMB_WIDTH, withoutEnlargement: true }).webp(WEBP).toBuffer({ resolveWithObject: true }),
      thumbhashOf(fromDisplay()),
    ]);
    return {
      width,
      height,
      display: { data: displayWebp.data, width: displayWebp.info.width, height: displayWebp.info.height },
      thumb: { data: thumbWebp.data, width: thumbWebp.info.width, height: thumbWebp.info.height },
      placeholder,
      gps: gpsOf(meta.exif),
    };
  } catch (err) {
    if (err instanceof ImageRejected) throw err;
    if (err instanceof Error && /pixel limit/i.test(err.message)) {
      throw new ImageRejected('TOO_MANY_PIXELS', `Images are at most ${MAX_PIXELS / 1_000_000} megapixels.`);
    }
    throw new ImageRejected('UNREADABLE_IMAGE', 'The image is damaged or truncated.');
  } finally {
    if (file) await rm(file, { force: true });
  }
}

/**
 * The JPEG decode scale (libjpeg's DCT scaling: 1/2, 1/4 or 1/8 of the work): the smallest that
 * still leaves at least the display width, as ImageMagick's `jpeg:size` picks it. sharp scales on
 * load only from a 3× reduction (it avoids libjpeg's rounding at exactly 2×), so a phone photo going
 * from 3000 to 1080 px (2.8×) would otherwise be decoded in full: 150 ms instead of 90 here.
 */
export function jpegShrink(orientedWidth: number): 1 | 2 | 4 | 8 {
  for (const s of [8, 4, 2] as const) if (Math.floor(orientedWidth / s) >= DISPLAY_WIDTH) return s;
  return 1;
}

/** The thumbhash of a stored variant (for a resizer that sent none). */
export async function placeholderOf(body: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return thumbhashOf(sharp(Buffer.concat(chunks), { limitInputPixels: MAX_PIXELS }));
}

async function thumbhashOf(img: Sharp): Promise<string> {
  const { data, info } = await img.resize(100, 100, { fit: 'inside' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return Buffer.from(rgbaToThumbHash(info.width, info.height, data)).toString('base64');
}

/** Decimal degrees from EXIF GPS, or null when absent or nonsense. */
export function gpsOf(exif: Buffer | undefined): { lat: number; lon: number } | null {
  if (!exif) return null;
  try {
    const gps = exifReader(exif).GPSInfo;
    if (!gps?.GPSLatitude || !gps.GPSLongitude) return null;
    const deg = (v: number[]) => (v[0] ?? 0) + (v[1] ?? 0) / 60 + (v[2] ?? 0) / 3600;
    const lat = deg(gps.GPSLatitude) * (gps.GPSLatitudeRef === 'S' ? -1 : 1);
    const lon = deg(gps.GPSLongitude) * (gps.GPSLongitudeRef === 'W' ? -1 : 1);
    if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
    return { lat, lon };
  } catch {
    return null;
  }
}

/** Avatar sizes: 64 px for lists and chat, 256 px for profiles. */
export const AVATAR_SIZES = { small: 64, large: 256 } as const;

/**
 * An avatar from an upload: auto-oriented, centre-cropped to a square, at both sizes, WebP without
 * metadata. The header check refuses a bomb first; sharp shrinks JPEGs on load for so large a
 * reduction, so a 12 MP photo is never decoded in full.
 */
export async function processAvatar(input: Buffer): Promise<{ small: Buffer; large: Buffer }> {
  await readHeader(input);
  try {
    const large = await sharp(input, { limitInputPixels: MAX_PIXELS, failOn: 'truncated', pages: 1 })
      .rotate()
      .resize(AVATAR_SIZES.large, AVATAR_SIZES.large, { fit: 'cover', position: 'centre' })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    const fromLarge = () => sharp(large.data, { raw: large.info });
    const [largeWebp, smallWebp] = await Promise.all([
      fromLarge().webp(WEBP).toBuffer(),
      fromLarge().resize(AVATAR_SIZES.small, AVATAR_SIZES.small).webp(WEBP).toBuffer(),
    ]);
    return { small: smallWebp, large: largeWebp };
  } catch (err) {
    if (err instanceof Error && /pixel limit/i.test(err.message)) {
      throw new ImageRejected('TOO_MANY_PIXELS', `Images are at most ${MAX_PIXELS / 1_000_000} megapixels.`);
    }
    throw new ImageRejected('UNREADABLE_IMAGE', 'The image is damaged or truncated.');
  }
}
