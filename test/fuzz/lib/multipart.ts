// Multipart bodies for the upload route, built by hand so they can be wrong in every way a browser
// never is: random bytes, cut-off images, text named .jpg, empty files, extra and duplicate parts,
// missing headers, a bad boundary, a body that stops in the middle.
import fc from 'fast-check';
import sharp from 'sharp';
import { makeGif, makeJpeg, makePng, pngClaiming } from '../../helpers/images.js';
import { Pick, resolve, type Pools } from './pools.js';
import { headerText, nastyString, poisoned } from './values.js';

/** Real images, made once per run. */
export interface Samples {
  jpeg: Buffer;
  png: Buffer;
  gif: Buffer;
  webp: Buffer;
  bomb: Buffer;
}

export type SampleName = 'jpeg' | 'png' | 'gif' | 'webp';

export async function makeSamples(): Promise<Samples> {
  const jpeg = await makeJpeg({ width: 96, height: 64, gps: { lat: 48.8566, lon: 2.3522 } });
  return {
    jpeg,
    png: await makePng(40, 30),
    gif: await makeGif(24, 24),
    webp: await sharp(jpeg).webp({ quality: 50 }).toBuffer(),
    bomb: pngClaiming(100_000, 100_000),
  };
}

export type FileContent =
  | { kind: 'valid'; sample: SampleName }
  | { kind: 'truncated'; sample: SampleName; fraction: number }
  | { kind: 'corrupt'; sample: SampleName; flips: [number, number][] }
  | { kind: 'random'; bytes: Uint8Array }
  | { kind: 'magic'; magic: 'jpeg' | 'png' | 'gif' | 'webp' | 'avif'; tail: Uint8Array }
  | { kind: 'text'; text: string }
  | { kind: 'empty' }
  | { kind: 'bomb' };

const MAGIC: Record<string, Buffer> = {
  jpeg: Buffer.from([0xff, 0xd8, 0xff]),
  png: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  gif: Buffer.from('GIF89a', 'latin1'),
  webp: Buffer.from('RIFF\u0010\u0000\u0000\u0000WEBPVP8 ', 'latin1'),
  avif: Buffer.from('\u0000\u0000\u0000\u001cftypavif', 'latin1'),
};

export function fileBytes(c: FileContent, samples: Samples): Buffer {
  switch (c.kind) {
    case 'valid':
      return samples[c.sample];
    case 'truncated': {
      const s = samples[c.sample];
      return s.subarray(0, Math.max(1, Math.floor(s.length * c.fraction)));
    }
    case 'corrupt': {
      const s = Buffer.from(samples[c.sample]);
      for (const [at, byte] of c.flips) s[Math.floor(at * (s.length - 1))] = byte;
      return s;
    }
    case 'random':
      return Buffer.from(c.bytes);
    case 'magic':
      return Buffer.concat([MAGIC[c.magic]!, Buffer.from(c.tail)]);
    case 'text':
      return Buffer.from(c.text, 'utf8');
    case 'empty':
      return Buffer.alloc(0);
    case 'bomb':
      return samples.bomb;
  }
}

const alnum = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789');

const sample = fc.constantFrom<SampleName>('jpeg', 'png', 'gif', 'webp');

