#!/usr/bin/env node
// Screenshots of both notebook sections, after their cells have run, at 1280×800 and 800×1000,
// light and dark (the toy from its top, MNIST from its train cell), the inside-the-CNN cells, and
// the runs table with two runs overlaid (1280 and 420 wide) and the shortcut list,
// into docs/screenshots/ (what the README shows). Needs a build (`npm run build`)
// and Chromium with WebGPU (the system's, as in playwright.config.ts, or Playwright's own).
//   npm run screenshots              (all of them)
//   node scripts/screenshots.mjs runs   (only the runs table, after a build)
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

/** The viewport at each size and scheme, scrolled so that `top` (a cell) is at the top, if given. */
async function shoot(page, section, top) {
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const s of sizes) {
      await page.setViewportSize({ width: s.width, height: s.height });
      await page.waitForTimeout(400); // charts resize and recolour on the next frame
      if (top) await page.locator(top).evaluate((el) => el.scrollIntoView({ block: 'start' }));
      else await page.evaluate(() => scrollTo(0, 0));
      await page.waitForTimeout(200);
      const file = `${out}/${section}-${s.name}-${scheme}.png`;
      await page.screenshot({ path: file });
      console.log(`wrote ${file}`);
    }
  }
}

/** Two short real runs (different learning rates), kept, both ticked for the overlay; cell 12 and the "?" list. */
async function runsShots() {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${base}/?section=mnist&trainLimit=512&testLimit=500&epochs=3&batch=64`);
  const done = () => page.locator('mnist-section nb-cell[index="5"]').getByTestId('cell-status').filter({ hasText: 'done' }).waitFor({ timeout: 600_000 });
  for (const [lr, name] of [
    ['0.1', 'max lr 0.1'],
    ['0.02', 'max lr 0.02'],
  ]) {
    const n = await page.getByTestId('runs-row').count();
    await page.getByTestId('mnist-lr').fill(lr);
    await page.getByTestId('mnist-run').click();
    await page.waitForTimeout(500);
    await done();
    const row = page.getByTestId('runs-row').nth(n); // kept just after the cell says done
    await row.waitFor({ timeout: 60_000 });
    await row.getByTestId('runs-name').fill(name);
    await row.getByTestId('runs-name').press('Tab');
    await page.waitForTimeout(300);
  }
  for (const i of [0, 1]) await page.getByTestId('runs-row').nth(i).getByTestId('runs-pick').check();
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const width of [1280, 420]) {
      await page.setViewportSize({ width, height: 900 });
      await page.waitForTimeout(500);
      const file = `${out}/runs-${width}-${scheme}.png`;
      await page.locator('mnist-section nb-cell[index="12"]').screenshot({ path: file });
      console.log(`wrote ${file}`);
    }
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.getByTestId('shortcuts').click();
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${out}/shortcuts-1280-light.png` });
  console.log(`wrote ${out}/shortcuts-1280-light.png`);
  await page.close();
}

try {
  if (process.argv[2] === 'runs') {
    await runsShots();
    await browser.close();
    server.httpServer.close();
    process.exit(0);
  }
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
  await page.locator('draw-pad').evaluate((el) =>
    el.stroke([
      [150, 40],
      [150, 240],
    ]),
  );
  // Inside the CNN: a digit through every layer, the kernels, the conv-backprop cell.
  await page.getByTestId('inside-image').fill('3');
  await page.getByTestId('inside-image').dispatchEvent('change');
  await page.getByTestId('inside-summary').waitFor({ timeout: 60_000 });
  await page.locator('mnist-section nb-cell[index="9"]').getByTestId('cell-run').click();
  await page.getByTestId('weights-step').waitFor({ timeout: 60_000 });
  await shoot(page, 'mnist', 'mnist-section nb-cell[index="5"]');
  await page.setViewportSize({ width: 1280, height: 800 });
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForTimeout(400);
    for (const [n, name] of [
      [8, 'inside'],
      [10, 'dynamics'],
      [11, 'conv-backprop'],
    ]) {
      const file = `${out}/${name}-1280-${scheme}.png`;
      await page.locator(`mnist-section nb-cell[index="${n}"]`).screenshot({ path: file });
      console.log(`wrote ${file}`);
    }
  }
  await runsShots();
} finally {
  await browser.close();
  server.httpServer.close();
}
