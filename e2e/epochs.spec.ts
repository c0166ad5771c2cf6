// Epochs to scrub and runs to replay, on the real page (SwiftShader): the epoch sliders of cells 8
// and 9 show a finished epoch's numbers from its weights (moved by keyboard while the run goes on,
// which leaves the run and the picked epoch alone), the last epoch's probabilities and kernels
// equal what loading the kept run gives, the run's record and its JSON hold every epoch; "same
// initial weights" gives two runs the same epoch-0 weights and first-step loss, and is refused
// naming the tensor and both shapes when the spec no longer fits.
import AxeBuilder from '@axe-core/playwright';
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';

const cell5 = (page: Page) => page.locator('mnist-section nb-cell[index="5"]').getByTestId('cell-status');
const rows = (page: Page) => page.getByTestId('runs-row');
const probs = (page: Page) =>
  page
    .getByTestId('inside-probs')
    .locator('td[data-value]')
    .evaluateAll((tds) => tds.map((t) => Number((t as HTMLElement).dataset.value)));
const kernels = (page: Page) => page.getByTestId('weights-map-0.weight').evaluate((el) => Array.from((el as unknown as { data: Float32Array }).data));

async function axe(page: Page) {
  const r = await new AxeBuilder({ page }).include('notebook-app').analyze();
  return r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => `${n.target.join(' ')} (${n.failureSummary?.replace(/\s+/g, ' ')})`).join(', ')}`);
}

/** The inside cell's probabilities once it shows `cost` (which weights), read when they are there. */
async function probsAt(page: Page, cost: string | RegExp): Promise<number[]> {
  await expect(page.getByTestId('inside-cost')).toContainText(cost);
  return probs(page);
}

test('epoch sliders: finished epochs during a run by keyboard, the run untouched; the last epoch equals the kept run loaded; every epoch in the record', async ({
  page,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?section=mnist&trainLimit=512&testLimit=128&epochs=3&batch=64&seed=7');
  await expect(page.getByTestId('inside-epoch-none')).toContainText('No weights per epoch for this model');
  await page.getByTestId('mnist-run').click();
  await expect(cell5(page)).toHaveText('running');

  // While it trains: the digit open, then epoch 1 finished: the slider offers epochs 0 and 1.
  await page.locator('mnist-section nb-cell[index="8"]').getByTestId('cell-run').click();
  await expect(page.getByTestId('inside-summary')).toContainText('test image 0');
  const slider = page.getByTestId('inside-epoch');
  await expect(slider).toHaveAttribute('max', '1', { timeout: 240_000 });
  await expect(cell5(page)).toHaveText('running');
  await slider.focus();
  await page.keyboard.press('Home');
  await expect(page.getByTestId('inside-epoch-text')).toHaveText('epoch 0 (initial)');
  const p0 = await probsAt(page, 'initial weights (epoch 0)');
  await expect(cell5(page)).toHaveText('done', { timeout: 240_000 });
  await expect(page.getByTestId('mnist-epoch-row')).toHaveCount(3);
  // The live refresh left the picked epoch alone.
  await expect(page.getByTestId('inside-cost')).toContainText('initial weights (epoch 0)');
  expect(await probs(page)).toEqual(p0);

  // After the run: every epoch, by keyboard; each its own numbers.
  await expect(slider).toHaveAttribute('max', '3');
  await slider.focus();
  await page.keyboard.press('End');
  await expect(page.getByTestId('inside-epoch-text')).toHaveText('epoch 3 of 3');
  const p3 = await probsAt(page, 'weights after epoch 3');
  await page.keyboard.press('ArrowLeft');
  const p2 = await probsAt(page, 'weights after epoch 2');
  await page.keyboard.press('ArrowLeft');
  const p1 = await probsAt(page, 'weights after epoch 1');
  expect(p1).not.toEqual(p2);
  expect(p2).not.toEqual(p3);
  expect(p0).not.toEqual(p1);
  expect(Math.abs(p1.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-4);

  // Cell 9: epoch 1's kernels and their change since epoch 0; epoch 3's kernels kept for later.
  await page.locator('mnist-section nb-cell[index="9"]').getByTestId('cell-run').click();
  await expect(page.getByTestId('weights-step')).toContainText('after step');
  const wslider = page.getByTestId('weights-epoch');
  await wslider.focus();
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('weights-step')).toHaveText('after epoch 1; change since epoch 0');
  expect(Number(await page.getByTestId('weights-delta-0.weight').getAttribute('data-value'))).toBeGreaterThan(0);
  await page.keyboard.press('End');
  await expect(page.getByTestId('weights-step')).toHaveText('after epoch 3; change since epoch 2');
  const k3 = await kernels(page);

  // The kept run loaded back (its final weights): cells 8 and 9 show them, equal to epoch 3's.
  await expect(rows(page)).toHaveCount(1);
  await rows(page).getByTestId('runs-load').click();
  await expect(page.getByTestId('runs-note')).toContainText('Loaded run 1', { timeout: 120_000 });
  await expect(page.getByTestId('inside-epoch-text')).toHaveText('current weights');
  expect(await probsAt(page, 'weights after step')).toEqual(p3);
  await expect(page.getByTestId('weights-step')).toContainText('after step');
  expect(await kernels(page)).toEqual(k3);
  // The loaded run brings its epochs: the slider still reaches epoch 1, with epoch 1's numbers.
  await slider.focus();
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowRight');
  expect(await probsAt(page, 'weights after epoch 1')).toEqual(p1);

  // The record's JSON: 4 weight sets (epochs 0 to 3) and the init hash the table shows.
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('runs-export').click()]);
  const file = JSON.parse(readFileSync((await dl.path())!, 'utf8'));
  expect(file.runs[0].epochWeights).toHaveLength(4);
  await expect(rows(page).getByTestId('runs-init')).toHaveText(file.runs[0].init);
  expect(file.runs[0].init).toMatch(/^[0-9a-f]{8}$/);
  // The sliders, the replay control and the init column: axe clean in light and dark.
  await page.getByTestId('mnist-replay').check();
  expect(await axe(page)).toEqual([]);
  await page.emulateMedia({ colorScheme: 'dark' });
  expect(await axe(page)).toEqual([]);
  expect(errors).toEqual([]);
});

test('same initial weights: two runs start alike (epoch-0 kernels, first-step loss, init hash); refused naming the tensor when the spec changed', async ({
  page,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?section=mnist&trainLimit=256&testLimit=128&epochs=1&batch=64&seed=7');
  await expect(page.getByTestId('mnist-replay')).toBeDisabled();
  await page.getByTestId('mnist-run').click();
  await expect(cell5(page)).toHaveText('done', { timeout: 240_000 });
  const loss1 = await page.getByTestId('mnist-first-loss').getAttribute('data-value');
  await page.locator('mnist-section nb-cell[index="9"]').getByTestId('cell-run').click();
  await page.getByTestId('weights-epoch').focus();
  await page.keyboard.press('Home');
  await expect(page.getByTestId('weights-step')).toHaveText('initial weights (epoch 0)');
  const k1 = await kernels(page);

  // Another seed and lr; replay puts run 1's seed back and starts from its initial weights.
  await page.getByTestId('mnist-seed').fill('99');
  await page.getByTestId('mnist-lr').fill('0.02');
  await page.getByTestId('mnist-replay').check();
  await expect(page.getByTestId('mnist-replay-note')).toHaveText(
    "Run starts from run 1's initial weights and its data order (seed 7): change one thing, then compare them in cell 12.",
  );
  await page.getByTestId('mnist-run').click();
  await expect(cell5(page)).toHaveText('done', { timeout: 240_000 });
  await expect(page.getByTestId('mnist-seed')).toHaveValue('7');
  expect(await page.getByTestId('mnist-first-loss').getAttribute('data-value')).toBe(loss1);
  await expect(rows(page)).toHaveCount(2);
  const inits = await rows(page).getByTestId('runs-init').allInnerTexts();
  expect(inits[0]).toMatch(/^[0-9a-f]{8}$/);
  expect(inits[1]).toBe(inits[0]);
  await page.locator('mnist-section nb-cell[index="9"]').getByTestId('cell-run').click();
  await page.getByTestId('weights-epoch').focus();
  await page.keyboard.press('Home');
  await expect(page.getByTestId('weights-step')).toHaveText('initial weights (epoch 0)');
  expect(await kernels(page)).toEqual(k1);
  // The two runs differ after training (lr 0.1 and 0.02).
  const bests = await rows(page)
    .getByTestId('runs-best')
    .evaluateAll((tds) => tds.map((t) => (t as HTMLElement).dataset.value));
  expect(bests[0]).not.toBe(bests[1]);

  // A wider first convolution: run 1's initial weights no longer fit, and nothing runs.
  const spec = JSON.parse(readFileSync('src/models/mnist-default.json', 'utf8'));
  spec[0].out_channels = 10;
  spec[1].num_features = 10;
  spec[4].in_channels = 10;
  await page.getByTestId('mnist-spec').fill(JSON.stringify(spec));
  await page.getByTestId('mnist-replay-run').selectOption({ label: `run 1 (init ${inits[0]})` });
  await page.getByTestId('mnist-run').click();
  await expect(cell5(page)).toHaveText('error');
  await expect(page.locator('mnist-section nb-cell[index="5"] .msg')).toHaveText(
    "Replay refused: run 1's initial weights do not fit the model in cell 4: 0.weight is [8, 1, 3, 3] in run 1, [10, 1, 3, 3] in the model.",
  );
  await expect(rows(page)).toHaveCount(2);
  expect(errors).toEqual([]);
});

test('past the budget no weights per epoch are kept, and cells 8 and 9 say so with the numbers', async ({ page }) => {
  const mlp = [
    { type: 'Flatten' },
    { type: 'Linear', in_features: 784, out_features: 1100 },
    { type: 'ReLU' },
    { type: 'Linear', in_features: 1100, out_features: 10 },
    { type: 'LogSoftmax', dim: 1 },
  ];
  await page.goto(`/?section=mnist&trainLimit=256&testLimit=128&epochs=20&batch=64&model=${encodeURIComponent(JSON.stringify(mlp))}`);
  await page.getByTestId('mnist-run').click();
  const note = 'Weights per epoch are not kept for this run: 874,510 parameters × 21 sets (epochs 0 to 20) × 4 bytes = 70.06 MiB, over the 64.00 MiB budget.';
  await expect(page.getByTestId('inside-epoch-none')).toHaveText(note, { timeout: 120_000 });
  await expect(page.getByTestId('weights-epoch-none')).toHaveText(note);
  await expect(page.getByTestId('inside-epoch')).toHaveCount(0);
  await page.getByTestId('mnist-stop').click();
  await expect(page.getByTestId('mnist-run')).toBeEnabled({ timeout: 120_000 });
});
