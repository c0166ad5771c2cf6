// What a student trips over on first use (issue 22), on the real page (SwiftShader): one layer
// numbering, Run all showing where it works, the cells inside the CNN filled after a run, a
// restored run that says so, readable plots after one epoch, the assignment's targets, the kernels
// drawn at a size that can be seen, "Copy link" for the MNIST section; the toy's learning-rate
// cell and iteration table, and its diagram in view on a narrow screen.
import AxeBuilder from '@axe-core/playwright';
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';

const cell = (page: Page, n: number) => page.locator(`mnist-section nb-cell[index="${n}"]`);
const status = (page: Page, n: number) => cell(page, n).getByTestId('cell-status');
const s5 = readFileSync('src/models/s5.json', 'utf8');
const MLP = [{ type: 'Flatten' }, { type: 'Linear', in_features: 784, out_features: 10 }, { type: 'LogSoftmax', dim: 1 }];

async function axe(page: Page) {
  const r = await new AxeBuilder({ page }).include('notebook-app').analyze();
  return r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => `${n.target.join(' ')} (${n.failureSummary?.replace(/\s+/g, ' ')})`).join(', ')}`);
}

const json = async (page: Page, testid: string, attr: string) => JSON.parse((await page.getByTestId(testid).getAttribute(attr))!) as unknown[];

test('after Run all: the running cell in view, cells 7–11 on the trained model, one layer numbering, plots, targets, kernels; axe clean', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/?section=mnist&trainLimit=256&testLimit=128&epochs=1&batch=64');

  // Item 1: the summary shows the spec index (state_dict prefix) beside torchsummary's name.
  const rows = page.getByTestId('mnist-summary').locator('tr');
  await expect(rows.nth(5)).toContainText(/^4\s*Conv2d-5/);
  const indices = await page.getByTestId('summary-layer').allInnerTexts();
  expect(indices).toEqual(indices.map((_, i) => String(i)));
  // Item 7: the budget and targets beside the summary, met or not.
  const model = cell(page, 4);
  await expect(model.getByTestId('target-params')).toHaveAttribute('data-verdict', 'met');
  await expect(model.getByTestId('target-params')).toContainText('< 20,000 parameters: 8,880');
  await expect(model.getByTestId('target-epochs')).toHaveAttribute('data-verdict', 'met');
  await expect(model.getByTestId('target-acc')).toHaveAttribute('data-verdict', 'not yet');

  // Item 2: Run all brings the train cell, far below the button, into view (once).
  await expect(cell(page, 5)).not.toBeInViewport();
  await page.getByTestId('run-all').click();
  await expect(cell(page, 5)).toBeInViewport({ timeout: 60_000 });

  // Item 4: after the run, cells 8, 9 and 11 show the trained model without another click.
  await expect(status(page, 7)).toHaveText('done', { timeout: 300_000 });
  const wrong = Number(await page.getByTestId('mnist-wrong').getAttribute('data-value'));
  const cm = (await page.getByTestId('mnist-confusion').locator('tr').allInnerTexts()).slice(1, 11).map((r) =>
    r
      .split('\t')
      .slice(1)
      .map((x) => Number(x) || 0),
  );
  expect(wrong).toBe(cm.flat().reduce((a, b) => a + b, 0) - cm.reduce((a, row, r) => a + row[r], 0));
  await expect(page.getByTestId('mnist-wrong')).toContainText(`${wrong} of 128 test digits are misclassified`);
  expect(wrong).toBeGreaterThan(0); // 256 images, one epoch: far from perfect
  const firstCaption = await page.locator('mnist-inspection digit-grid figcaption').first().innerText();
  const [label, pred] = /^(\d)→(\d)/.exec(firstCaption)!.slice(1);
  await expect(page.getByTestId('inside-summary')).toContainText(new RegExp(`^test image \\d+: label ${label}, predicted ${pred}`), { timeout: 60_000 });
  await expect(status(page, 8)).toHaveText('done');
  await expect(page.getByTestId('weights-step')).toBeVisible({ timeout: 60_000 });
  await expect(status(page, 9)).toHaveText('done');
  // Cells 8 and 9 ran as part of Run all, after cell 7: their counts follow its.
  const counts = await Promise.all([7, 8, 9].map(async (n) => (await cell(page, n).getByTestId('cell-count').textContent())!));
  const c7 = Number(counts[0].slice(1, -1));
  expect(counts).toEqual([`[${c7}]`, `[${c7 + 1}]`, `[${c7 + 2}]`]);
  // Cell 11 opens on a pixel whose gradient and patch are not zero, so its share is not all zeros.
  const share = (await json(page, 'convbp-share', 'data-values')) as number[];
  const patch = (await json(page, 'convbp-patch', 'data-values')) as number[];
  expect(share.some((v) => v !== 0)).toBe(true);
  expect(patch.some((v) => v !== 0)).toBe(true);

  // Item 1 again: the summary's "4" is cell 9's 4.weight and cell 8's layer 4.
  await expect(page.getByTestId('weights-4.weight')).toBeVisible();
  await expect(page.getByTestId('inside-layer-4').locator('h3')).toHaveText('4 Conv2d');

  // Item 5: kernels with a gap and at least 24 px each; a click enlarges one.
  const w0 = page.getByTestId('weights-map-0.weight');
  const box = (await w0.locator('canvas.maps').boundingBox())!;
  expect(box.width).toBe(1 * (3 * 8 + 4)); // one input channel: one column of 3×3 kernels at 8 px a weight, 4 px apart
  expect(box.height).toBe(8 * (3 * 8 + 4));
  const w4 = (await page.getByTestId('weights-map-4.weight').locator('canvas.maps').boundingBox())!;
  expect(w4.width).toBe(8 * 28); // eight input channels side by side, not squeezed
  await w0.locator('canvas.maps').click({ position: { x: 10, y: 28 + 10 } });
  const zoom = (await w0.getByTestId('map-zoom').boundingBox())!;
  expect(zoom.width).toBeGreaterThanOrEqual(160);
  await expect(w0.getByTestId('map-value')).toHaveText('kernel for output 1, input 0: hover for values');

  // Item 6: after one epoch, integer epoch ticks, a visible marker, tick labels that differ.
  for (const id of ['mnist-chart-test-loss', 'mnist-chart-test-acc', 'mnist-chart-train-loss']) {
    const x = (await json(page, id, 'data-x-ticks')) as string[];
    const y = (await json(page, id, 'data-y-ticks')) as string[];
    expect(x.length, id).toBeGreaterThan(1);
    expect(
      x.every((t) => /^\d+$/.test(t)),
      `${id}: ${x}`,
    ).toBe(true);
    expect(new Set(y).size, `${id}: ${y}`).toBe(y.length);
  }
  expect(await json(page, 'mnist-chart-test-loss', 'data-radius')).toEqual([5]);

  // Item 7: beside the epoch table too; S5's model is over the budget.
  const run = cell(page, 5);
  await expect(run.getByTestId('target-acc')).toHaveAttribute('data-verdict', 'not met');
  await expect(run.getByTestId('target-acc')).toContainText('≥ 99.4% test accuracy: best');
  await expect(run.getByTestId('target-epochs')).toContainText('≤ 20 epochs: 1 in the fields');

  // Item 2: a misclassified digit clicked in cell 7 brings cell 8 into view.
  await page.evaluate(() => scrollTo(0, 0));
  await page.locator('mnist-inspection digit-grid canvas').last().click();
  await expect(cell(page, 8)).toBeInViewport({ timeout: 10_000 });

  expect(await axe(page)).toEqual([]);
  await page.emulateMedia({ colorScheme: 'dark' });
  expect(await axe(page)).toEqual([]);

  await page.getByTestId('mnist-spec').fill(s5);
  await expect(model.getByTestId('target-params')).toHaveAttribute('data-verdict', 'not met');
  await expect(model.getByTestId('target-params')).toContainText('< 20,000 parameters: 593,200');
  expect(errors).toEqual([]);
});

test('a restored run shows as restored, and exports under the same name as a run on this page', async ({ page }) => {
  await page.goto(`/?section=mnist&trainLimit=256&testLimit=128&epochs=1&batch=64&model=${encodeURIComponent(JSON.stringify(MLP))}`);
  await page.getByTestId('mnist-run').click();
  await expect(status(page, 5)).toHaveText('done', { timeout: 240_000 });
  const [live] = await Promise.all([page.waitForEvent('download'), page.getByTestId('mnist-export').click()]);
  expect(live.suggestedFilename()).toBe('mnist-7850p-epoch1.safetensors');
  await page.waitForTimeout(500); // the checkpoint goes to IndexedDB right after the epoch
  await page.goto('/?section=mnist');
  await expect(page.getByTestId('mnist-resume-banner')).toContainText('Restored the last finished run (1 epoch, saved');
  await expect(status(page, 5)).toHaveText('restored');
  await expect(status(page, 6)).toHaveText('restored');
  await expect(page.getByTestId('mnist-progress-text')).toContainText("restored from this browser's storage: 1 epoch of 1, test accuracy");
  await expect(page.getByTestId('mnist-progress')).toHaveAttribute('data-value', '1.0000');
  await expect(page.getByTestId('mnist-live-bytes')).toHaveText(
    "GPU buffers: none; the restored run's weights are in this browser's storage until a run starts",
  );
  const [restored] = await Promise.all([page.waitForEvent('download'), page.getByTestId('mnist-export').click()]);
  expect(restored.suggestedFilename()).toBe('mnist-7850p-epoch1.safetensors');
  await page.getByTestId('mnist-discard').click();
  await expect(status(page, 5)).toHaveText('idle');
  await expect(page.getByTestId('mnist-progress-text')).toHaveText('not started');
});

test('Copy link in the MNIST section opens the same fields and model; a spec too long for a link is refused', async ({ page }) => {
  await page.goto('/?section=mnist');
  await page.getByTestId('mnist-epochs').fill('3');
  await page.getByTestId('mnist-trainLimit').fill('512');
  await page.getByTestId('mnist-spec').fill(JSON.stringify(MLP, null, 2));
  await page.getByTestId('mnist-copy-link').click();
  await expect(page.getByTestId('mnist-copied')).not.toBeEmpty();
  const url = (await page.locator('mnist-copy-link').getAttribute('data-url'))!;
  expect(url).toContain('epochs=3');
  await page.goto(url);
  await expect(page.getByTestId('mnist-epochs')).toHaveValue('3');
  await expect(page.getByTestId('mnist-trainLimit')).toHaveValue('512');
  await expect(page.getByTestId('mnist-lr')).toHaveValue('0.1');
  expect(JSON.parse(await page.getByTestId('mnist-spec').inputValue())).toEqual(MLP);
  // A spec padded past 4,000 characters does not fit: refused, with both lengths.
  const long = JSON.stringify([...MLP.slice(0, 2), ...Array.from({ length: 250 }, () => ({ type: 'ReLU' })), { type: 'LogSoftmax', dim: 1 }]);
  await page.getByTestId('mnist-spec').fill(long);
  await page.getByTestId('mnist-copy-link').click();
  await expect(page.getByTestId('mnist-copied')).toHaveText(
    `No link: the model spec is ${long.length.toLocaleString('en-US')} characters as compact JSON, more than the 4,000 a link carries. Export the weights instead: the spec travels in their metadata.`,
  );
});

const openToy = async (page: Page, query = '') => {
  await page.goto(`/?section=toy${query}`);
  await expect(page.getByTestId('toy-engine')).toHaveAttribute('data-engine', 'gpu', { timeout: 60_000 });
  await expect(page.getByTestId('toy-E_total')).toBeVisible({ timeout: 60_000 });
};

test("the toy's learning-rate cell: the columns explained, the list checked as typed and run by Enter, a preset that overshoots", async ({ page }) => {
  await openToy(page);
  await page.getByTestId('toy-lr-list').fill('0.5, abc');
  await expect(page.getByTestId('toy-lr-list-error')).toContainText('"abc" is not a learning rate'); // before any Run
  await expect(page.getByTestId('toy-lr-list')).toHaveAttribute('aria-invalid', 'true');
  await page.getByTestId('toy-lr-list').fill('0.5, 2');
  await expect(page.getByTestId('toy-lr-list-error')).toHaveText('');
  await page.getByTestId('toy-lr-list').press('Enter');
  await expect(page.getByTestId('toy-lr-1-to4')).toHaveAttribute('data-value', '39', { timeout: 120_000 });
  await expect(page.getByTestId('toy-lr-caption')).toContainText('E at iteration 67: E_total after 67 updates');
  // η = 0.5 and 2 converge without a rise; 100 overshoots at the first step.
  await expect(page.getByTestId('toy-lr-0-note')).toHaveCount(0);
  await page.getByTestId('toy-lr-overshoot').click();
  await expect(page.getByTestId('toy-lr-list')).toHaveValue('0.5, 100, 200, 500');
  await expect(page.getByTestId('toy-lr-3-to4')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('toy-lr-0-note')).toHaveCount(0);
  await expect(page.getByTestId('toy-lr-1-note')).toContainText(/^The step overshot: E_total rose at iteration 1, from 0\.01418 to 0\.049\d\d\./);
  // The ERA sheet's E_total at iteration 0 is 0.0141818; the row's own E after 1 step is above it.
  const e1 = Number(await page.getByTestId('toy-lr-1-e1').getAttribute('data-value'));
  expect(e1).toBeGreaterThan(0.0141818);
  expect(e1.toPrecision(4)).toBe(/to (0\.\d+)\./.exec(await page.getByTestId('toy-lr-1-note').innerText())![1]);
});

test('the toy iteration table says where float32 stops changing the numbers, and the CSV holds float32 in its shortest form', async ({ page }) => {
  await openToy(page, '&lr=20'); // converges in float32 within a few hundred iterations
  await page.getByTestId('toy-speed').fill('200');
  await page.getByTestId('toy-play').click();
  await expect.poll(async () => Number(await page.getByTestId('toy-iteration').getAttribute('data-value')), { timeout: 90_000 }).toBeGreaterThanOrEqual(300);
  await page.getByTestId('toy-pause').click();
  const frozen = page.getByTestId('toy-table-frozen');
  await expect(frozen).toContainText('float32 no longer changes any number in a row: the outputs round to their targets');
  const from = Number(await frozen.getAttribute('data-value'));
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('toy-table-csv').click()]);
  const rows = readFileSync(await download.path(), 'utf8')
    .trim()
    .split('\n')
    .slice(1);
  expect(rows[0].split(',').slice(1, 9)).toEqual(['0.15', '0.2', '0.25', '0.3', '0.4', '0.45', '0.5', '0.55']); // not 0.15000000596046448
  const body = (r: string) => r.split(',').slice(1).join(',');
  expect(body(rows[from])).not.toBe(body(rows[from - 1])); // the last change is at `from`
  expect(rows.slice(from).every((r) => body(r) === body(rows[from]))).toBe(true); // and nothing after it
  expect(rows[from].split(',')[9]).toBe('0'); // E_total
});

test('on a 420 px screen the diagram stays in view while a factor in cell 3 is hovered', async ({ page }) => {
  await page.setViewportSize({ width: 420, height: 800 });
  await openToy(page);
  const factor = page.locator('toy-partials .f').nth(0);
  await factor.scrollIntoViewIfNeeded();
  await factor.hover();
  await expect(page.locator('toy-diagram circle.hot')).toHaveCount(5);
  for (const c of await page.locator('toy-diagram circle.hot').all()) await expect(c).toBeInViewport({ ratio: 0.99 });
  // The factor is not under the panel: the pointer reached it (the path lit), and the panel is above it.
  const side = (await page.locator('toy-section aside.side').boundingBox())!;
  const f = (await factor.boundingBox())!;
  expect(f.y).toBeGreaterThanOrEqual(side.y + side.height - 1);
  expect(side.height).toBeLessThanOrEqual(0.36 * 800 + 1);
  expect(await axe(page)).toEqual([]);
});
