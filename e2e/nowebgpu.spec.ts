// A browser with no WebGPU (Chromium without --enable-unsafe-webgpu on Linux: requestAdapter()
// returns null): the page opens and explains; backprop runs on its CPU reference; MNIST is disabled.
import { existsSync } from 'node:fs';
import { expect, test } from '@playwright/test';

const systemChromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
test.use({ launchOptions: { executablePath: systemChromium, args: [] } });

test('no WebGPU: the page explains, the toy network runs on the CPU, MNIST training is disabled', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?section=toy');
  await expect(page.getByTestId('toy-engine')).toHaveAttribute('data-engine', 'cpu', { timeout: 60_000 });
  await expect(page.getByTestId('toy-engine')).toContainText('requestAdapter() returned null');
  expect(Number(await page.getByTestId('toy-a_o1').getAttribute('data-value'))).toBeCloseTo(0.606477732206728, 12);
  await page.getByTestId('tab-mnist').click();
  await expect(page.getByTestId('mnist-nogpu')).toContainText('MNIST training needs WebGPU');
  await expect(page.getByTestId('mnist-nogpu')).toContainText('enable-unsafe-webgpu');
  await expect(page.getByTestId('mnist-run')).toBeDisabled();
  await expect(page.getByTestId('mnist-import')).toBeDisabled();
  expect(errors).toEqual([]);
});
