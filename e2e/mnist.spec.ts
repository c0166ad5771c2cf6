// The MNIST section in headless Chromium (SwiftShader): every cell on a tiny run, bad input,
// GPU memory over several epochs, and the first batch's loss against the Node trainer.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';

const spec = JSON.parse(readFileSync('src/models/mnist-default.json', 'utf8')) as Record<string, unknown>[];
const TINY = '/?section=mnist&trainLimit=256&testLimit=256&epochs=1&seed=7';

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

const cellStatus = (page: Page, n: number) => page.locator(`mnist-section nb-cell[index="${n}"]`).getByTestId('cell-status');

test('every MNIST cell on a tiny run: summary, progress, charts, look inside', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(TINY);
  // The summary's total equals the count from the spec and the one PyTorch printed for the fixture.
  const fixture = JSON.parse(readFileSync('fixtures/gradients/mnist_default_b4.json', 'utf8'));
  const fromSpec = spec.reduce((s: number, l: Record<string, unknown>) => {
    if (l.type === 'Conv2d')
      return s + (l.out_channels as number) * (l.in_channels as number) * (l.kernel_size as number) ** 2 + (l.bias ? (l.out_channels as number) : 0);
    if (l.type === 'BatchNorm2d') return s + 2 * (l.num_features as number);
    if (l.type === 'Linear') return s + (l.out_features as number) * (l.in_features as number) + (l.bias === false ? 0 : (l.out_features as number));
    return s;
  }, 0);
  await expect(page.getByTestId('mnist-total-params')).toHaveAttribute('data-value', String(fromSpec));
  expect(fixture.meta.paramCount).toBe(fromSpec);

  await page.getByTestId('run-all').click();
  for (let n = 1; n <= 7; n++) await expect(cellStatus(page, n)).toHaveText('done', { timeout: 240_000 });
  await expect(page.getByTestId('mnist-progress')).toHaveAttribute('data-value', '1.0000');
  await expect(page.getByTestId('mnist-train-count')).toHaveText('60,000');
  await expect(page.getByTestId('mnist-test-count')).toHaveText('10,000');
  await expect(page.getByTestId('mnist-augment-timing')).toContainText('ms per batch of 128');
  await expect(page.getByTestId('mnist-loader-summary')).toContainText('256 images → 2 batches of 128');
  for (const c of ['train-loss', 'train-acc', 'test-loss', 'test-acc'])
    expect(Number(await page.getByTestId(`mnist-chart-${c}`).getAttribute('data-points')), c).toBeGreaterThan(0);
  const acc = Number(await page.getByTestId('mnist-test-acc-1').getAttribute('data-value'));
  expect(acc).toBeGreaterThanOrEqual(0);
  expect(acc).toBeLessThanOrEqual(100);
  expect(Number(await page.getByTestId('mnist-live-bytes').getAttribute('data-value'))).toBeGreaterThan(50e6); // MNIST is on the GPU
  await expect(page.getByTestId('mnist-confusion')).toBeVisible();

  // Draw a "1" and get ten probabilities that sum to 1.
  await page.locator('draw-pad').evaluate((el: any) =>
    el.stroke([
      [140, 40],
      [140, 240],
    ]),
  );
  await expect(page.getByTestId('mnist-probs')).toContainText('%');
  const probs = await page.getByTestId('mnist-probs').locator('td:nth-child(3)').allInnerTexts();
  expect(Math.abs(probs.reduce((s, p) => s + parseFloat(p), 0) - 100)).toBeLessThan(0.5);
  expect(errors).toEqual([]);
});

test('the first batch loss equals the Node trainer on the same seed (to 1e-4)', async ({ page }) => {
  const out = mkdtempSync(join(tmpdir(), 'train-'));
  execFileSync('node', ['dist-node/train.js', '--epochs', '1', '--train-limit', '256', '--test-limit', '256', '--seed', '7', '--out', out], { stdio: 'pipe' });
  const node = JSON.parse(readFileSync(join(out, 'log.json'), 'utf8')).firstBatchLoss;
  await page.goto(TINY);
  await page.getByTestId('mnist-run').click();
  await expect(page.getByTestId('mnist-first-loss')).toBeVisible({ timeout: 240_000 });
  const browser = Number(await page.getByTestId('mnist-first-loss').getAttribute('data-value'));
  console.log(`first batch loss: Node ${node}, browser ${browser}`);
  expect(Math.abs(browser - node)).toBeLessThanOrEqual(1e-4);
  await expect(cellStatus(page, 5)).toHaveText('done', { timeout: 240_000 });
});

