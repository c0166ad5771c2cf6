/// <reference types="vitest/config" />
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    target: 'es2022',
    outDir: 'dist',
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      input: { main: 'index.html', fixtures: 'fixtures/check.html', bench: 'bench/browser.html' },
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
