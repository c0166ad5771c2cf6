#!/usr/bin/env node
// Builds every src/cli/*.ts into a single-file dist-node/<name>.js (see vite.node.config.ts).
import { readdirSync, rmSync } from 'node:fs';
import { build } from 'vite';

rmSync('dist-node', { recursive: true, force: true });
for (const f of readdirSync('src/cli').filter((f) => f.endsWith('.ts'))) {
  process.env.ENTRY = `src/cli/${f}`;
  await build({ configFile: 'vite.node.config.ts', logLevel: 'warn' });
}
