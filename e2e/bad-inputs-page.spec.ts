// The bad-input suite, part 3: the page (headless Chromium, real WebGPU on SwiftShader). Query
// parameters and fields go through the same strict parser as the CLI; untrainable specs are
// refused at the field; a damaged checkpoint in IndexedDB is reported with a Discard button,
// never thrown; work past the device's limits is refused with the batch that fits, never "done".
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { writeSafetensors } from '../src/engine/safetensors';

const cellStatus = (page: Page, n: number) => page.locator(`mnist-section nb-cell[index="${n}"]`).getByTestId('cell-status');
const cellMessage = (page: Page, n: number) => page.locator(`mnist-section nb-cell[index="${n}"]`).locator('.msg');

/** Fail the test on any uncaught page error. */
function noPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

test('query parameters are parsed strictly: each bad one is marked at its field and Run stays disabled', async ({ page }) => {
  const cases: [string, string, string][] = [
    ['schedule=cosine', 'schedule', 'must be onecycle, step or constant, got "cosine"'],
    ['batch=0x10', 'batch', 'must be a plain decimal number, got "0x10"'],
    ['seed=', 'seed', 'needs a value'],
    ['momentum=', 'momentum', 'needs a value'],
    ['epochs=1e9', 'epochs', 'must be a whole number from 1 to 1000'],
    ['lr=1e6', 'lr', 'must be a number in (0, 100]'],
    ['trainLimit=70000', 'trainLimit', 'must be a whole number from 1 to 60000'],
  ];
  const errors = noPageErrors(page);
  for (const [q, field, message] of cases) {
    await page.goto(`/?section=mnist&${q}`);
    await expect(page.getByTestId(`mnist-error-${field}`), q).toHaveText(message);
    await expect(page.getByTestId('mnist-run'), q).toBeDisabled();
  }
  expect(errors).toEqual([]);
});

test('the spec editor refuses models that cannot be trained with NLL, and oversized text at once', async ({ page }) => {
  await page.goto('/?section=mnist');
  const run = page.getByTestId('mnist-run');
  const box = page.getByTestId('mnist-spec');
  const err = page.getByTestId('mnist-spec-error');
  const cases: [unknown, string][] = [
    [[{ type: 'Flatten' }, { type: 'Linear', in_features: 784, out_features: 7 }], 'it ends in layer 1 (Linear) with output [7]'],
    [
      [{ type: 'Flatten' }, { type: 'Linear', in_features: 784, out_features: 5 }, { type: 'LogSoftmax', dim: 1 }],
      "The model's output is [5], but MNIST has 10 classes",
    ],
    [[{ type: 'ReLU' }], 'it ends in layer 0 (ReLU)'],
  ];
  for (const [spec, message] of cases) {
    await box.fill(JSON.stringify(spec));
    await expect(err).toContainText(message);
    await expect(run).toBeDisabled();
  }
  // A million layers: refused by its size before any parsing, and the page stays responsive.
  // Timed in the page, from the input event to the refusal in the DOM (not the 18 MB's trip from
  // the test process, nor Chromium laying out an 18 MB textarea, ~10 s here: neither is our code).
  const huge = JSON.stringify(Array(1_000_000).fill({ type: 'ReLU' }));
  const ms = await box.evaluate(
    (el, text) =>
      new Promise<number>((resolve) => {
        (el as HTMLTextAreaElement).value = text;
        const root = el.getRootNode() as ShadowRoot;
        const refused = () => root.querySelector('[data-testid="mnist-spec-error"]')?.textContent?.includes('262,144');
        const t0 = performance.now();
        const seen = new MutationObserver(() => {
          if (!refused()) return;
          seen.disconnect();
          resolve(performance.now() - t0);
        });
        seen.observe(root, { subtree: true, childList: true, characterData: true });
        el.dispatchEvent(new Event('input'));
      }),
    huge,
  );
  await expect(err).toContainText('a model spec may have at most 262,144');
  expect(ms).toBeLessThan(2_000);
  await page.getByRole('button', { name: 'Default model' }).click();
  await expect(run).toBeEnabled();
});

