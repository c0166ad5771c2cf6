// Weights per epoch and "same initial weights": the budget rule (its note names the numbers), the
// initial weights made again from spec and seed equal the GPU model's Model.init, the init hash
// against node:crypto's SHA-256, and the replay refusal naming the tensor and both shapes.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Model } from '../src/engine/model';
import { EPOCH_BUDGET_BYTES, epochBudgetNote, epochBytes, initialWeights, replayMismatch, weightsHash } from '../src/mnist/runs/epoch-weights';
import { runtime } from './gpu';

const spec = JSON.parse(readFileSync('src/models/mnist-default.json', 'utf8')) as Record<string, unknown>[];

describe('the budget for weights per epoch', () => {
  it('keeps them while parameters × (epochs + 1) × 4 bytes ≤ 64 MiB', () => {
    expect(EPOCH_BUDGET_BYTES).toBe(67_108_864);
    expect(epochBytes(8880, 20)).toBe(8880 * 21 * 4);
    expect(epochBudgetNote(8880, 20)).toBeNull();
    // Exactly at the budget: kept; one parameter more: not.
    expect(epochBudgetNote(16 * 2 ** 20, 0)).toBeNull();
    expect(epochBudgetNote(2 ** 20 * 16 + 1, 0)).toBe(
      'Weights per epoch are not kept for this run: 16,777,217 parameters × 1 sets (epochs 0 to 0) × 4 bytes = 64.00 MiB, over the 64.00 MiB budget.',
    );
    expect(epochBudgetNote(593_200, 30)).toBe(
      'Weights per epoch are not kept for this run: 593,200 parameters × 31 sets (epochs 0 to 30) × 4 bytes = 70.15 MiB, over the 64.00 MiB budget.',
    );
  });
});

describe('same initial weights', () => {
  it('made again from spec and seed: exactly what the GPU model starts from', async () => {
    const rt = await runtime();
    const m = new Model(rt, spec, [1, 28, 28]);
    try {
      m.init(7);
      const gpu = await m.getState();
      const again = initialWeights(spec, 7);
      expect(Object.keys(again)).toEqual(Object.keys(gpu));
      for (const k of Object.keys(gpu)) expect([...again[k].data]).toEqual([...gpu[k].data]);
      const other = initialWeights(spec, 8);
      expect([...other['0.weight'].data]).not.toEqual([...again['0.weight'].data]);
    } finally {
      m.destroy();
    }
  });

  it('the init hash: SHA-256 of the names, shapes and float32 bytes, first 8 hex digits', async () => {
    const st = initialWeights(spec, 1);
    const keys = ['0.weight', '0.bias'].filter((k) => k in st);
    const h = createHash('sha256').update(JSON.stringify(keys.map((k) => [k, st[k].shape])));
    for (const k of keys) h.update(Buffer.from(st[k].data.buffer, st[k].data.byteOffset, st[k].data.byteLength));
    expect(await weightsHash(st, keys)).toBe(h.digest('hex').slice(0, 8));
    const changed = { ...st, [keys[0]]: { ...st[keys[0]], data: st[keys[0]].data.map((v, i) => (i === 0 ? v + 1e-6 : v)) } };
    expect(await weightsHash(changed, keys)).not.toBe(await weightsHash(st, keys));
  });

  it('fits a spec with the same parameters; refused naming the tensor and both shapes when not', () => {
    expect(replayMismatch(spec, spec, 'run 1')).toBeNull();
    // Dropout's p is not a parameter: the same initial weights fit.
    expect(
      replayMismatch(
        spec,
        spec.map((l) => (l.type === 'Dropout' ? { ...l, p: 0.2 } : l)),
        'run 1',
      ),
    ).toBeNull();
    const wider = structuredClone(spec);
    wider[0].out_channels = 10;
    wider[1].num_features = 10;
    wider[4].in_channels = 10;
    expect(replayMismatch(spec, wider, 'run 1')).toBe(
      "run 1's initial weights do not fit the model in cell 4: 0.weight is [8, 1, 3, 3] in run 1, [10, 1, 3, 3] in the model.",
    );
    const biased = structuredClone(spec);
    biased[0].bias = true;
    expect(replayMismatch(spec, biased, 'run 1')).toBe(
      "run 1's initial weights do not fit the model in cell 4: it has no 0.bias, which the model needs at [8].",
    );
    expect(replayMismatch(biased, spec, 'run 1')).toBe("run 1's initial weights do not fit the model in cell 4: it has 0.bias [8], which the model does not.");
  });
});
