import { defineConfig } from 'vite';

// One self-contained script (IIFE) for host pages: `<script src=".../widget.js" data-parley-key="pk_…" async>`.
export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    target: 'es2020',
    sourcemap: true,
    lib: {
      entry: 'src/main.tsx',
      formats: ['iife'],
      name: 'ParleyWidget',
      fileName: () => 'widget.js',
    },
  },
});
