// Notebook habits on the real page: Shift+Enter / Ctrl+Enter (also from a field), the "?" list,
// each cell's run state ([n], [*], queued, the last run's time), Stop cancelling Run all's queue
// and saying so, and a reloaded run marked as restored.
import { expect, test, type Page } from '@playwright/test';

const TINY = '/?section=mnist&trainLimit=256&testLimit=256&epochs=1&seed=7';
const cell = (page: Page, n: number) => page.locator(`mnist-section nb-cell[index="${n}"]`);
const status = (page: Page, n: number) => cell(page, n).getByTestId('cell-status');
const count = (page: Page, n: number) => cell(page, n).getByTestId('cell-count');

/** The focused element through shadow roots: its tag, and its index when it is a cell. */
const focused = (page: Page) =>
  page.evaluate(() => {
    let a: Element | null = document.activeElement;
    while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
    return a
      ? `${a.tagName.toLowerCase()}${a.getAttribute('index') ? `[${a.getAttribute('index')}]` : ''}${a.getAttribute('data-testid') ? `#${a.getAttribute('data-testid')}` : ''}`
      : '';
  });

test('Shift+Enter runs a cell from its field and moves on, Ctrl+Enter runs in place; [n], [*], time; restored after a reload', async ({ page }) => {
  await page.goto(TINY);
  await expect(count(page, 1)).toHaveText('[ ]');
  // Enter alone in a field keeps its own meaning: nothing runs.
  await page.getByTestId('mnist-rotation').fill('5');
  await page.getByTestId('mnist-rotation').press('Enter');
  await expect(status(page, 1)).toHaveText('idle');
  await page.getByTestId('mnist-rotation').press('Shift+Enter');
  await expect(count(page, 1)).toHaveText('[*]');
  await expect(status(page, 1)).toHaveText('running');
  expect(await focused(page)).toBe('nb-cell[2]');
  await expect(status(page, 1)).toHaveText('done', { timeout: 120_000 });
  await expect(count(page, 1)).toHaveText('[1]');
  await expect(cell(page, 1).getByTestId('cell-elapsed')).toHaveText(/^\d+(\.\d)? s$/);
  const ms = Number(await cell(page, 1).getByTestId('cell-elapsed').getAttribute('data-value'));
  expect(ms).toBeGreaterThan(0);

  // Cell 2 has focus: Ctrl+Enter runs it and focus stays.
  await page.keyboard.press('Control+Enter');
  await expect(status(page, 2)).toHaveText('done', { timeout: 120_000 });
  await expect(count(page, 2)).toHaveText('[2]');
  expect(await focused(page)).toBe('nb-cell[2]');
  // Running cell 1 again gives it the next count.
  await cell(page, 1).getByTestId('cell-run').click();
  await expect(count(page, 1)).toHaveText('[3]', { timeout: 120_000 });

  // From a field of cell 5 (no Run button of its own in the header): Ctrl+Enter trains.
  await page.getByTestId('mnist-epochs').press('Control+Enter');
  await expect(status(page, 5)).toHaveText('running');
  await expect(count(page, 5)).toHaveText('[*]');
  expect(await focused(page)).toBe('input#mnist-epochs');
  await expect(status(page, 5)).toHaveText('done', { timeout: 240_000 });
  await expect(count(page, 5)).toHaveText('[4]');

  // After a reload the run comes back, marked as restored rather than re-run.
  await page.reload();
  await expect(page.getByTestId('mnist-resume-banner')).toBeVisible();
  await expect(status(page, 5)).toHaveText('restored');
  await expect(count(page, 5)).toHaveText('[r]');
  await expect(status(page, 6)).toHaveText('restored');
  await expect(status(page, 1)).toHaveText('idle');
  await expect(count(page, 1)).toHaveText('[ ]');
});

test('Run all queues its cells; Stop cancels the queued ones and says so in each', async ({ page }) => {
  await page.goto('/?section=mnist&trainLimit=1024&testLimit=256&epochs=2');
  await page.getByTestId('run-all').click();
  for (const n of [5, 7, 8, 9]) await expect(status(page, n)).toHaveText('queued');
  // Stop once training steps are under way.
  await expect(page.getByTestId('mnist-progress-text')).toContainText('training, batch', { timeout: 240_000 });
  await expect(status(page, 5)).toHaveText('running');
  await expect(status(page, 7)).toHaveText('queued');
  await page.getByTestId('mnist-stop').click();
  for (const n of [7, 8, 9]) {
    await expect(status(page, n)).toHaveText('idle');
    await expect(cell(page, n)).toContainText('Not run: Stop cancelled Run all before it reached this cell.');
  }
  await expect(status(page, 5)).toHaveText('done', { timeout: 120_000 });
  await expect(cell(page, 5)).toContainText('Stopped');
  await expect(count(page, 7)).toHaveText('[ ]');
  for (const n of [1, 2, 3, 4]) await expect(status(page, n)).toHaveText('done');
});

test('"?" lists the shortcuts (not while typing in a field); Escape closes it', async ({ page }) => {
  await page.goto('/?section=mnist');
  const help = page.getByTestId('shortcut-help');
  await page.getByTestId('mnist-epochs').press('?');
  await expect(help).not.toBeVisible();
  await page.getByTestId('mnist-epochs').evaluate((e: HTMLElement) => e.blur());
  await page.keyboard.press('?');
  await expect(help).toBeVisible();
  await expect(help).toContainText('Shift + Enter');
  await expect(help).toContainText('run the focused cell and move to the next one');
  await expect(help).toContainText('Ctrl + Enter');
  await page.keyboard.press('Escape');
  await expect(help).not.toBeVisible();
  await page.getByTestId('shortcuts').click();
  await expect(help).toBeVisible();
});
