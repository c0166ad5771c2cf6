/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { serviceWorkerManifest } from './scripts/sw-plugin.ts';

export default defineConfig({
  // Relative URLs: the built site works from any sub-path (a project page on a static host).
  base: './',
  plugins: [serviceWorkerManifest()],
  build: {
    target: 'es2022',
    outDir: 'dist',
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      input: { main: 'index.html', fixtures: 'fixtures/check.html', bench: 'bench/browser.html', sw: 'src/app/sw.ts' },
      // The service worker keeps a fixed name beside index.html: its scope is the site's folder.
      output: { entryFileNames: (c) => (c.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js') },
    },
  },
  worker: { format: 'es' },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // One Dawn device per test file; WebGPU on a CPU (lavapipe/SwiftShader) is slow.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