export const fileContent: fc.Arbitrary<FileContent> = fc.oneof(
  { weight: 3, arbitrary: sample.map((s) => ({ kind: 'valid' as const, sample: s })) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('truncated' as const), sample, fraction: fc.double({ min: 0.001, max: 0.999, noNaN: true }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('corrupt' as const),
      sample,
      flips: fc.array(fc.tuple(fc.double({ min: 0.05, max: 1, noNaN: true }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('random' as const), bytes: fc.uint8Array({ maxLength: 3000 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('magic' as const),
      magic: fc.constantFrom('jpeg' as const, 'png' as const, 'gif' as const, 'webp' as const, 'avif' as const),
      tail: fc.uint8Array({ maxLength: 200 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('text' as const), text: fc.oneof(nastyString(), fc.constant('hello, this is not a photo\n')) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'empty' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'bomb' as const }) },
);

export interface PartSpec {
  /** null: a part without a name in its Content-Disposition. */
  name: string | null;
  /** null: no filename (a field); a string: a file part. */
  filename: string | null;
  contentType: string | null;
  content: FileContent | string | Pick;
  /** Replaces the part's headers entirely when set. */
  rawHeaders?: string;
}

export type Corruption =
  | { kind: 'none' }
  | { kind: 'truncate'; fraction: number }
  | { kind: 'no-final-boundary' }
  | { kind: 'wrong-boundary' }
  | { kind: 'no-boundary-param' }
  | { kind: 'lf-only' }
  | { kind: 'preamble'; text: string }
  | { kind: 'quoted-boundary' };

export interface FormSpec {
  boundary: string;
  parts: PartSpec[];
  corruption: Corruption;
}

const filename = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('photo.jpg', 'photo.png', 'image.gif', 'a.webp', 'x.avif', 'notes.txt.jpg', 'no-extension') },
  { weight: 2, arbitrary: nastyString().map((s) => s.slice(0, 300)) },
  { weight: 1, arbitrary: fc.constantFrom('', '../../../etc/passwd.jpg', 'C:\\fakepath\\p.jpg', 'a"b.jpg', 'ünï©ødé.jpg', 'nul\u0000.jpg') },
);

const partType = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/avif') },
  { weight: 2, arbitrary: fc.constantFrom('text/plain', 'application/octet-stream', 'image/svg+xml', 'text/html; charset=utf-8', '') },
  { weight: 1, arbitrary: headerText(40) },
);

const filePart: fc.Arbitrary<PartSpec> = fc.record({
  name: fc.oneof({ weight: 9, arbitrary: fc.constant('file') }, { weight: 1, arbitrary: fc.constantFrom('File', 'photo', 'file[]', '', 'caption') }),
  filename: fc.oneof({ weight: 9, arbitrary: filename }, { weight: 1, arbitrary: fc.constant(null) }),
  contentType: fc.oneof({ weight: 8, arbitrary: partType }, { weight: 1, arbitrary: fc.constant(null) }),
  content: fileContent,
});

const captionValue = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 80, unit: 'grapheme' }) },
  { weight: 3, arbitrary: nastyString() },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(500), 'x'.repeat(501), '😀'.repeat(500), '😀'.repeat(501), ' '.repeat(600), 'a'.repeat(9000)) },
);

const cityValue = fc.oneof(
  { weight: 5, arbitrary: fc.nat().map((i) => new Pick('citySlug', i)) },
  { weight: 3, arbitrary: nastyString() },
  { weight: 1, arbitrary: fc.constantFrom('', 'paris', 'PARIS-FR', 'paris-fr ', 'atlantis-xx', 'a'.repeat(121)) },
);

const fieldPart = (name: string, value: fc.Arbitrary<string | Pick>): fc.Arbitrary<PartSpec> =>
  fc.record({
    name: fc.constant(name),
    filename: fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constant('field.txt') }),
    contentType: fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('text/plain; charset=utf-8', 'application/json') }),
    content: value,
  });

const strayPart: fc.Arbitrary<PartSpec> = fc.oneof(
  fieldPart('other', nastyString()),
  fc.record({
    name: fc.constant(null),
    filename: fc.constant(null),
    contentType: fc.constant(null),
    content: nastyString(),
  }),
  fc.record({
    name: fc.constant('x'),
    filename: fc.constant(null),
    contentType: fc.constant(null),
    content: fc.constant(''),
    rawHeaders: fc.oneof(fc.constant(''), fc.constant('Content-Type: text/plain'), headerText(80).map((h) => `X-Junk: ${h}`), fc.constant('Content-Disposition: form-data; name')),
  }),
);

