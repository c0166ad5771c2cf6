#!/usr/bin/env node
// Screenshots of both notebook sections, after their cells have run, at 1280×800 and 800×1000,
// light and dark (the toy from its top, MNIST from its train cell), the inside-the-CNN cells, the
// runs table with two runs overlaid (1280 and 420 wide), the shortcut list and the epoch sliders
// (1280 and 420 wide), then the first-use
// views at 1280 and 420 wide (`--first-use`: only those; `runs`: only the runs table), into
// docs/screenshots/ (what the README shows). Needs a build (`npm run build`)
// and Chromium with WebGPU (the system's, as in playwright.config.ts, or Playwright's own).
//   npm run screenshots              (all of them)
//   node scripts/screenshots.mjs runs   (only the runs table, after a build)
//   node scripts/screenshots.mjs epochs (only the epoch sliders, after a build)
import { existsSync, mkdirSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { preview } from 'vite';

const out = 'docs/screenshots';
mkdirSync(out, { recursive: true });
// SHOT_PORT: another port when several checkouts take screenshots at once.
const port = Number(process.env.SHOT_PORT ?? 4175);
const server = await preview({ preview: { port, strictPort: true }, logLevel: 'warn' });
const base = `http://localhost:${port}`;
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

/**
 * The first-use views at 1280×800 and 420×800, light and dark, each with `locator` scrolled
 * to the top of the viewport (after `prepare`, run once per size and scheme), into
 * docs/screenshots/first-use-<name>-<size>-<scheme>.png.
 */
async function shootViews(page, views) {
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const s of [
      { name: '1280', width: 1280, height: 800 },
      { name: '420', width: 420, height: 800 },
    ]) {
      await page.setViewportSize({ width: s.width, height: s.height });
      await page.waitForTimeout(400);
      for (const v of views) {
        await page
          .locator(v.locator)
          .first()
          .evaluate((el) => el.scrollIntoView({ block: 'start' }));
        await page.evaluate(() => scrollTo(0, scrollY)); // at 420 px, what overflows does not shift the page sideways
        if (v.prepare) await v.prepare(page);
        await page.waitForTimeout(250);
        const file = `${out}/first-use-${v.name}-${s.name}-${scheme}.png`;
        await page.screenshot({ path: file });
        console.log(`wrote ${file}`);
      }
    }
  }
}

/** Issue 22: what a student sees on first use, after the fixes (one short MNIST run, the toy). */
async function firstUse(page) {
  const cell = (n) => `mnist-section nb-cell[index="${n}"]`;
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`${base}/?section=mnist&trainLimit=512&testLimit=256&epochs=1&batch=64`);
  await page.getByTestId('run-all').click();
  await page.locator(cell(7)).getByTestId('cell-status').filter({ hasText: 'done' }).waitFor({ timeout: 600_000 });
  await page.getByTestId('weights-step').waitFor({ timeout: 60_000 });
  await page.getByTestId('mnist-copy-link').click();
  await page.locator('[data-testid="weights-map-0.weight"] canvas.maps').click({ position: { x: 10, y: 38 } });
  await shootViews(page, [
    { name: 'summary-targets', locator: 'mnist-model-cell mnist-targets' },
    { name: 'run-targets', locator: '[data-testid="mnist-epoch-log"]' },
    { name: 'copy-link', locator: '[data-testid="mnist-run"]' },
    { name: 'plots', locator: cell(6) },
    { name: 'misclassified', locator: cell(7) },
    { name: 'inside', locator: cell(8) },
    { name: 'weights', locator: cell(9) },
    { name: 'conv-backprop', locator: cell(11) },
  ]);
  // The same run after a reload: restored, and saying so.
  await page.waitForTimeout(500);
  await page.goto(`${base}/?section=mnist`);
  await page.getByTestId('mnist-resume-banner').waitFor();
  await shootViews(page, [{ name: 'restored', locator: cell(5) }]);
  await page.getByTestId('mnist-discard').click();
  // The toy: the learning-rate cell with rates that overshoot; the table after float32 stops changing.
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`${base}/?section=toy&lr=20`);
  await page.getByTestId('toy-E_total').waitFor({ timeout: 60_000 });
  await page.getByTestId('toy-lr-overshoot').click();
  await page.getByTestId('toy-lr-3-to4').waitFor({ timeout: 120_000 });
  await page.getByTestId('toy-speed').fill('200');
  await page.getByTestId('toy-play').click();
  while (Number(await page.getByTestId('toy-iteration').getAttribute('data-value')) < 300) await page.waitForTimeout(500);
  await page.getByTestId('toy-pause').click();
  await shootViews(page, [
    { name: 'toy-lr', locator: 'toy-lr-cell' },
    { name: 'toy-table', locator: '[data-testid="toy-table-frozen"]' },
    // A factor of cell 3 hovered: its path lights on the diagram, which stays in view on a phone.
    { name: 'toy-factor', locator: 'toy-partials', prepare: (p) => p.locator('toy-partials .f').nth(0).hover() },
  ]);
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

/**
 * The epoch sliders after a 3-epoch run: cell 8 on test image 3 at epoch 1, cell 9 at epoch 1
 * with its change since epoch 0; 1280 and 420 wide, light and dark, each cell's top in view.
 */
async function epochShots() {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${base}/?section=mnist&trainLimit=512&testLimit=256&epochs=3&batch=64`);
  await page.getByTestId('mnist-run').click();
  await page.waitForTimeout(500);
  await page.locator('mnist-section nb-cell[index="5"]').getByTestId('cell-status').filter({ hasText: 'done' }).waitFor({ timeout: 600_000 });
  await page.getByTestId('inside-image').fill('3');
  await page.getByTestId('inside-image').dispatchEvent('change');
  await page.getByTestId('inside-summary').waitFor({ timeout: 60_000 });
  await page.locator('mnist-section nb-cell[index="9"]').getByTestId('cell-run').click();
  await page.getByTestId('weights-step').waitFor({ timeout: 60_000 });
  for (const id of ['inside-epoch', 'weights-epoch']) {
    await page.getByTestId(id).focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
  }
  await page.getByTestId('weights-step').filter({ hasText: 'after epoch 1' }).waitFor({ timeout: 60_000 });
  await page.getByTestId('inside-cost').filter({ hasText: 'after epoch 1' }).waitFor({ timeout: 60_000 });
  await page.getByTestId('weights-epoch').blur();
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const width of [1280, 420]) {
      await page.setViewportSize({ width, height: 800 });
      await page.waitForTimeout(500);
      for (const [n, name] of [
        [8, 'inside'],
        [9, 'weights'],
      ]) {
        await page.locator(`mnist-section nb-cell[index="${n}"]`).evaluate((el) => el.scrollIntoView({ block: 'start' }));
        await page.waitForTimeout(200);
        const file = `${out}/epochs-${name}-${width}-${scheme}.png`;
        await page.screenshot({ path: file });
        console.log(`wrote ${file}`);
      }
    }
  }
  await page.close();
}

try {
  if (process.argv[2] === 'epochs') {
    await epochShots();
    await browser.close();
    server.httpServer.close();
    process.exit(0);
  }
  if (process.argv[2] === 'runs') {
    await runsShots();
    await browser.close();
    server.httpServer.close();
    process.exit(0);
  }
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  if (process.argv.includes('--first-use')) {
    await firstUse(page);
    process.exit(0);
  }
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
  await firstUse(page);
  await runsShots();
  await epochShots();
} finally {
  await browser.close();
  server.httpServer.close();
}
