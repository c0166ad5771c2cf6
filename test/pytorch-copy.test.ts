// Copy as PyTorch against PyTorch itself: for every preset, the model.py we write builds a Net that
// loads our exported .safetensors with load_state_dict(strict=True), has the parameter count the
// course reports (torchsummary's: trainable parameters) and returns log-probabilities. Skipped,
// saying so, where /usr/bin/python3 has no torch (the CI installs python3-torch).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Model } from '../src/engine/model';
import { copyPyTorch } from '../src/engine/pytorch/copy';
import { type LayerSpec } from '../src/engine/spec';
import { encodeWeights } from '../src/train/weights';
import { runtime } from './gpu';
import { PRESETS } from '../src/models/presets';

const hasTorch = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!hasTorch) console.log('PyTorch is not installed for /usr/bin/python3: the model.py checks against PyTorch are skipped');
const dir = mkdtempSync(join(tmpdir(), 'copy-'));

/** The counts the published solutions and the S5 notebook report. */
const PARAMS: Record<string, number> = { 'mnist-default': 8880, s5: 593200, 'era-18962': 18962, 'era-17130': 17130, 'era-17640': 17640, 'era-7918': 7918 };

describe.skipIf(!hasTorch)('Copy as PyTorch, loaded by PyTorch', () => {
  it.each(PRESETS.map((p) => [p.id, p.spec] as const))(
    '%s: Net() loads our weights strictly, with the published parameter count',
    async (name, spec: LayerSpec[]) => {
      const m = new Model(await runtime(), spec, [1, 28, 28]);
      m.init(3);
      m.batchesTracked = 5;
      const weights = join(dir, `${name}.safetensors`);
      writeFileSync(weights, await encodeWeights(m));
      const py = join(dir, `${name}.py`);
      writeFileSync(py, copyPyTorch(spec));
      const out = JSON.parse(execFileSync('/usr/bin/python3', ['scripts/pytorch_roundtrip.py', 'load', py, weights], { encoding: 'utf8' }));
      expect(out.params).toBe(PARAMS[name]);
      expect(m.paramCount).toBe(PARAMS[name]);
      expect(PRESETS.find((p) => p.id === name)!.params).toBe(PARAMS[name]);
      expect(out.shape).toEqual([2, 10]);
      for (const s of out.expsum) expect(Math.abs(s - 1)).toBeLessThan(1e-5);
      const ours = [
        ...Object.keys((await m.snapshot()).state),
        ...m.infos.filter((l) => l.type === 'BatchNorm2d').map((l) => `${l.prefix}.num_batches_tracked`),
      ];
      expect([...out.keys].sort()).toEqual(ours.sort());
      m.destroy();
    },
  );
});

/** MaxPool2d(3, 2, 1), GroupNorm and LayerNorm over [C, H, W] and [F], named as a student would. */
const NORMS: LayerSpec[] = [
  { type: 'Conv2d', name: 'block1.0', in_channels: 1, out_channels: 16, kernel_size: 3, padding: 1 },
  { type: 'GroupNorm', name: 'block1.1', num_groups: 2, num_channels: 16 },
  { type: 'ReLU', name: 'block1.2' },
  { type: 'MaxPool2d', name: 'block1.3', kernel_size: 3, stride: 2, padding: 1 },
  { type: 'Conv2d', name: 'block2.0', in_channels: 16, out_channels: 10, kernel_size: 3, padding: 1 },
  { type: 'MaxPool2d', name: 'block2.1', kernel_size: 2, stride: 1 },
  { type: 'Conv2d', name: 'block2.2', in_channels: 10, out_channels: 10, kernel_size: 6 },
  { type: 'LayerNorm', name: 'block2.3', normalized_shape: [10, 8, 8] },
  { type: 'ReLU', name: 'block2.4' },
  { type: 'Flatten' },
  { type: 'Linear', name: 'fc1', in_features: 640, out_features: 32 },
  { type: 'LayerNorm', name: 'norm', normalized_shape: 32 },
  { type: 'Linear', name: 'fc2', in_features: 32, out_features: 10 },
  { type: 'LogSoftmax', dim: 1 },
];

describe.skipIf(!hasTorch)('Copy as PyTorch with MaxPool2d(3, 2, 1), GroupNorm and LayerNorm, loaded by PyTorch', () => {
  it("Net() loads our weights strictly (LayerNorm's weight shaped [10, 8, 8]), with PyTorch's parameter count", async () => {
    const m = new Model(await runtime(), NORMS, [1, 28, 28]);
    m.init(4);
    const weights = join(dir, 'norms.safetensors');
    writeFileSync(weights, await encodeWeights(m));
    const py = join(dir, 'norms.py');
    writeFileSync(py, copyPyTorch(NORMS));
    const out = JSON.parse(execFileSync('/usr/bin/python3', ['scripts/pytorch_roundtrip.py', 'load', py, weights], { encoding: 'utf8' }));
    // conv 160 + GroupNorm 32 + conv 1,450 + conv 3,610 + LayerNorm 1,280 + Linear 20,512 + LayerNorm 64 + Linear 330
    expect(out.params).toBe(27438);
    expect(m.paramCount).toBe(27438);
    expect(out.shape).toEqual([2, 10]);
    for (const s of out.expsum) expect(Math.abs(s - 1)).toBeLessThan(1e-5);
    expect([...out.keys].sort()).toEqual(Object.keys((await m.snapshot()).state).sort());
    m.destroy();
  });
});

/** Strided, dilated, depthwise and grouped convolutions (conv2d_general), as a student would stack them. */
const GENERAL: LayerSpec[] = [
  { type: 'Conv2d', in_channels: 1, out_channels: 8, kernel_size: 3, stride: 2 },
  { type: 'BatchNorm2d', num_features: 8 },
  { type: 'ReLU' },
  { type: 'Conv2d', in_channels: 8, out_channels: 8, kernel_size: 3, padding: 1, groups: 8 },
  { type: 'Conv2d', in_channels: 8, out_channels: 16, kernel_size: 1 },
  { type: 'Conv2d', in_channels: 16, out_channels: 32, kernel_size: 3, stride: 2, dilation: 2, groups: 4, padding_mode: 'zeros' },
  { type: 'AdaptiveAvgPool2d', output_size: 1 },
  { type: 'Flatten' },
  { type: 'Linear', in_features: 32, out_features: 10 },
  { type: 'LogSoftmax', dim: 1 },
];

describe.skipIf(!hasTorch)('Copy as PyTorch with stride, dilation and groups, loaded by PyTorch', () => {
  it('Net() loads our weights strictly; its parameter count (torchsummary: trainable) is ours', async () => {
    const m = new Model(await runtime(), GENERAL, [1, 28, 28]);
    m.init(4);
    const weights = join(dir, 'general.safetensors');
    writeFileSync(weights, await encodeWeights(m));
    const py = join(dir, 'general.py');
    writeFileSync(py, copyPyTorch(GENERAL));
    const out = JSON.parse(execFileSync('/usr/bin/python3', ['scripts/pytorch_roundtrip.py', 'load', py, weights], { encoding: 'utf8' }));
    // 8·1·9 + 8, BatchNorm 16, depthwise 8·1·9 + 8, 1×1 16·8 + 16, grouped 32·4·9 + 32, Linear 32·10 + 10.
    expect(out.params).toBe(1834);
    expect(m.paramCount).toBe(1834);
    expect(out.shape).toEqual([2, 10]);
    m.destroy();
  });
});
