// The inside of a digit (src/engine/inspect.ts) against PyTorch's float64 answers: every layer's
// output and gradient, the input gradient, the probabilities and the loss
// (fixtures/inspect/*.json, scripts/gen_inspect_fixtures.py).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatResult } from '../src/engine/fixtures';
import { runInspectFixture, type InspectFixture } from '../src/engine/inspect';
import { TUNING_KINDS } from '../src/engine/tuning';
import { runtime, runtimeAs } from './gpu';

const dir = join(__dirname, '..', 'fixtures', 'inspect');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('inspection fixtures', () => {
  it('there are some', () => expect(files.length).toBeGreaterThanOrEqual(5));
  it('three of them are digits the model is sure of (p ≥ 1 − 1e-6: float32 rounds p to 1)', () => {
    const sure = files.filter((f) => {
      const fx = JSON.parse(readFileSync(join(dir, f), 'utf8')) as InspectFixture;
      return Math.max(...fx.expected.probs) >= 1 - 1e-6 && fx.tolerance.scale === 1e-3;
    });
    expect(sure.length).toBeGreaterThanOrEqual(3);
  });
  for (const kind of TUNING_KINDS)
    for (const f of files)
      it(`${f}, tuning ${kind}`, async () => {
        const fx = JSON.parse(readFileSync(join(dir, f), 'utf8')) as InspectFixture;
        const r = await runInspectFixture(await runtimeAs(kind), fx);
        if (kind === 'cpu') console.log(formatResult(r));
        expect(r.error).toBeUndefined();
        expect(r.tensors.length).toBe(3 + Object.keys(fx.expected.paramGrads).length + 2 * fx.expected.layers.length);
        expect(r.pass).toBe(true);
      });

  it('a wrong number fails, naming the tensor', async () => {
    const fx = JSON.parse(readFileSync(join(dir, 'small_cnn_init_image3.json'), 'utf8')) as InspectFixture;
    fx.expected.layers[3].grad[7] += 0.01 + 0.01 * Math.abs(fx.expected.layers[3].grad[7]);
    const r = await runInspectFixture(await runtime(), fx);
    expect(r.pass).toBe(false);
    expect(r.worst?.tensor).toBe('layer 3 Conv2d grad');
  });
});
