// The backprop section in headless Chromium: every number the ERA sheet lists, read from the page,
// computed on the GPU (SwiftShader here) by the engine's kernels; the bad-input and no-GPU paths.
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';

const ERA = JSON.parse(readFileSync('fixtures/toy-era.json', 'utf8'));
const FORWARD: Record<string, number> = ERA.forward;
const GRADS: number[] = ERA.gradients;
const LR_TABLE: number[][] = ERA.learningRates.rows;

async function value(page: Page, id: string): Promise<number> {
  const el = page.getByTestId(`toy-${id}`);
  await expect(el).toHaveAttribute('data-value', /.+/);
  return Number(await el.getAttribute('data-value'));
}

/** float32 on the GPU against the float64 values: 1e-5 relative; E near 1e-6 is good to ~1e-10 absolute in float32. */
function close(got: number, want: number, rel = 1e-5, abs = 1e-10) {
  expect(Math.abs(got - want), `${got} vs ${want}`).toBeLessThanOrEqual(abs + rel * Math.abs(want));
}

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

test('ERA sheet numbers from the GPU: forward pass, gradients, one step, learning-rate table', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/?section=toy');
  await expect(page.getByTestId('toy-engine')).toHaveAttribute('data-engine', 'gpu', { timeout: 60_000 });
  await expect(page.getByTestId('toy-E_total')).toBeVisible({ timeout: 60_000 });
  for (const [k, v] of Object.entries(FORWARD)) close(await value(page, k), v);
  for (let i = 0; i < 8; i++) close(await value(page, `dE_dw${i + 1}`), GRADS[i]);
  expect(await value(page, 'iteration')).toBe(0);
  close(await value(page, 'w1'), 0.15);

  await page.getByTestId('toy-step').click();
  await expect(page.getByTestId('toy-iteration')).toHaveAttribute('data-value', '1');
  close(await value(page, 'E_total'), 0.01377706213); // E after one step at η = 0.5
  close(await value(page, 'w5'), 0.4 - 0.5 * 0.012880818632);
  await page.getByTestId('toy-reset').click();
  await expect(page.getByTestId('toy-iteration')).toHaveAttribute('data-value', '0');

  await page.getByTestId('run-all').click();
  await expect(page.getByTestId('toy-lr-table')).toBeVisible({ timeout: 240_000 });
  await expect(page.getByTestId(`toy-lr-${LR_TABLE.length - 1}-to4`)).toBeVisible({ timeout: 240_000 });
  for (const [i, [, e1, e67, to3, to4]] of LR_TABLE.entries()) {
    close(await value(page, `lr-${i}-e1`), e1);
    close(await value(page, `lr-${i}-e67`), e67);
    expect(await value(page, `lr-${i}-to3`)).toBe(to3);
    expect(await value(page, `lr-${i}-to4`)).toBe(to4);
  }
  // GPU against float64 as the fixtures compare: max |got − want| / (abs + rel·|want|) ≤ 1.
  expect(await value(page, 'agreement')).toBeLessThanOrEqual(1);
  expect(Number(await page.getByTestId('toy-lr-chart').getAttribute('data-points'))).toBeGreaterThan(1000);
  expect(errors).toEqual([]);
});

test('query parameters preset the network; Mazur preset with fixed biases', async ({ page }) => {
  await page.goto('/?i1=0.05&i2=0.1&t1=0.01&t2=0.99&w1=0.15&w2=0.2&w3=0.25&w4=0.3&w5=0.4&w6=0.45&w7=0.5&w8=0.55&b1=0.35&b2=0.6&lr=0.5');
  await expect(page.getByTestId('toy-E_total')).toBeVisible({ timeout: 60_000 });
  // Mazur's worked example: E_total = 0.298371109, ∂E/∂w5 = 0.082167041.
  close(await value(page, 'E_total'), 0.2983711087600027);
  close(await value(page, 'dE_dw5'), 0.08216704056423077);
  await expect(page.getByTestId('toy-biases')).toBeChecked();
  await page.getByTestId('toy-step').click();
  await expect(page.getByTestId('toy-iteration')).toHaveAttribute('data-value', '1');
  close(await value(page, 'b1'), 0.35); // not learned
  close(await value(page, 'w5'), 0.35891647971788465);
});

