// Run states at the edges of Run all: Stop pressed while the model is being built (before the
// first training step) cancels that run and every queued cell, and says so; no cell is left
// showing [*].
import { expect, test, type Page } from '@playwright/test';

const cell = (page: Page, n: number) => page.locator(`mnist-section nb-cell[index="${n}"]`);
const status = (page: Page, n: number) => cell(page, n).getByTestId('cell-status');
const count = (page: Page, n: number) => cell(page, n).getByTestId('cell-count');

test('Stop while Run all builds the model cancels the run and the queued cells, and says so', async ({ page }) => {
  await page.goto('/?section=mnist&trainLimit=1024&testLimit=256&epochs=2');
  await page.getByTestId('run-all').click();
  await expect(status(page, 7)).toHaveText('queued');
  // Cell 5 running with no step yet: the model, its plan and pipelines are being built.
  await expect(status(page, 5)).toHaveText('running', { timeout: 120_000 });
  await expect(page.getByTestId('mnist-progress-text')).toHaveText('starting…');
  await page.getByTestId('mnist-stop').click();
  await expect(page.getByTestId('run-all')).toHaveText('Run all', { timeout: 120_000 });
  await expect(cell(page, 5)).toContainText('Stopped while building the model; queued cells cancelled.');
  await expect(status(page, 5)).toHaveText('idle');
  await expect(status(page, 6)).toHaveText('idle');
  await expect(cell(page, 6)).toContainText('Not run: Stop cancelled Run all before it reached this cell.');
  await expect(status(page, 7)).toHaveText('idle');
  await expect(cell(page, 7)).toContainText('Not run: Stop cancelled Run all before it reached this cell.');
  for (const n of [1, 2, 3, 4]) await expect(status(page, n)).toHaveText('done');
  // Nothing trains afterwards: no step, no epoch, no cell left at [*].
  await page.waitForTimeout(3000);
  await expect(page.getByTestId('mnist-progress-text')).not.toContainText('training, batch');
  await expect(page.getByTestId('mnist-epoch-log')).toHaveCount(0);
  for (let n = 1; n <= 12; n++) if (await cell(page, n).count()) await expect(count(page, n)).not.toHaveText('[*]');
  await expect(
    page
      .locator('mnist-section nb-cell')
      .getByTestId('cell-status')
      .filter({ hasText: /^(running|queued)$/ }),
  ).toHaveCount(0);
});

const toy = (page: Page, n: number) => page.locator(`toy-section nb-cell[index="${n}"]`);

/** Every status each toy cell showed from now on, in order (nb-cell's status attribute, set by its owner). */
async function recordToyStates(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: Record<string, string[]> = {};
    (window as unknown as { __seen: unknown }).__seen = seen;
    const all = (root: ParentNode): Element[] => [...root.querySelectorAll('*')].flatMap((e) => [e, ...(e.shadowRoot ? all(e.shadowRoot) : [])]);
    const section = document.querySelector('notebook-app')!.shadowRoot!.querySelector('toy-section')!;
    for (const c of all(section.shadowRoot!).filter((e) => e.tagName === 'NB-CELL')) {
      const i = c.getAttribute('index')!;
      seen[i] = [c.getAttribute('status') ?? ''];
      new MutationObserver(() => {
        const v = c.getAttribute('status') ?? '';
        if (seen[i][seen[i].length - 1] !== v) seen[i].push(v);
      }).observe(c, { attributes: true, attributeFilter: ['status'] });
    }
  });
}

test("the toy section's Run all: queued, [*], [n] and time per cell as in the MNIST section; Stop cancels its queued cell", async ({ page }) => {
  await page.goto('/?section=toy');
  await expect(toy(page, 1).getByTestId('cell-status')).toHaveText('done', { timeout: 120_000 }); // the page computes the network on load
  await page.getByTestId('toy-lr-list').fill('0.5, 2');
  await recordToyStates(page);
  await page.getByTestId('run-all').click();
  await expect(page.getByTestId('run-all')).toHaveText('Run all', { timeout: 240_000 });
  const seen = await page.evaluate(() => (window as unknown as { __seen: Record<string, string[]> }).__seen);
  // The comparison (cell 6) waits, queued, while the network's cells run; then it runs.
  expect(seen['6']).toEqual(['idle', 'queued', 'running', 'done']);
  for (const n of ['1', '2', '3', '4', '5', '7']) expect(seen[n]).toEqual(['done', 'running', 'done']);
  for (let n = 1; n <= 7; n++) {
    await expect(toy(page, n).getByTestId('cell-count')).toHaveText(/^\[\d+\]$/);
    await expect(toy(page, n).getByTestId('cell-elapsed')).toHaveText(/^\d+(\.\d)? s$/);
  }
  // Cell 6 ran last: the highest count.
  const counts = await Promise.all([1, 2, 3, 4, 5, 6, 7].map(async (n) => Number((await toy(page, n).getByTestId('cell-count').textContent())!.slice(1, -1))));
  expect(Math.max(...counts)).toBe(counts[5]);
  await expect(page.getByTestId('toy-lr-table')).toBeVisible();

  // Run all, and Stop while the network is being computed: the comparison never runs, and says why.
  await page.evaluate(async () => {
    const app = document.querySelector('notebook-app')! as HTMLElement & { updateComplete: Promise<boolean> };
    (app.shadowRoot!.querySelector('[data-testid="run-all"]') as HTMLButtonElement).click();
    await app.updateComplete;
    (app.shadowRoot!.querySelector('[data-testid="run-all-stop"]') as HTMLButtonElement).click();
  });
  await expect(toy(page, 6).getByTestId('cell-status')).toHaveText('idle');
  await expect(toy(page, 6)).toContainText('Not run: Stop cancelled Run all before it reached this cell.');
  await expect(page.getByTestId('run-all')).toHaveText('Run all', { timeout: 120_000 });
  for (const n of [1, 2, 3, 4, 5, 7]) await expect(toy(page, n).getByTestId('cell-status')).toHaveText('done');
  await page.waitForTimeout(2000);
  await expect(toy(page, 6).getByTestId('cell-status')).toHaveText('idle');
  for (let n = 1; n <= 7; n++) await expect(toy(page, n).getByTestId('cell-count')).not.toHaveText('[*]');

  // Stop during the comparison ends it where it is, and says so.
  await page.getByTestId('toy-lr-list').fill('0.1, 0.2, 0.5, 0.8, 1.0, 2.0');
  await page.getByTestId('run-all').click();
  await expect(toy(page, 6).getByTestId('cell-status')).toHaveText('running', { timeout: 120_000 });
  await page.getByTestId('run-all-stop').click();
  await expect(toy(page, 6).getByTestId('cell-status')).toHaveText('idle');
  await expect(toy(page, 6)).toContainText(/Stopped after \d of 6 learning rates\./);
  await expect(page.getByTestId('run-all')).toHaveText('Run all', { timeout: 60_000 });
  await expect(toy(page, 6).getByTestId('cell-count')).not.toHaveText('[*]');
});
