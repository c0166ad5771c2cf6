// Weights out of the page, into PyTorch (when it is installed), and back in; bad files refused
// with a message naming the tensor, the model in memory untouched.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { readSafetensors, writeSafetensors } from '../src/engine/safetensors';

const RUN = '/?section=mnist&trainLimit=512&testLimit=512&epochs=1&batch=64';
const dir = mkdtempSync(join(tmpdir(), 'weights-'));
const hasTorch = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

async function exportFile(page: Page, name: string): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('mnist-export').click()]);
  const path = join(dir, name);
  await download.saveAs(path);
  return path;
}

test('export → PyTorch loads it (strict) with the same test accuracy → import round trip', async ({ page }) => {
  await page.goto(RUN);
  await page.getByTestId('mnist-run').click();
  await expect(page.getByTestId('mnist-test-acc-1')).toBeVisible({ timeout: 240_000 });
  const acc = Number(await page.getByTestId('mnist-test-acc-1').getAttribute('data-value'));
  const file = await exportFile(page, 'trained.safetensors');
  const f = readSafetensors(readFileSync(file));
  expect(Object.keys(f.tensors)).toContain('0.weight');
  expect(f.ints['1.num_batches_tracked']).toEqual([8]);

  if (hasTorch) {
    const out = execFileSync('/usr/bin/python3', ['scripts/pytorch_roundtrip.py', 'check', file, '--expect', String(acc), '--test-limit', '512'], {
      encoding: 'utf8',
    });
    console.log(out.trim());
    expect(out).toContain('MATCH');
  } else {
    console.log('PyTorch is not installed here: the PyTorch-side check (scripts/pytorch_roundtrip.py) is skipped');
  }

  // Into a fresh page: same accuracy on the same test images.
  await page.goto(RUN);
  await page.getByTestId('mnist-import').setInputFiles(file);
  await expect(page.getByTestId('mnist-import-result')).toBeVisible({ timeout: 240_000 });
  expect(Math.abs(Number(await page.getByTestId('mnist-import-result').getAttribute('data-value')) - acc)).toBeLessThanOrEqual(1e-9);
  // And it keeps training from there.
  await expect(page.getByTestId('mnist-continue')).toBeEnabled();
});

test('weights PyTorch initialised and saved import into the page', async ({ page }) => {
  await page.goto(RUN);
  await page.getByTestId('mnist-import').setInputFiles('fixtures/pytorch-init-default.safetensors');
  await expect(page.getByTestId('mnist-import-result')).toContainText('pytorch-init-default.safetensors', { timeout: 240_000 });
});

test('corrupt and mismatched files are refused with the tensor and the reason; the model is untouched', async ({ page }) => {
  await page.goto(RUN);
  await page.getByTestId('mnist-run').click();
  await expect(page.getByTestId('mnist-test-acc-1')).toBeVisible({ timeout: 240_000 });
  const good = readFileSync(await exportFile(page, 'before.safetensors'));

  const truncated = join(dir, 'truncated.safetensors');
  writeFileSync(truncated, good.subarray(0, good.length - 1000));
  await page.getByTestId('mnist-import').setInputFiles(truncated);
  await expect(page.getByTestId('mnist-weights-error')).toContainText('truncated');

  const f = readSafetensors(good);
  const wrong = join(dir, 'mismatched.safetensors');
  const t = { ...f.tensors, '27.weight': { shape: [10, 16], data: f.tensors['27.weight'].data } };
  writeFileSync(wrong, writeSafetensors(t, { '1.num_batches_tracked': 8 }, { model: f.metadata.model }));
  await page.getByTestId('mnist-import').setInputFiles(wrong);
  await expect(page.getByTestId('mnist-weights-error')).toContainText("27.weight: shape [10, 16] does not match the model's [10, 16, 1, 1]");

  const f64 = join(dir, 'float64.safetensors');
  const bytes = writeSafetensors(f.tensors, {}, { model: f.metadata.model });
  const n = Number(Buffer.from(bytes).readBigUInt64LE(0));
  const header = Buffer.from(bytes.subarray(8, 8 + n))
    .toString()
    .replace('"0.weight":{"dtype":"F32","shape":[8,1,3,3]', '"0.weight":{"dtype":"F64","shape":[4,1,3,3]');
  const patched = Buffer.from(bytes);
  patched.write(header.padEnd(n, ' '), 8);
  writeFileSync(f64, patched);
  await page.getByTestId('mnist-import').setInputFiles(f64);
  await expect(page.getByTestId('mnist-weights-error')).toContainText('0.weight: dtype F64, but the engine trains in float32');

  const after = readFileSync(await exportFile(page, 'after.safetensors'));
  expect(after.equals(good)).toBe(true);
  await expect(page.getByTestId('mnist-epoch-row')).toHaveCount(1);
});
