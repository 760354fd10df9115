import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../../src/adapters/fs/blobs.js';
import { blobStoreContract } from '../contracts/blob-store.contract.js';

blobStoreContract('filesystem', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'strobe-blobs-'));
  return { store: new FsBlobStore(dir), dispose: async () => rmSync(dir, { recursive: true, force: true }) };
});
