import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// Served by `parley start` at /app; `npm run dev -w @parley/web` proxies the API to it.
export default defineConfig({
  base: '/app/',
  plugins: [react(), tailwindcss()],
  build: {
    outDir: 'dist',
    sourcemap: true,
    chunkSizeWarningLimit: 800,
    // Two pages: the agent app, and the customer portal (served at /portal/<slug>/…).
    rolldownOptions: {
      input: {
        app: resolve(import.meta.dirname, 'index.html'),
        portal: resolve(import.meta.dirname, 'portal.html'),
      },
    },
  },
  server: {
    // ws: the realtime socket (/api/v1/realtime) goes through the same proxy.
    proxy: { '/api': { target: process.env.PARLEY_URL ?? 'http://localhost:3000', ws: true } },
  },
});
