#!/usr/bin/env node
// Screenshots of both notebook sections, after their cells have run, at 1280×800 and 800 wide,
// light and dark, into docs/screenshots/ (what the README shows). Needs a build (`npm run build`)
// and Chromium with WebGPU (the system's, as in playwright.config.ts, or Playwright's own).
//   npm run screenshots
import { existsSync, mkdirSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { preview } from 'vite';

const out = 'docs/screenshots';
mkdirSync(out, { recursive: true });
const server = await preview({ preview: { port: 4175, strictPort: true }, logLevel: 'warn' });
const base = 'http://localhost:4175';
const executablePath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const browser = await chromium.launch({ executablePath, args: ['--enable-unsafe-webgpu'] });
const sizes = [
  { name: '1280', width: 1280, height: 800 },
  { name: '800', width: 800, height: 1000 },
];

async function shoot(page, section) {
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const s of sizes) {
      await page.setViewportSize({ width: s.width, height: s.height });
      await page.waitForTimeout(400); // charts resize and recolour on the next frame
      const file = `${out}/${section}-${s.name}-${scheme}.png`;
      await page.screenshot({ path: file, fullPage: true });
      console.log(`wrote ${file}`);
    }
  }
}

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  // Backprop by hand: every cell run, a few hundred iterations trained.
  await page.goto(`${base}/?section=toy`);
  await page.getByTestId('run-all').click();
  await page.waitForTimeout(500);
  await page.getByTestId('run-all').filter({ hasText: 'Run all' }).waitFor({ timeout: 120_000 });
  await shoot(page, 'toy');
  // MNIST: a short run (a software adapter would take hours for the full one), then the look inside.
  await page.goto(`${base}/?section=mnist&trainLimit=2048&testLimit=1000&epochs=3&batch=64`);
  await page.getByTestId('run-all').click();
  await page.locator('mnist-section nb-cell[index="7"]').getByTestId('cell-status').filter({ hasText: 'done' }).waitFor({ timeout: 600_000 });
  await page.getByTestId('draw-canvas').scrollIntoViewIfNeeded();
  await page.locator('draw-pad').evaluate((el) => el.stroke([[150, 40], [150, 240]]));
  await shoot(page, 'mnist');
} finally {
  await browser.close();
  server.httpServer.close();
}
