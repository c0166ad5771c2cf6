// Bundles the Node entry points (trainer, gradcheck, benchmarks) with the same engine code and
// WGSL imports as the page. Output: dist-node/<name>.js, importing only `webgpu` and node:*.
import { readdirSync } from 'node:fs';
import { defineConfig } from 'vite';

const entries = Object.fromEntries(
  readdirSync('src/cli')
    .filter((f) => f.endsWith('.ts'))
    .map((f) => [f.replace(/\.ts$/, ''), `src/cli/${f}`]),
);

export default defineConfig({
  build: {
    ssr: true,
    outDir: 'dist-node',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    rollupOptions: {
      input: entries,
      output: { format: 'es', entryFileNames: '[name].js' },
    },
  },
  ssr: { external: ['webgpu'] },
});