const corruption: fc.Arbitrary<Corruption> = fc.oneof(
  { weight: 12, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('truncate' as const), fraction: fc.double({ min: 0, max: 0.999, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'no-final-boundary' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'wrong-boundary' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'no-boundary-param' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'lf-only' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('preamble' as const), text: headerText(40) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'quoted-boundary' as const }) },
);

const boundary = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: alnum, minLength: 16, maxLength: 40 }).map((s) => `----fuzz${s}`) },
  { weight: 1, arbitrary: fc.constantFrom('a', '-', 'x'.repeat(70), 'x'.repeat(200), 'b o u n d', 'q"uote') },
);

/** A well-formed upload of a real image, with plausible (sometimes poisoned) fields: reaches the pipeline. */
const goodForm: fc.Arbitrary<FormSpec> = fc.record({
  boundary: fc.string({ unit: alnum, minLength: 16, maxLength: 30 }).map((s) => `----fuzz${s}`),
  parts: fc
    .tuple(
      sample,
      fc.option(fieldPart('caption', fc.oneof(fc.string({ maxLength: 60, unit: 'grapheme' }), poisoned(fc.constantFrom('sunset', 'hello world', '')))), { freq: 2 }),
      fc.option(fieldPart('city', fc.oneof({ weight: 4, arbitrary: fc.nat().map((i) => new Pick('citySlug', i)) }, { weight: 1, arbitrary: poisoned(fc.constantFrom('paris-fr', 'london-gb')) })), { freq: 2 }),
    )
    .map(([kind, caption, city]) => [
      ...[caption, city].filter((p): p is PartSpec => p !== null),
      { name: 'file', filename: `photo.${kind === 'jpeg' ? 'jpg' : kind}`, contentType: `image/${kind}`, content: { kind: 'valid' as const, sample: kind } },
    ]),
  corruption: fc.constant({ kind: 'none' as const }),
});

/** Forms with a file, the fields, and sometimes strays; in any order, sometimes corrupted. */
const anyForm: fc.Arbitrary<FormSpec> = fc.record({
  boundary,
  parts: fc
    .tuple(
      fc.oneof({ weight: 8, arbitrary: fc.array(filePart, { minLength: 1, maxLength: 1 }) }, { weight: 1, arbitrary: fc.array(filePart, { maxLength: 3 }) }),
      fc.option(fieldPart('caption', captionValue), { freq: 2 }),
      fc.option(fieldPart('city', cityValue), { freq: 2 }),
      fc.oneof({ weight: 6, arbitrary: fc.constant([] as PartSpec[]) }, { weight: 1, arbitrary: fc.array(strayPart, { minLength: 1, maxLength: 14 }) }),
      fc.boolean(),
    )
    .map(([files, caption, city, strays, fieldsFirst]) => {
      const fields = [caption, city].filter((p): p is PartSpec => p !== null);
      return [...(fieldsFirst ? fields : []), ...files, ...(fieldsFirst ? [] : fields), ...strays];
    }),
  corruption,
});

/** A good form with one thing wrong: the file, its part's headers, a field, the structure, or strays. */
const oneOffForm: fc.Arbitrary<FormSpec> = fc
  .tuple(
    goodForm,
    fc.oneof(
      fileContent.map((content) => (f: FormSpec) => ({ ...f, parts: f.parts.map((p) => (p.name === 'file' ? { ...p, content } : p)) })),
      filePart.map((part) => (f: FormSpec) => ({ ...f, parts: f.parts.map((p) => (p.name === 'file' ? { ...part, content: p.content } : p)) })),
      fieldPart('caption', captionValue).map((part) => (f: FormSpec) => ({ ...f, parts: [part, ...f.parts.filter((p) => p.name !== 'caption')] })),
      fieldPart('city', cityValue).map((part) => (f: FormSpec) => ({ ...f, parts: [part, ...f.parts.filter((p) => p.name !== 'city')] })),
      corruption.map((c) => (f: FormSpec) => ({ ...f, corruption: c })),
      fc.array(strayPart, { minLength: 1, maxLength: 14 }).map((strays) => (f: FormSpec) => ({ ...f, parts: [...f.parts, ...strays] })),
      filePart.map((extra) => (f: FormSpec) => ({ ...f, parts: [...f.parts, extra] })),
      fc.constant((f: FormSpec) => ({ ...f, parts: f.parts.filter((p) => p.name !== 'file') })),
    ),
  )
  .map(([form, mutate]) => mutate(form));