test('bad input is marked at the field and nothing runs until it is fixed', async ({ page }) => {
  await page.goto('/?section=toy');
  await expect(page.getByTestId('toy-E_total')).toBeVisible({ timeout: 60_000 });
  for (const [field, text, message] of [
    ['w3', 'abc', 'not a number'],
    ['i1', '', 'required'],
    ['lr', '0', 'η must be > 0'],
    ['lr', '-1', 'η must be > 0'],
  ]) {
    await page.getByTestId(`toy-input-${field}`).fill(text);
    await page.getByTestId(`toy-input-${field}`).press('Tab');
    await expect(page.getByTestId(`toy-error-${field}`)).toHaveText(message);
    await expect(page.getByTestId(`toy-input-${field}`)).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByTestId('toy-invalid')).toBeVisible();
    await expect(page.getByTestId('toy-E_total')).toHaveCount(0);
    await expect(page.getByTestId('toy-step')).toBeDisabled();
    await page.getByTestId('toy-preset-era').click();
    await expect(page.getByTestId('toy-E_total')).toBeVisible({ timeout: 60_000 });
  }
});

test('a diverging setup says what happened', async ({ page }) => {
  await page.goto('/?section=toy&lr=1000');
  await expect(page.getByTestId('toy-E_total')).toBeVisible({ timeout: 60_000 });
  for (let i = 0; i < 3; i++) await page.getByTestId('toy-step').click();
  await expect(page.getByTestId('toy-diverged')).toContainText('Saturated sigmoid');
  // float32 overflows where float64 does not: w1·i1 = 1e40 and w2·i2 = −1e40 are ±∞ on the GPU, h1 = ∞ − ∞ = NaN.
  await page.goto('/?section=toy&i1=1e10&i2=1e10&w1=1e30&w2=-1e30');
  await expect(page.getByTestId('toy-diverged')).toContainText('not a number', { timeout: 60_000 });
  // A number float32 cannot hold at all is refused at its field.
  await page.goto('/?section=toy&w1=1e39');
  await expect(page.getByTestId('toy-error-w1')).toContainText('too large for float32');
  await expect(page.getByTestId('toy-invalid')).toBeVisible();
});

test('without WebGPU the section runs on the float64 CPU reference, marked as such', async ({ page }) => {
  await page.goto('/?section=toy&nogpu');
  await expect(page.getByTestId('toy-engine')).toHaveAttribute('data-engine', 'cpu', { timeout: 60_000 });
  await expect(page.getByTestId('toy-engine')).toContainText('CPU reference');
  for (const [k, v] of Object.entries(FORWARD)) close(await value(page, k), v, 1e-12, 0);
});

test('hovering a chain-rule factor lights its path on the diagram; a copied link reproduces the network', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto('/?section=toy&w5=0.42&lr=0.7');
  await expect(page.getByTestId('toy-dE_dw5')).toBeVisible({ timeout: 60_000 });
  const hot = page.locator('toy-diagram .hot');
  await expect(hot).toHaveCount(0);
  // ∂o1/∂w5 = a_h1: the w5 edge and the h1 node.
  // The first factor of ∂E/∂w1 is ∂E/∂a_h1: both outputs' errors flow back through o1 and o2 to h1.
  await page.locator('toy-partials .f').nth(0).hover();
  await expect(page.locator('toy-diagram circle.hot')).toHaveCount(5);
  await page.mouse.move(0, 0);
  await expect(hot).toHaveCount(0);

  await page.getByTestId('toy-copy-link').click();
  await expect(page.getByTestId('toy-copied')).not.toBeEmpty();
  const copied = await page.evaluate(() => navigator.clipboard.readText().catch(() => ''));
  const url = copied || (await page.getByTestId('toy-copied').innerText());
  expect(url).toContain('w5=0.42');
  expect(url).toContain('lr=0.7');
  await page.goto(url);
  await expect(page.getByTestId('toy-input-w5')).toHaveValue('0.42');
  await expect(page.getByTestId('toy-input-lr')).toHaveValue('0.7');
  await expect(page.getByTestId('toy-w5')).toHaveAttribute('data-value', /^0\.41999/);
});
