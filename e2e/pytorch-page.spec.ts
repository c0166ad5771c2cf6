// The model cell's PyTorch box: presets, Paste PyTorch (the S5 notebook's Net read with its module
// names; a refusal shown with line, column and construct, the spec unchanged) and model.py out.
import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
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
