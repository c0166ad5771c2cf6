// Failures that must lose nothing: a lost GPU device mid-epoch, a reload mid-training, memory
// across stop/continue. (NaN and bad input: mnist.spec.ts; no WebGPU: nowebgpu.spec.ts.)
import { expect, test, type Page } from '@playwright/test';

const cellStatus = (page: Page, n: number) => page.locator(`mnist-section nb-cell[index="${n}"]`).getByTestId('cell-status');
const rows = (page: Page) => page.getByTestId('mnist-epoch-row');

test('a lost device mid-epoch: a new device, the last checkpoint restored, training goes on', async ({ page }) => {
  await page.goto('/?section=mnist&trainLimit=256&testLimit=128&epochs=3&batch=64');
  await page.getByTestId('mnist-run').click();
  await expect(rows(page)).toHaveCount(1, { timeout: 240_000 });
  // Wait until the second epoch is under way, then pull the device out from under it.
  await expect(page.getByTestId('mnist-progress-text')).toContainText('epoch 2 of 3', { timeout: 120_000 });
  await page.evaluate(() => (window as any).__mnist.loseDevice());
  await expect(page.getByTestId('mnist-recovered')).toContainText('The GPU device was lost', { timeout: 120_000 });
  // Epoch 1's checkpoint, or epoch 2's if the loss landed after it: either way the last one.
  await expect(page.getByTestId('mnist-recovered')).toContainText(/resumed from the checkpoint after epoch [12]\b/);
  await expect(cellStatus(page, 5)).toHaveText('done', { timeout: 300_000 });
  await expect(rows(page)).toHaveCount(3);
  await expect(rows(page).nth(2).locator('td').first()).toHaveText('3');
});

test('reload mid-training: the notebook offers to continue, the charts come back, training finishes', async ({ page }) => {
  await page.goto('/?section=mnist&trainLimit=256&testLimit=128&epochs=3&batch=64');
  await page.getByTestId('mnist-run').click();
  await expect(rows(page)).toHaveCount(1, { timeout: 240_000 });
  const firstRow = await rows(page).first().innerText();
  await page.waitForTimeout(500); // the checkpoint is written to IndexedDB right after the epoch
  await page.reload();
  await expect(page.getByTestId('mnist-resume-banner')).toContainText('interrupted after epoch 1 of 3', { timeout: 60_000 });
  await expect(rows(page)).toHaveCount(1);
  expect(await rows(page).first().innerText()).toBe(firstRow);
  expect(Number(await page.getByTestId('mnist-chart-train-loss').getAttribute('data-points'))).toBeGreaterThan(0);
  await page.getByTestId('mnist-resume').click();
  await expect(cellStatus(page, 5)).toHaveText('done', { timeout: 300_000 });
  await expect(rows(page)).toHaveCount(3);
  expect(await rows(page).first().innerText()).toBe(firstRow);
  await page.reload();
  await expect(page.getByTestId('mnist-resume-banner')).toContainText('Restored the last finished run (3 epochs', { timeout: 60_000 });
  await page.getByTestId('mnist-discard').click();
  await expect(rows(page)).toHaveCount(0);
});

test('live GPU memory after stop and continue is what it was after the first epoch', async ({ page }) => {
  await page.goto('/?section=mnist&trainLimit=256&testLimit=128&epochs=3&batch=64');
  await page.getByTestId('mnist-run').click();
  await expect(rows(page)).toHaveCount(1, { timeout: 240_000 });
  const afterFirst = await rows(page).first().getAttribute('data-live-bytes');
  await expect(page.getByTestId('mnist-progress-text')).toContainText('epoch 2 of 3', { timeout: 120_000 });
  await page.getByTestId('mnist-stop').click();
  await expect(cellStatus(page, 5)).toHaveText('done', { timeout: 120_000 });
  await expect(page.getByTestId('mnist-continue')).toBeEnabled();
  await page.getByTestId('mnist-continue').click();
  await expect(rows(page)).toHaveCount(3, { timeout: 300_000 });
  expect(await rows(page).nth(2).getAttribute('data-live-bytes')).toBe(afterFirst);
});
