// Every PyTorch gradient fixture through the engine inside headless Chromium (WebGPU).
import { expect, test } from '@playwright/test';

test('every gradient fixture passes in the browser, in every tuning', async ({ page }) => {
  test.setTimeout(600_000);
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/fixtures/check.html');
  await page.waitForFunction(() => window.__fixtures !== undefined, undefined, { timeout: 580_000 });
  const out = await page.evaluate(() => window.__fixtures!);
  if ('error' in out) throw new Error(out.error);
  console.log(`adapter: ${out.adapter}`);
  for (const r of out.results) {
    const w = r.worst;
    console.log(
      `${r.pass ? 'PASS' : 'FAIL'} ${r.name}` +
        (w ? `: worst ${w.tensor} max abs ${w.maxAbs.toExponential(2)} max rel ${w.maxRel.toExponential(2)}` : `: ${r.error}`),
    );
  }
  for (const kind of ['gpu', 'cpu', 'defaults']) expect(out.results.filter((r) => r.name.endsWith(`(tuning ${kind})`)).length, kind).toBeGreaterThan(20);
  expect(out.results.filter((r) => r.name.startsWith('inspect ')).length).toBeGreaterThanOrEqual(5);
  expect(out.results.filter((r) => !r.pass).map((r) => r.name)).toEqual([]);
  expect(out.control.pass).toBe(false);
  expect(out.control.worst?.tensor).toBe('grad 4.weight');
  expect(errors).toEqual([]);
});
