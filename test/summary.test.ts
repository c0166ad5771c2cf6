import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarize } from '../src/engine/summary';
import spec from '../src/models/mnist-default.json';

describe('model summary', () => {
  const s = summarize(spec, [1, 28, 28]);
  it('total parameters equal what PyTorch counted for the default model (fixture generator)', () => {
    const fx = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'gradients', 'mnist_default_b4.json'), 'utf8'));
    expect(s.totalParams).toBe(fx.meta.paramCount);
  });
  it('rows are named Type-index with per-image output shapes', () => {
    expect(s.rows[0]).toMatchObject({ name: 'Conv2d-1', outShape: [8, 26, 26], params: 72, macs: 26 * 26 * 8 * 9 });
    expect(s.rows[1]).toMatchObject({ name: 'BatchNorm2d-2', outShape: [8, 26, 26], params: 16 });
    expect(s.rows.at(-1)).toMatchObject({ name: 'LogSoftmax-30', outShape: [10], params: 0 });
  });
  it('the default model meets the ERA target: < 20k parameters (≤ 10k), BatchNorm, Dropout, GAP, no big FC head', () => {
    expect(s.totalParams).toBeLessThanOrEqual(10000);
    const types = spec.map((l) => l.type);
    for (const t of ['BatchNorm2d', 'Dropout', 'AdaptiveAvgPool2d']) expect(types).toContain(t);
    expect(types.filter((t) => t === 'Linear').length).toBe(0);
  });
  it('grouped and depthwise Conv2d: parameters [O, C/groups, KH, KW] and MACs per group, as torchsummary counts them', () => {
    const g = summarize(
      [
        { type: 'Conv2d', in_channels: 1, out_channels: 8, kernel_size: 3, stride: 2 },
        { type: 'Conv2d', in_channels: 8, out_channels: 8, kernel_size: 3, groups: 8, bias: false },
        { type: 'Conv2d', in_channels: 8, out_channels: 16, kernel_size: 3, dilation: 2, groups: 4 },
      ],
      [1, 28, 28],
    );
    expect(g.rows[0]).toMatchObject({ outShape: [8, 13, 13], params: 80, macs: 13 * 13 * 8 * 9 });
    expect(g.rows[1]).toMatchObject({ outShape: [8, 11, 11], params: 72, macs: 11 * 11 * 8 * 9 });
    expect(g.rows[2]).toMatchObject({ outShape: [16, 7, 7], params: 16 * 2 * 9 + 16, macs: 7 * 7 * 16 * 2 * 9 });
  });
  it('sizes as torchsummary computes them', () => {
    expect(s.inputMB).toBeCloseTo((784 * 4) / 1024 ** 2, 12);
    expect(s.paramsMB).toBeCloseTo((s.totalParams * 4) / 1024 ** 2, 12);
  });
});

describe("summary parameter counts equal PyTorch's for every gradient fixture (meta.paramCount, counted by torch)", () => {
  const dir = join(__dirname, '..', 'fixtures', 'gradients');
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.json')))
    it(f, () => {
      const fx = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      const s = summarize(fx.model, fx.input.shape.slice(1));
      expect(s.totalParams).toBe(fx.meta.paramCount);
      expect(s.rows.at(-1)!.outShape).toEqual(fx.expected.output.shape.slice(1));
    });
});
