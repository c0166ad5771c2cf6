#!/usr/bin/env node
// npm run bench:browser [-- --model s5 --batch 128 --steps 5 --warmup 2 --json FILE]
//   [--only ours|tfjs] [--tuning gpu|cpu|defaults] [--profile 1]
// Serves the built page (vite preview), opens bench/browser.html in headless Chromium with WebGPU,
// and prints ours vs TensorFlow.js-WebGPU training the same model on the same adapter (SwiftShader on a machine without a GPU).
import { execSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { chromium } from '@playwright/test';
import { preview } from 'vite';

const arg = (n, d) => {
  const i = process.argv.indexOf(`--${n}`);
  return i >= 0 ? process.argv[i + 1] : d;
};
const server = await preview({ preview: { port: 4174, strictPort: true }, logLevel: 'warn' });
const executablePath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const browser = await chromium.launch({ executablePath, args: ['--enable-unsafe-webgpu'] });
try {
  const page = await browser.newPage();
  const q = new URLSearchParams({ batch: arg('batch', '128'), steps: arg('steps', '5'), warmup: arg('warmup', '2') });
  for (const k of ['only', 'tuning', 'profile']) if (arg(k, '')) q.set(k, arg(k, ''));
  // A model-cell preset id, or its file (src/models/s5.json).
  if (arg('model', ''))
    q.set(
      'model',
      arg('model', '')
        .replace(/^.*\//, '')
        .replace(/\.json$/, ''),
    );
  await page.goto(`http://localhost:4174/bench/browser.html?${q}`);
  await page.waitForFunction(() => window.__bench !== undefined, undefined, { timeout: 1_800_000 });
  const r = await page.evaluate(() => window.__bench);
  if (r.error) throw new Error(r.error);
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD').toString().trim();
  } catch {
    /* not a git checkout: the commit stays unknown */
  }
  const machine = `${cpus().length} CPU cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${process.platform}`;
  const result = { ...r, machine, commit, date: new Date().toISOString() };
  console.log(JSON.stringify(result, null, 2));
  const json = arg('json', '');
  if (json) writeFileSync(json, JSON.stringify(result, null, 2) + '\n');
} finally {
  await browser.close();
  server.httpServer.close();
}
