// What a student sees in the MNIST section and the page shell is true and readable: Run all never
// silently commits to a day of training, progress covers the whole run, a restored run matches
// the screen, Stop stops everything at once, text is readable, light and dark pass axe.
import AxeBuilder from '@axe-core/playwright';
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { readSafetensors } from '../src/engine/safetensors';

const cell = (page: Page, n: number) => page.locator(`mnist-section nb-cell[index="${n}"]`);
const status = (page: Page, n: number) => cell(page, n).getByTestId('cell-status');

/** Every visible text under `root` (shadow roots included) with a computed font size below `min` px. */
async function smallText(page: Page, root: string, min: number): Promise<string[]> {
  return page.evaluate(
    ({ root, min }) => {
      const out: string[] = [];
      const walk = (n: Node) => {
        if (n.nodeType === Node.TEXT_NODE && n.textContent!.trim() && n.parentElement) {
          const el = n.parentElement;
          const r = el.getBoundingClientRect();
          const size = parseFloat(getComputedStyle(el).fontSize);
          if (r.width > 0 && r.height > 0 && size < min) out.push(`${size}px: ${n.textContent!.trim().slice(0, 40)}`);
        }
        if (n instanceof Element && n.shadowRoot) walk(n.shadowRoot);
        n.childNodes.forEach(walk);
      };
      // `root` may sit inside shadow roots: find it anywhere in the composed tree.
      const find = (n: Node): Element | null => {
        if (n instanceof Element && n.matches(root)) return n;
        for (const c of [...(n instanceof Element && n.shadowRoot ? [n.shadowRoot] : []), ...n.childNodes]) {
          const f = find(c);
          if (f) return f;
        }
        return null;
      };
      walk(find(document.body)!);
      return out;
    },
    { root, min },
  );
}

