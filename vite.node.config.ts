// Bundles one Node entry point (trainer, gradcheck, benchmarks) into ONE file, dist-node/<name>.js,
// that imports only `webgpu` and node:* — with the same engine code and WGSL imports as the page.
// ENTRY=src/cli/train.ts vite build -c vite.node.config.ts; scripts/build-node.mjs builds them all.
import { basename } from 'node:path';
import { defineConfig } from 'vite';

const entry = process.env.ENTRY ?? 'src/cli/train.ts';

export default defineConfig({
  publicDir: false,
  build: {
    ssr: entry,
    outDir: 'dist-node',
    emptyOutDir: false,
    target: 'node20',
    minify: false,
    rollupOptions: {
      output: { format: 'es', entryFileNames: `${basename(entry, '.ts')}.js`, codeSplitting: false },
    },
  },
  ssr: { external: ['webgpu'], noExternal: true },
});
