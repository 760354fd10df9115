// The backup archive: one tar for both modes. In order:
//
//   strobe-backup.json          the header: format, versions, mode (read first, so a wrong file is refused at once)
//   blobs/<store>/<key>         the photo files the snapshot refers to (absent with --s3-listing)
//   secrets/session-secret      embedded mode's generated session secret (it seals ingest and webhook secrets)
//   tables/<table>.ndjson       one JSON object per row, from one REPEATABLE READ snapshot
//   manifest.json               what the archive must hold: every entry's size and SHA-256, row counts,
//                               sequences, the blobs the snapshot refers to (written last: it is known last)
//
// Nothing in an archive is trusted: names are matched against fixed patterns, blob keys against the
// content-address pattern, table names against the target's own catalog, and every byte against
// the manifest's checksums before the target is touched.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isBlobKey } from '../../ports/blobs.js';

export const FORMAT = 'strobe-backup';
export const FORMAT_VERSION = 1;
export const HEADER_ENTRY = 'strobe-backup.json';
export const MANIFEST_ENTRY = 'manifest.json';
export const SECRET_ENTRY = 'secrets/session-secret';

export type StoreName = 'media' | 'uploads';

export interface Header {
  format: typeof FORMAT;
  formatVersion: number;
  strobeVersion: string;
  /** The last migration applied to the database the backup was taken from. */
  schemaVersion: number;
  /** Every migration applied there: a restore applies exactly these before loading rows. */
  migrations: number[];
  mode: 'embedded' | 'cluster';
  /** `listing`: the blobs are named (with sizes) but not included: the bucket is backed up on its own. */
  files: 'included' | 'listing';
  createdAt: string;
}

export interface TableEntry {
  name: string;
  columns: string[];
  rows: number;
  bytes: number;
  sha256: string;
}

export interface BlobEntry {
  store: StoreName;
  key: string;
  size: number;
  /** Absent in a listing: the bytes were not read. */
  sha256?: string;
}

export interface Manifest extends Header {
  /** When the snapshot that the tables hold was taken. */
  snapshotAt: string;
  tables: TableEntry[];
  /** Identity and serial sequences as the snapshot saw them, so restored ids are never handed out again. */
  sequences: { table: string; column: string; value: string }[];
  blobs: BlobEntry[];
  /** Referenced by the snapshot but absent from the store when it was read (a damaged store). */
  missingBlobs: { store: StoreName; key: string }[];
  /** The session secret file, when the archive holds one. */
  secret?: { bytes: number; sha256: string };
  /** An HMAC of the SESSION_SECRET in use, to tell a restore whether sealed secrets will open. */
  secretFingerprint: string | null;
}

export class BackupFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupFormatError';
  }
}

const TABLE_ENTRY = /^tables\/([a-z_][a-z0-9_]{0,62})\.ndjson$/;
const BLOB_ENTRY = /^blobs\/(media|uploads)\/([^/]+)$/;

export type EntryName = { kind: 'header' } | { kind: 'manifest' } | { kind: 'secret' } | { kind: 'table'; table: string } | { kind: 'blob'; store: StoreName; key: string };

/** What an archive entry's name means, or null for a name no Strobe backup has. */
export function parseEntryName(name: string): EntryName | null {
  if (name === HEADER_ENTRY) return { kind: 'header' };
  if (name === MANIFEST_ENTRY) return { kind: 'manifest' };
  if (name === SECRET_ENTRY) return { kind: 'secret' };
  const table = TABLE_ENTRY.exec(name);
  if (table) return { kind: 'table', table: table[1]! };
  const blob = BLOB_ENTRY.exec(name);
  if (blob && isBlobKey(blob[2])) return { kind: 'blob', store: blob[1] as StoreName, key: blob[2] };
  return null;
}

export const tableEntryName = (table: string) => `tables/${table}.ndjson`;
export const blobEntryName = (store: StoreName, key: string) => `blobs/${store}/${key}`;

/** Checks an untrusted header: a wrong file, a newer format or a newer schema are refused with a reason. */
export function checkHeader(value: unknown, knownMigrations: readonly number[]): Header {
  const h = value as Partial<Header> | null;
  if (!h || typeof h !== 'object' || h.format !== FORMAT) throw new BackupFormatError('this is not a Strobe backup (its first entry is not a Strobe backup header)');
  if (h.formatVersion !== FORMAT_VERSION) {
    throw new BackupFormatError(`the backup has format version ${String(h.formatVersion)}, and this Strobe reads version ${FORMAT_VERSION}: restore it with the Strobe version that wrote it (${String(h.strobeVersion)})`);
  }
  const latest = Math.max(...knownMigrations);
  if (!Number.isInteger(h.schemaVersion) || !Array.isArray(h.migrations) || !h.migrations.every((v) => Number.isInteger(v))) {
    throw new BackupFormatError('the backup header has no valid schema version');
  }
  if (h.schemaVersion! > latest || h.migrations.some((v) => !knownMigrations.includes(v))) {
    throw new BackupFormatError(
      `the backup's database schema (version ${h.schemaVersion}, from Strobe ${String(h.strobeVersion)}) is newer than this Strobe knows (version ${latest}): restore it with Strobe ${String(h.strobeVersion)} or later`,
    );
  }
  if (h.mode !== 'embedded' && h.mode !== 'cluster') throw new BackupFormatError('the backup header names no mode');
  if (h.files !== 'included' && h.files !== 'listing') throw new BackupFormatError('the backup header does not say whether it holds the photo files');
  return h as Header;
}

/** Checks the shape of an untrusted manifest (its contents are checked against the entries later). */
export function checkManifest(value: unknown, header: Header): Manifest {
  const m = value as Partial<Manifest> | null;
  const bad = (what: string) => new BackupFormatError(`the backup's manifest is damaged: ${what}`);
  if (!m || typeof m !== 'object') throw bad('not an object');
  for (const k of ['format', 'formatVersion', 'schemaVersion', 'mode', 'files'] as const) {
    if (JSON.stringify(m[k]) !== JSON.stringify(header[k])) throw bad(`its ${k} differs from the header's`);
  }
  if (!Array.isArray(m.tables) || !m.tables.every((t) => t && typeof t.name === 'string' && TABLE_ENTRY.test(tableEntryName(t.name)) && Array.isArray(t.columns) && t.columns.every((c) => typeof c === 'string') && Number.isInteger(t.rows) && Number.isInteger(t.bytes) && typeof t.sha256 === 'string')) {
    throw bad('its table list');
  }
  if (!Array.isArray(m.blobs) || !m.blobs.every((b) => b && (b.store === 'media' || b.store === 'uploads') && isBlobKey(b.key) && Number.isInteger(b.size) && (b.sha256 === undefined || typeof b.sha256 === 'string'))) {
    throw bad('its blob list');
  }
  if (!Array.isArray(m.sequences) || !m.sequences.every((s) => s && typeof s.table === 'string' && typeof s.column === 'string' && /^-?\d+$/.test(String(s.value)))) throw bad('its sequences');
  if (!Array.isArray(m.missingBlobs)) throw bad('its missing blob list');
  return m as Manifest;
}

/** Reveals nothing of the secret; equal fingerprints mean secrets sealed under one open under the other. */
export function secretFingerprint(secret: string | undefined): string | null {
  return secret ? createHmac('sha256', secret).update('strobe-backup secret fingerprint').digest('hex').slice(0, 16) : null;
}

let version: string | undefined;

/** This Strobe's version, from package.json (src/ and dist/ both sit one level below it). */
export function strobeVersion(): string {
  version ??= (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return version;
}