export const formSpec: fc.Arbitrary<FormSpec> = fc.oneof({ weight: 2, arbitrary: goodForm }, { weight: 4, arbitrary: oneOffForm }, { weight: 2, arbitrary: anyForm });

/** The bytes and Content-Type of a form, with its picks resolved. */
export function buildForm(form: FormSpec, pools: Pools, samples: Samples): { body: Buffer; contentType: string; described: string } {
  const eol = form.corruption.kind === 'lf-only' ? '\n' : '\r\n';
  const chunks: Buffer[] = [];
  const described: string[] = [];
  if (form.corruption.kind === 'preamble') chunks.push(Buffer.from(`${form.corruption.text}${eol}`, 'latin1'));
  const delimiter = form.corruption.kind === 'wrong-boundary' ? `${form.boundary}x` : form.boundary;
  for (const part of form.parts) {
    let data: Buffer;
    if (typeof part.content === 'string' || part.content instanceof Pick) {
      const value = String(resolve(part.content, pools));
      data = Buffer.from(value, 'utf8');
      described.push(`${part.name ?? '(no name)'}=${JSON.stringify(value.slice(0, 60))}${value.length > 60 ? `…(${value.length})` : ''}`);
    } else {
      data = fileBytes(part.content, samples);
      described.push(`${part.name ?? '(no name)'}:${describeFile(part.content)} (${data.length} B, ${JSON.stringify(part.filename)}, ${JSON.stringify(part.contentType)})`);
    }
    let headers: string;
    if (part.rawHeaders !== undefined) headers = part.rawHeaders ? `${part.rawHeaders}${eol}` : '';
    else {
      const disposition = ['form-data'];
      if (part.name !== null) disposition.push(`name="${part.name}"`);
      if (part.filename !== null) disposition.push(`filename="${part.filename}"`);
      headers = `Content-Disposition: ${disposition.join('; ')}${eol}`;
      if (part.contentType !== null) headers += `Content-Type: ${part.contentType}${eol}`;
    }
    chunks.push(Buffer.from(`--${delimiter}${eol}`, 'latin1'), Buffer.from(`${headers}${eol}`, 'utf8'), data, Buffer.from(eol, 'latin1'));
  }
  if (form.corruption.kind !== 'no-final-boundary') chunks.push(Buffer.from(`--${delimiter}--${eol}`, 'latin1'));
  let body = Buffer.concat(chunks);
  if (form.corruption.kind === 'truncate') body = body.subarray(0, Math.floor(body.length * form.corruption.fraction));
  const contentType =
    form.corruption.kind === 'no-boundary-param'
      ? 'multipart/form-data'
      : form.corruption.kind === 'quoted-boundary'
        ? `multipart/form-data; boundary="${form.boundary}"`
        : `multipart/form-data; boundary=${form.boundary}`;
  return { body, contentType, described: `${form.corruption.kind} form [${described.join(', ')}]` };
}

function describeFile(c: FileContent): string {
  switch (c.kind) {
    case 'valid':
      return `valid ${c.sample}`;
    case 'truncated':
      return `${c.sample} cut at ${(c.fraction * 100).toFixed(1)}%`;
    case 'corrupt':
      return `${c.sample} with ${c.flips.length} bytes changed`;
    case 'random':
      return 'random bytes';
    case 'magic':
      return `${c.magic} magic + junk`;
    case 'text':
      return 'text';
    case 'empty':
      return 'empty';
    case 'bomb':
      return 'PNG claiming 100000x100000';
  }
}
