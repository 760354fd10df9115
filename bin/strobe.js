#!/usr/bin/env node
// The package's command. It runs the compiled server, so a fresh clone builds first (npm install runs the build).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/server/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('strobe: the server is not built yet. Run `npm run build` (npm install does it too).');
  process.exit(1);
}
await import(entry.href);