async function axe(page: Page) {
  const r = await new AxeBuilder({ page }).include('notebook-app').analyze();
  return r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => `${n.target.join(' ')} (${n.failureSummary?.replace(/\s+/g, ' ')})`).join(', ')}`);
}

test('Run all on a software adapter makes a short run and says so; the warning links to a short run that works', async ({ page }) => {
  await page.goto('/?section=mnist');
  await page.getByTestId('run-all').click();
  await expect(page.getByTestId('mnist-short-run')).toContainText('Run all made a short run instead: 2 epochs on 1,024 training and 500 test images', {
    timeout: 240_000,
  });
  await expect(page.getByTestId('mnist-epochs')).toHaveValue('2');
  await expect(page.getByTestId('mnist-trainLimit')).toHaveValue('1024');
  await expect(status(page, 7)).toHaveText('done', { timeout: 300_000 });
  await expect(page.getByTestId('mnist-epoch-row')).toHaveCount(2);
  await expect(page.getByTestId('mnist-progress')).toHaveAttribute('data-value', '1.0000');
  // The software-adapter warning's link opens the same short run.
  const href = await page.getByTestId('mnist-short-link').getAttribute('href');
  await page.goto(`/${href}`);
  await expect(page.getByTestId('mnist-trainLimit')).toHaveValue('1024');
  await expect(page.getByTestId('mnist-testLimit')).toHaveValue('500');
  await expect(page.getByTestId('mnist-epochs')).toHaveValue('2');
});

test('progress covers the whole run: one bar from 0 to 1, the test passes shown, an ETA for the run', async ({ page }) => {
  await page.goto('/?section=mnist&trainLimit=512&testLimit=1000&epochs=2&batch=64');
  await page.getByTestId('mnist-run').click();
  const seen: { v: number; text: string }[] = [];
  while ((await status(page, 5).innerText()) !== 'done') {
    seen.push({
      v: Number(await page.getByTestId('mnist-progress').getAttribute('data-value')),
      text: await page.getByTestId('mnist-progress-text').innerText(),
    });
    await page.waitForTimeout(100);
    expect(seen.length).toBeLessThan(3000);
  }
  const values = seen.map((s) => s.v);
  expect(values.every((v, i) => v >= 0 && v <= 1 && (i === 0 || v >= values[i - 1]))).toBe(true);
  expect(seen.some((s) => /epoch 1 of 2: testing, [\d,]+ of 1,000 images/.test(s.text))).toBe(true);
  expect(seen.some((s) => /epoch 2 of 2: training/.test(s.text) && s.v > 0.4 && s.v < 1)).toBe(true);
  expect(seen.some((s) => /about .* left in the run/.test(s.text))).toBe(true);
  await expect(page.getByTestId('mnist-progress')).toHaveAttribute('data-value', '1.0000');
  await expect(page.getByTestId('mnist-progress-text')).toHaveAttribute('aria-live', 'polite');
});

test('a restored run shows the spec and settings it was trained with, and its weights can be exported', async ({ page }) => {
  const mlp = [{ type: 'Flatten' }, { type: 'Linear', in_features: 784, out_features: 10 }, { type: 'LogSoftmax', dim: 1 }];
  await page.goto(`/?section=mnist&trainLimit=256&testLimit=128&epochs=1&batch=64&lr=0.05&model=${encodeURIComponent(JSON.stringify(mlp))}`);
  await page.getByTestId('mnist-run').click();
  await expect(status(page, 5)).toHaveText('done', { timeout: 240_000 });
  await page.waitForTimeout(500); // the checkpoint goes to IndexedDB right after the epoch
  await page.goto('/?section=mnist');
  await expect(page.getByTestId('mnist-resume-banner')).toContainText('Restored the last finished run (1 epoch,');
  await expect(page.getByTestId('mnist-resume-banner')).toContainText('The fields and the model spec show the settings it was trained with');
  expect(JSON.parse(await page.getByTestId('mnist-spec').inputValue())).toEqual(mlp);
  await expect(page.getByTestId('mnist-lr')).toHaveValue('0.05');
  await expect(page.getByTestId('mnist-trainLimit')).toHaveValue('256');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('mnist-export').click()]);
  const f = readSafetensors(readFileSync(await download.path()));
  expect(f.tensors['1.weight'].shape).toEqual([10, 784]);
  // A link with its own settings keeps them, and the banner says how the run differs.
  await page.goto('/?section=mnist&epochs=5');
  await expect(page.getByTestId('mnist-saved-differs')).toContainText(
    '1 epochs, batch 64, OneCycleLR lr 0.05, 256 training and 128 test images, a 3-layer spec',
  );
  await page.getByTestId('mnist-discard').click();
});

test('Stop says "Stopping…" at once, returns within a step, and ends Run all', async ({ page }) => {
  await page.goto('/?section=mnist&trainLimit=1024&testLimit=500&epochs=2&batch=32');
  await page.getByTestId('run-all').click();
  await expect(page.getByTestId('mnist-progress-text')).toContainText('training, batch', { timeout: 240_000 });
  const t0 = Date.now();
  await page.getByTestId('mnist-stop').click();
  await expect(page.getByTestId('mnist-stop')).toHaveText('Stopping…', { timeout: 1000 });
  await expect(status(page, 5)).toHaveText('done', { timeout: 30_000 });
  expect(Date.now() - t0).toBeLessThan(30_000);
  await expect(cell(page, 5).locator('.msg')).toContainText(/Stopped (in epoch 1|after epoch 1)/);
  await page.waitForTimeout(3000);
  await expect(status(page, 7)).toHaveText('idle'); // the chain did not go on to the look inside
  await expect(page.getByTestId('run-all')).toHaveText('Run all');
});

test('after a tiny run: readable text, captions under their digits, per-class accuracy, chart readout and scale, clean axe in light and dark', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/?section=mnist&trainLimit=512&testLimit=256&epochs=1&batch=64');
  await page.getByTestId('run-all').click();
  await expect(status(page, 7)).toHaveText('done', { timeout: 300_000 });
  // Item 7: nothing the user must read is under 12 px at 1280 wide.
  expect(await smallText(page, 'mnist-section', 12)).toEqual([]);
  expect(await smallText(page, 'notebook-app', 12)).toEqual([]);
  // Captions sit under their own digit.
  const fig = page.locator('mnist-inspection digit-grid figure').first();
  const [c, cap] = [await fig.locator('canvas').boundingBox(), await fig.locator('figcaption').boundingBox()];
  expect(cap!.y).toBeGreaterThanOrEqual(c!.y + c!.height - 1);
  expect(Math.abs(cap!.x + cap!.width / 2 - (c!.x + c!.width / 2))).toBeLessThan(2);
  // Per-class accuracy = the confusion matrix's diagonal over its row.
  const rows = await page.getByTestId('mnist-confusion').locator('tr').allInnerTexts();
  const acc = await page
    .getByTestId('mnist-class-accuracy')
    .locator('td')
    .evaluateAll((tds) => tds.map((t) => (t as HTMLElement).dataset.value));
  const cm = rows.slice(1, 11).map((r) =>
    r
      .split('\t')
      .slice(1)
      .map((x) => Number(x) || 0),
  );
  cm.forEach((row, r) => {
    const total = row.reduce((a, b) => a + b, 0);
    if (total) expect(Number(acc[r])).toBeCloseTo((100 * row[r]) / total, 6);
  });
  // Hover values and the log/linear switch on a chart.
  const chart = page.getByTestId('mnist-chart-train-loss');
  await chart.scrollIntoViewIfNeeded();
  const box = (await chart.locator('canvas').boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5);
  await expect(chart.getByTestId('chart-readout')).toContainText(/train loss: epoch [\d.]+, [\d.e-]+/);
  await chart.getByTestId('chart-scale').click();
  await expect(chart).toHaveAttribute('data-scale', 'log');
  // Item 8: axe, light then dark.
  expect(await axe(page)).toEqual([]);
  await page.emulateMedia({ colorScheme: 'dark' });
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(bg).toBe('rgb(11, 17, 32)');
  expect(await axe(page)).toEqual([]);
});

test('the page shell: real tabs with panels and arrow keys; the header and the section share one width; Run all stays on the title row', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/?section=toy');
  const toyTab = page.getByRole('tab', { name: 'Backprop by hand' });
  await expect(toyTab).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('tabpanel', { name: 'Backprop by hand' })).toBeVisible();
  await toyTab.focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('tab', { name: 'MNIST CNN' })).toBeFocused();
  await expect(page.getByRole('tabpanel', { name: 'MNIST CNN' })).toBeVisible();
  await expect(page.getByRole('tab', { name: 'Backprop by hand' })).toHaveAttribute('tabindex', '-1');
  const header = (await page.locator('notebook-app header').first().boundingBox())!;
  const section = (await page.locator('mnist-section').boundingBox())!;
  expect(Math.abs(header.width - section.width)).toBeLessThan(2);
  const title = (await page.locator('notebook-app h1').boundingBox())!;
  const runAll = (await page.getByTestId('run-all').boundingBox())!;
  expect(runAll.y).toBeLessThan(title.y + title.height); // on the title's row, not under it
  // StepLR's gamma error sits under gamma, not under the scheduler menu.
  await page.getByTestId('mnist-schedule').selectOption('StepLR');
  await page.getByTestId('mnist-gamma').fill('0');
  await expect(page.getByTestId('mnist-error-gamma')).toHaveText('must be a number in (0, 1]');
  await expect(page.getByTestId('mnist-error-schedule')).toHaveText('');
});

test('Run all asks before a run estimated past the limit (askAfter seconds), and goes on when told to', async ({ page }) => {
  // A run within the software adapter's short run, with the question lowered to 5 s so it comes up here.
  await page.goto('/?section=mnist&trainLimit=1024&testLimit=200&epochs=2&batch=64&askAfter=5');
  await page.getByTestId('run-all').click();
  await expect(page.getByTestId('mnist-long-run')).toContainText(
    /This run would take about .* more than the 5\.0 s Run all starts without asking, so it paused it/,
    { timeout: 240_000 },
  );
  await expect(status(page, 5)).toHaveText('done', { timeout: 60_000 });
  await expect(status(page, 7)).toHaveText('idle'); // nothing ran past the question
  await page.getByTestId('mnist-long-go-on').click();
  await expect(page.getByTestId('mnist-long-run')).toHaveCount(0);
  await expect(status(page, 7)).toHaveText('done', { timeout: 300_000 });
  await expect(page.getByTestId('mnist-epoch-row')).toHaveCount(2);
});
