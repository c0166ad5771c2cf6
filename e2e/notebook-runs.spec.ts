// Kept runs on the real page: every finished run lands in the runs table (IndexedDB, so it
// survives a reload), renamed, sorted, overlaid, deleted, loaded back; exported to one JSON file
// and imported again; a bad file refused naming the field with nothing kept changed; a save that
// would not fit the quota refused with a message.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { writeSafetensors } from '../src/engine/safetensors';
import { parseSpec, stateDefs } from '../src/engine/spec';

const TINY = '/?section=mnist&trainLimit=256&testLimit=256&epochs=1&seed=7';
const cell5 = (page: Page) => page.locator('mnist-section nb-cell[index="5"]').getByTestId('cell-status');
const rows = (page: Page) => page.getByTestId('runs-row');

async function train(page: Page, lr: string) {
  await page.getByTestId('mnist-lr').fill(lr);
  await page.getByTestId('mnist-run').click();
  await expect(cell5(page)).toHaveText('running');
  await expect(cell5(page)).toHaveText('done', { timeout: 240_000 });
}

/** A runs file written here (the format by hand): one run of the default model, zero weights. */
function runsFile(dir: string): string {
  const spec = JSON.parse(readFileSync('src/models/mnist-default.json', 'utf8'));
  const defs = stateDefs(parseSpec(spec, [1, 28, 28]));
  const t = Object.fromEntries(
    [...defs.params, ...defs.buffers].map((d) => [d.key, { shape: d.shape, data: new Float32Array(d.shape.reduce((a, b) => a * b, 1)) }]),
  );
  const log = { epoch: 1, trainLoss: 2.3, trainAcc: 10, testLoss: 2.3, testAcc: 9.8, seconds: 1, imagesPerSec: 100, lr: 0.1 };
  const config = {
    epochs: 1,
    batch: 128,
    lr: 0.1,
    momentum: 0.9,
    weightDecay: 0,
    schedule: { type: 'OneCycleLR' },
    seed: 1,
    augment: { rotation: 7, cropP: 0, crop: 22, mean: 0.1307, std: 0.3081 },
  };
  const weights = Buffer.from(writeSafetensors(t)).toString('base64');
  const run = {
    id: 'made-here',
    name: 'from a file',
    savedAt: 1,
    ended: 'done',
    spec,
    params: 8880,
    config,
    adapter: 'none',
    history: [log],
    seconds: 1,
    imagesPerSec: 100,
    weights,
  };
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'one-run.json');
  writeFileSync(path, JSON.stringify({ format: 'webgpu-backprop-notebook/runs', version: 1, runs: [run] }));
  return path;
}

