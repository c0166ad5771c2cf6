// The model cell's PyTorch box: presets, Paste PyTorch (the S5 notebook's Net read with its module
// names; a refusal shown with line, column and construct, the spec unchanged) and model.py out.
import { expect, test } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyPyTorch } from '../src/engine/pytorch/copy';

const S5 = readFileSync('test/pytorch/s5-model.py', 'utf8');
const json = (f: string) => JSON.parse(readFileSync(f, 'utf8'));
const era7918 = json('src/models/era-7918.json');
const s5 = json('src/models/s5.json');

test('presets, paste the S5 Net, a refused paste leaves the spec, and model.py is what Copy writes', async ({ page }) => {
  await page.goto('/?section=mnist');
  const spec = page.getByTestId('mnist-spec');
  await page.getByTestId('mnist-preset').selectOption('era-7918');
  expect(JSON.parse(await spec.inputValue())).toEqual(era7918);
  await expect(page.getByTestId('mnist-total-params')).toHaveText('7,918');

  await page.getByText('Paste PyTorch (a class Net').click();
  await page.getByTestId('mnist-paste').fill(S5);
  await page.getByTestId('mnist-paste-apply').click();
  const pasted = JSON.parse(await spec.inputValue());
  expect(pasted.map(({ name: _, ...l }: { name?: string }) => l)).toEqual(s5);
  expect(pasted[0].name).toBe('conv1');
  await expect(page.getByTestId('mnist-total-params')).toHaveText('593,200');
  await expect(page.getByTestId('mnist-pytorch-note')).toHaveText('Read 15 layers, 593,200 parameters; the weights export under its module names.');
  await expect(page.getByTestId('mnist-preset')).toHaveValue('');

  const before = await spec.inputValue();
  await page.getByTestId('mnist-paste').fill(S5.replace('x = self.fc2(x)', 'x = self.fc2(x) + x'));
  await page.getByTestId('mnist-paste-apply').click();
  await expect(page.getByTestId('mnist-paste-error')).toHaveText(
    'line 25, column 13: self.fc2(…) + x: binary operator "+" is not supported (a skip connection?); forward passes one tensor through the layers in order',
  );
  expect(await spec.inputValue()).toBe(before);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('mnist-download-pytorch').click()]);
  expect(download.suggestedFilename()).toBe('model.py');
  expect(readFileSync(await download.path(), 'utf8')).toBe(copyPyTorch(pasted));
});

test('Export as PyTorch project downloads a zip with the run settings, and its train.py runs where PyTorch is installed', async ({ page }) => {
  const mlp = [{ type: 'Flatten' }, { type: 'Linear', in_features: 784, out_features: 10 }, { type: 'LogSoftmax', dim: 1 }];
  await page.goto(
    `/?section=mnist&trainLimit=256&testLimit=128&epochs=1&batch=64&lr=0.05&schedule=constant&rotation=0&model=${encodeURIComponent(JSON.stringify(mlp))}`,
  );
  await page.getByTestId('mnist-run').click();
  await expect(page.getByTestId('mnist-test-acc-1')).toBeVisible({ timeout: 240_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('mnist-export-pytorch').click()]);
  expect(download.suggestedFilename()).toBe('mnist-pytorch.zip');
  const dir = mkdtempSync(join(tmpdir(), 'pageproj-'));
  const file = join(dir, 'p.zip');
  await download.saveAs(file);
  const unzip = spawnSync(
    '/usr/bin/python3',
    ['-c', 'import zipfile, sys; z = zipfile.ZipFile(sys.argv[1]); z.extractall(sys.argv[2]); print(" ".join(sorted(z.namelist())))', file, dir],
    { encoding: 'utf8' },
  );
  expect(unzip.status, unzip.stderr).toBe(0);
  expect(unzip.stdout.trim()).toBe(
    ['S5.ipynb', 'config.json', 'model.py', 'train.py', 'utils.py', 'weights.safetensors'].map((n) => `mnist-pytorch/${n}`).join(' '),
  );
  const cfg = JSON.parse(readFileSync(join(dir, 'mnist-pytorch', 'config.json'), 'utf8'));
  expect(cfg).toMatchObject({
    epochs: 1,
    batch: 64,
    lr: 0.05,
    schedule: { type: 'constant' },
    trainLimit: 256,
    testLimit: 128,
    model: mlp,
    augment: { rotation: 0 },
  });
  if (spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status !== 0) {
    console.log('PyTorch is not installed for /usr/bin/python3: the exported train.py is not run');
    return;
  }
  const run = spawnSync('/usr/bin/python3', [join(dir, 'mnist-pytorch', 'train.py'), '--data', 'public/data', '--steps', '1'], {
    encoding: 'utf8',
    timeout: 240_000,
  });
  expect(run.status, run.stderr).toBe(0);
  expect(run.stdout).toContain('1 process(es); 7850 parameters; train 256, test 128; batch 64 per process');
});