/** Put `value` where the page keeps its checkpoint (idb-keyval's default store). */
async function storeCheckpoint(page: Page, value: unknown) {
  await page.evaluate(
    (v) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('keyval-store');
        open.onupgradeneeded = () => open.result.createObjectStore('keyval');
        open.onsuccess = () => {
          const tx = open.result.transaction('keyval', 'readwrite');
          tx.objectStore('keyval').put(v, 'mnist-checkpoint');
          tx.oncomplete = () => {
            open.result.close();
            resolve();
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
    value,
  );
}

test('a damaged checkpoint is reported with the field at fault and can be discarded; nothing throws', async ({ page }) => {
  const errors = noPageErrors(page);
  await page.goto('/?section=mnist');
  const cfg = {
    epochs: 1e9,
    batch: 128,
    lr: 0.1,
    momentum: 0.9,
    weightDecay: 0,
    seed: 1,
    schedule: { type: 'OneCycleLR' },
    augment: { rotation: 7, cropP: 0, crop: 22 },
  };
  const cases: [unknown, string][] = [
    ['a string', 'the checkpoint is string, not a saved run'],
    [42, 'the checkpoint is number, not a saved run'],
    [{}, 'savedAt: not a time'],
    [
      { savedAt: 1, spec: [{ type: 'Flatten' }, { type: 'Linear', in_features: 784, out_features: 10 }, { type: 'LogSoftmax', dim: 1 }], config: null },
      'config: missing',
    ],
    [
      {
        savedAt: 1,
        spec: [{ type: 'Flatten' }, { type: 'Linear', in_features: 784, out_features: 10 }, { type: 'LogSoftmax', dim: 1 }],
        config: cfg,
        epoch: -5,
      },
      'config.epochs: must be a whole number from 1 to 1000',
    ],
    [
      {
        savedAt: 1,
        spec: [{ type: 'Flatten' }, { type: 'Linear', in_features: 784, out_features: 10 }, { type: 'LogSoftmax', dim: 1 }],
        config: { ...cfg, epochs: 3 },
        epoch: -5,
      },
      'epoch: -5 is not a whole number from 0 to 3',
    ],
    [
      {
        savedAt: 1,
        spec: [{ type: 'Flatten' }, { type: 'Linear', in_features: 784, out_features: 10 }, { type: 'LogSoftmax', dim: 1 }],
        config: { ...cfg, epochs: 3 },
        epoch: 1,
        history: {},
      },
      'history: not a list of epochs',
    ],
  ];
  for (const [value, reason] of cases) {
    await storeCheckpoint(page, value);
    await page.reload();
    const banner = page.getByTestId('mnist-bad-checkpoint');
    await expect(banner, reason).toContainText(reason);
    await expect(page.getByTestId('mnist-resume-banner')).toHaveCount(0);
    await page.getByTestId('mnist-discard-bad').click();
    await expect(banner).toHaveCount(0);
    await page.reload();
    await expect(page.getByTestId('mnist-run')).toBeEnabled();
    await expect(banner).toHaveCount(0); // discarded for good
  }
  expect(errors).toEqual([]);
});

test('a batch past the device limit is refused naming the layer and the batch that fits, never "done"', async ({ page }) => {
  await page.goto('/?section=mnist&batch=29128&trainLimit=29128&testLimit=100&epochs=1');
  await page.getByTestId('mnist-run').click();
  await expect(cellStatus(page, 5)).toHaveText('error', { timeout: 240_000 });
  await expect(cellMessage(page, 5)).toContainText(
    /batch 29,128 \(train\): (layer \d+ \(Conv2d\)'s output|the output of layers \d+–\d+ \(Conv2d → [^)]*\)) needs [\d.]+ MiB \([\d,]+ bytes\) in one binding; this adapter allows [\d.]+ MiB \([\d,]+ bytes\) \(maxStorageBufferBindingSize\); the largest batch that fits is [\d,]+/,
  );
  await expect(page.getByTestId('mnist-epoch-row')).toHaveCount(0);
});

test('importing weights that hold NaN is refused naming the tensor, and nothing is imported', async ({ page }) => {
  await page.goto('/?section=mnist');
  const dir = mkdtempSync(join(tmpdir(), 'nanw-'));
  const file = join(dir, 'nan.safetensors');
  const spec = [{ type: 'Flatten' }, { type: 'Linear', in_features: 784, out_features: 10 }, { type: 'LogSoftmax', dim: 1 }];
  const w = new Float32Array(7840).fill(0.01);
  w[17] = NaN;
  writeFileSync(
    file,
    writeSafetensors({ '1.weight': { shape: [10, 784], data: w }, '1.bias': { shape: [10], data: new Float32Array(10) } }, {}, { model: JSON.stringify(spec) }),
  );
  await page.getByTestId('mnist-import').setInputFiles(file);
  await expect(page.getByTestId('mnist-weights-error')).toContainText('1.weight: value 17 is NaN; weights must be finite', { timeout: 120_000 });
  await expect(page.getByTestId('mnist-import-result')).toHaveCount(0);
  // A file whose metadata holds a million-layer spec: refused by its size, before it is parsed.
  const huge = join(dir, 'huge-spec.safetensors');
  writeFileSync(
    huge,
    writeSafetensors(
      { '1.weight': { shape: [10, 784], data: new Float32Array(7840) } },
      {},
      { model: JSON.stringify(Array(1_000_000).fill({ type: 'ReLU' })) },
    ),
  );
  await page.getByTestId('mnist-import').setInputFiles(huge);
  await expect(page.getByTestId('mnist-weights-error')).toContainText(
    'huge-spec.safetensors: the model spec in its metadata is 16,000,001 characters; a model spec may have at most 262,144',
  );
});
