import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Served by `parley start` at /app; `npm run dev -w @parley/web` proxies the API to it.
export default defineConfig({
  base: '/app/',
  plugins: [react(), tailwindcss()],
  build: { outDir: 'dist', sourcemap: true, chunkSizeWarningLimit: 800 },
  server: {
    // ws: the realtime socket (/api/v1/realtime) goes through the same proxy.
    proxy: { '/api': { target: process.env.PARLEY_URL ?? 'http://localhost:3000', ws: true } },
  },
});