test('GPU memory does not grow over three epochs, nor across a second run', async ({ page }) => {
  await page.goto('/?section=mnist&trainLimit=128&testLimit=128&epochs=3');
  await page.getByTestId('mnist-run').click();
  await expect(page.getByTestId('mnist-test-acc-3')).toBeVisible({ timeout: 240_000 });
  await expect(cellStatus(page, 5)).toHaveText('done');
  const after3 = Number(await page.getByTestId('mnist-live-bytes').getAttribute('data-value'));
  const log = page.getByTestId('mnist-epoch-log');
  await expect(log.locator('tr')).toHaveCount(4);
  await page.getByTestId('mnist-run').click();
  await expect(page.getByTestId('mnist-test-acc-3')).toBeVisible({ timeout: 240_000 });
  await expect(cellStatus(page, 5)).toHaveText('done');
  expect(Number(await page.getByTestId('mnist-live-bytes').getAttribute('data-value'))).toBe(after3);
});

test('bad hyper-parameters and model specs are marked at the field and Run stays disabled', async ({ page }) => {
  await page.goto('/?section=mnist');
  const run = page.getByTestId('mnist-run');
  await expect(run).toBeEnabled();
  const cases: [string, string, RegExp][] = [
    ['batch', '0', /^must be a whole number from 1 to 65536$/],
    ['batch', '-4', /^must be a whole number from 1 to 65536$/],
    ['batch', '1.5', /^must be a whole number from 1 to 65536$/],
    ['lr', '0', /^must be a number in \(0, 100\]$/],
    ['lr', 'abc', /^must be a plain decimal number, got "abc"$/],
    ['epochs', '0', /^must be a whole number from 1 to 1000$/],
  ];
  for (const [field, text, message] of cases) {
    await page.getByTestId(`mnist-${field}`).fill(text);
    await expect(page.getByTestId(`mnist-error-${field}`)).toHaveText(message);
    await expect(run).toBeDisabled();
    await page.getByTestId(`mnist-${field}`).fill(field === 'lr' ? '0.05' : field === 'batch' ? '128' : '1');
    await expect(run).toBeEnabled();
  }
  const specBox = page.getByTestId('mnist-spec');
  const good = await specBox.inputValue();
  await specBox.fill('[{"type": "Conv2d", ');
  await expect(page.getByTestId('mnist-spec-error')).toContainText('not valid JSON');
  await expect(run).toBeDisabled();
  const bad = JSON.parse(good);
  bad[4].in_channels = 9;
  await specBox.fill(JSON.stringify(bad));
  await expect(page.getByTestId('mnist-spec-error')).toContainText('layer 4 (Conv2d): expects input [9, H, W]');
  await expect(page.getByTestId('mnist-spec-error')).toContainText('[8, 26, 26] from layer 3 (Dropout)');
  await expect(run).toBeDisabled();
  await specBox.fill(good);
  await expect(run).toBeEnabled();
});

test('a step that would overflow stops training with a message naming the value', async ({ page }) => {
  await page.goto('/?section=mnist&trainLimit=1024&testLimit=128&epochs=1&batch=64&lr=100&schedule=constant');
  await page.getByTestId('mnist-run').click();
  await expect(cellStatus(page, 5)).toHaveText('error', { timeout: 240_000 });
  const msg = page.locator('mnist-section nb-cell[index="5"]').locator('.msg');
  await expect(msg).toContainText(/running statistic \d+\.running_(var|mean)\[\d+\] would have become NaN\/Inf/);
  await expect(msg).toContainText('The weights from before this step are kept');
});