test('runs are kept, renamed, sorted, overlaid, deleted, loaded; exported and imported; a bad file is refused by field', async ({ page }, info) => {
  await page.goto(TINY);
  await expect(page.getByTestId('runs-storage')).toContainText('0 runs kept');
  await train(page, '0.1');
  await expect(rows(page)).toHaveCount(1);
  await train(page, '0.02');
  await expect(rows(page)).toHaveCount(2);
  const first = rows(page).nth(0);
  await expect(first.getByTestId('runs-name')).toHaveValue('run 1');
  await expect(first.getByTestId('runs-params')).toHaveText('8,880');
  await expect(first.getByTestId('runs-target')).toHaveText('not met: tested on 256 images, not all 10,000');
  const acc1 = Number(await page.getByTestId('mnist-test-acc-1').getAttribute('data-value'));
  await expect(rows(page).nth(1).getByTestId('runs-best')).toHaveAttribute('data-value', String(acc1)); // the last run is the second row
  await expect(page.getByTestId('runs-storage')).toContainText('2 runs kept');

  // Rename, then sort by name descending: "zz baseline" first.
  await first.getByTestId('runs-name').fill('zz baseline');
  await first.getByTestId('runs-name').press('Tab');
  await expect(page.getByTestId('runs-row').filter({ has: page.locator('input[aria-label="name of zz baseline"]') })).toHaveCount(1);
  await page.getByTestId('runs-sort-name').click();
  await page.getByTestId('runs-sort-name').click();
  await expect(page.getByTestId('runs-sort-name')).toHaveText('name ▼');
  await expect(rows(page).nth(0).getByTestId('runs-name')).toHaveValue('zz baseline');

  // Overlay both: one line per run, named.
  await expect(page.getByTestId('runs-overlay')).toHaveCount(0);
  await rows(page).nth(0).getByTestId('runs-pick').check();
  await rows(page).nth(1).getByTestId('runs-pick').check();
  const labels = await page.getByTestId('runs-overlay-acc').evaluate((el: any) => el.series.map((s: any) => `${s.label}:${s.points.length}`));
  // The legend names each run with its initial weights' hash: the same seed and spec, the same start.
  const [h1, h2] = await rows(page).getByTestId('runs-init').allInnerTexts();
  expect(h1).toMatch(/^[0-9a-f]{8}$/);
  expect(h2).toBe(h1);
  expect(labels).toEqual([`zz baseline (init ${h1}):1`, `run 2 (init ${h1}):1`]);

  // Kept across a reload.
  await page.reload();
  await expect(rows(page)).toHaveCount(2);
  await expect(page.locator('input[aria-label="name of zz baseline"]')).toHaveValue('zz baseline');

  // Export, then a bad copy is refused naming the field and nothing changes, then a good import adds.
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('runs-export').click()]);
  const path = info.outputPath('mnist-runs.json');
  await dl.saveAs(path);
  const o = JSON.parse(readFileSync(path, 'utf8'));
  expect(o.format).toBe('webgpu-backprop-notebook/runs');
  expect(o.runs.map((r: any) => r.name).sort()).toEqual(['run 2', 'zz baseline']);
  o.runs[1].history[0].testAcc = null;
  const bad = info.outputPath('bad-runs.json');
  writeFileSync(bad, JSON.stringify(o));
  await page.getByTestId('runs-import').setInputFiles(bad);
  await expect(page.getByTestId('runs-error')).toHaveText('Not imported: bad-runs.json: runs[1].history[0].testAcc: not a finite number');
  await expect(rows(page)).toHaveCount(2);
  await page.getByTestId('runs-import').setInputFiles(path);
  await expect(page.getByTestId('runs-note')).toHaveText('Imported 2 runs from mnist-runs.json.');
  await expect(rows(page)).toHaveCount(4);

  // Delete one; load another back: its fields, spec and weights (test accuracy measured again).
  await rows(page).nth(3).getByTestId('runs-delete').click();
  await expect(rows(page)).toHaveCount(3);
  await page.getByTestId('mnist-lr').fill('0.5');
  const target = page
    .getByTestId('runs-row')
    .filter({ has: page.locator('input[aria-label="name of run 2"]') })
    .first();
  await target.getByTestId('runs-load').click();
  await expect(page.getByTestId('runs-note')).toHaveText('Loaded run 2: fields, spec and weights; Continue trains it further.', { timeout: 120_000 });
  await expect(page.getByTestId('mnist-lr')).toHaveValue('0.02');
  await expect(page.getByTestId('mnist-import-result')).toBeVisible();
  const measured = Number(await page.getByTestId('mnist-import-result').getAttribute('data-value'));
  const kept = Number(await target.getByTestId('runs-best').getAttribute('data-value'));
  // The same weights on the same 256 test images: the accuracy kept with the run.
  expect(measured).toBeCloseTo(kept, 6);
});

test('an import that would not fit the quota is refused with a message; the runs kept stay', async ({ page }, info) => {
  // The browser's estimate, or, once the test sets window.__quota, one that leaves 1 KiB.
  await page.addInitScript(() => {
    const real = navigator.storage.estimate.bind(navigator.storage);
    Object.defineProperty(navigator.storage, 'estimate', { value: async () => (window as any).__quota ?? real() });
  });
  await page.goto('/?section=mnist');
  const file = runsFile(info.outputDir);
  await page.getByTestId('runs-import').setInputFiles(file);
  await expect(page.getByTestId('runs-note')).toHaveText('Imported 1 run from one-run.json.');
  await expect(rows(page)).toHaveCount(1);
  await page.evaluate(() => ((window as any).__quota = { usage: 9 * 1024, quota: 10 * 1024 }));
  await page.getByTestId('runs-import').setInputFiles(file);
  await expect(page.getByTestId('runs-error')).toHaveText(
    /^Not saved: one-run\.json \(1 run\) needs about [\d.]+ KiB and this site has 1\.0 KiB left of the 10\.0 KiB the browser allows it\. Delete runs in the table to make room; nothing kept was removed\.$/,
  );
  await expect(rows(page)).toHaveCount(1);
  await expect(page.getByTestId('runs-storage')).toContainText('1 run kept, about 41.');
  await expect(page.getByTestId('runs-storage')).toContainText('this site uses 9.0 KiB of the 10.0 KiB the browser allows it');
  await page.reload();
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first().getByTestId('runs-name')).toHaveValue('from a file');
});
