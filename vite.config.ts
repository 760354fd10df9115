import { defineConfig } from 'vite';

// The browser app lives in web/ and builds to dist/web, which the server serves.
// During `npm run dev:web`, API and socket traffic goes to a server on :3000.
export default defineConfig({
  root: 'web',
  build: { outDir: '../dist/web', emptyOutDir: true, sourcemap: true },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:3000',
      '/media': 'http://127.0.0.1:3000',
      '/socket.io': { target: 'http://127.0.0.1:3000', ws: true },
    },
  },
});
