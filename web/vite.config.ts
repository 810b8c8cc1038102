// Builds the dashboard into web/dist/, which the server serves as static files at `/`.
// In development (`npx vite --config web/vite.config.ts`) the API, the hub and the health checks
// are proxied to a running server, by default http://localhost:8080.
import { fileURLToPath } from 'node:url';

import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Not a TICKSTREAM_* name on purpose: the server refuses unknown TICKSTREAM_* variables.
const target = process.env.DASHBOARD_PROXY_TARGET ?? 'http://localhost:8080';
const proxy = {
  '/api': { target },
  '/health': { target },
  '/ws': { target, ws: true },
};

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true },
  server: { proxy },
  preview: { proxy },
});
