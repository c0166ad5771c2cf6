// Weights in and out: our .safetensors round trip, a file written by PyTorch, and every kind of bad
// file refused with a message naming the tensor, leaving the model in memory untouched.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Model } from '../src/engine/model';
import { readSafetensors, writeSafetensors } from '../src/engine/safetensors';
import spec from '../src/models/mnist-default.json';
import { encodeWeights, loadWeights } from '../src/train/weights';
import { runtime } from './gpu';

/** Change one tensor's dtype in a file's header (same length, so the data offsets still hold). */
function relabel(file: Uint8Array, name: string, dtype: string): Uint8Array {
  const n = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  const h = new TextDecoder().decode(file.subarray(8, 8 + n)).replace(`"${name}":{"dtype":"F32"`, `"${name}":{"dtype":"${dtype}"`);
  const out = file.slice();
  out.set(new TextEncoder().encode(h), 8);
  return out;
}

async function model(seed = 1) {
  const m = new Model(await runtime(), spec, [1, 28, 28]);
  m.init(seed);
  return m;
}

const flat = async (m: Model) => {
  const s = await m.getState();
  return Object.fromEntries(Object.entries(s).map(([k, t]) => [k, [...t.data]]));
};

describe('.safetensors', () => {
  it('round-trips every parameter, the running statistics, num_batches_tracked and the spec', async () => {
    const a = await model(1);
    a.batchesTracked = 123;
    const bytes = await encodeWeights(a);
    const f = readSafetensors(bytes);
    expect(JSON.parse(f.metadata.model)).toEqual(spec);
    expect(f.ints['1.num_batches_tracked']).toEqual([123]);
    expect(Object.keys(f.tensors)).toContain('1.running_var');
    const b = await model(2);
    loadWeights(b, bytes);
    expect(await flat(b)).toEqual(await flat(a));
    expect(b.batchesTracked).toBe(123);
    a.destroy();
    b.destroy();
  });

  it('imports a file written by PyTorch (scripts/pytorch_roundtrip.py export-init)', async () => {
    const bytes = readFileSync(join(__dirname, '..', 'fixtures', 'pytorch-init-default.safetensors'));
    const f = readSafetensors(bytes);
    const m = await model(1);
    loadWeights(m, bytes);
    const s = await m.getState();
    expect([...s['0.weight'].data]).toEqual([...f.tensors['0.weight'].data]);
    expect([...s['1.running_var'].data]).toEqual(new Array(8).fill(1));
    m.destroy();
  });

  describe('a bad file is refused with a message that names the tensor; the model is untouched', () => {
    const cases: [string, (good: Uint8Array, state: Record<string, { shape: number[]; data: Float32Array }>) => Uint8Array, RegExp][] = [
      ['truncated data', (g) => g.slice(0, g.length - 100), /truncated/],
      ['truncated header', (g) => g.slice(0, 20), /truncated or not a safetensors file/],
      ['a few bytes', () => new Uint8Array(5), /truncated: 5 bytes/],
      [
        'corrupt header',
        (g) => {
          const c = g.slice();
          c.set(new TextEncoder().encode('xxxx'), 8);
          return c;
        },
        /not valid JSON/,
      ],
      [
        'a dtype label that does not fit the data',
        (_, s) => relabel(writeSafetensors(s), '0.weight', 'F16'),
        /0\.weight: 288 bytes of data for shape \[8, 1, 3, 3\] of F16, which needs 144/,
      ],
      [
        'float64 weights',
        (_, s) => {
          // Two float32 tensors' bytes relabelled as one float64 tensor of half the length: a well-formed F64 file.
          const w = s['4.weight'];
          return relabel(writeSafetensors({ ...s, '4.weight': { shape: [8, 8, 3, 3], data: w.data } }), '4.weight', 'F64');
        },
        /4\.weight: dtype F64, but the engine trains in float32/,
      ],
      [
        'a missing tensor',
        (_, s) => {
          delete s['4.weight'];
          return writeSafetensors(s);
        },
        /4\.weight: missing \(expected shape \[16, 8, 3, 3\]\)/,
      ],
      [
        'an unknown tensor',
        (_, s) => writeSafetensors({ ...s, '99.weight': { shape: [1], data: new Float32Array(1) } }),
        /99\.weight: not a parameter or buffer of this model/,
      ],
      [
        'a wrong shape',
        (_, s) => writeSafetensors({ ...s, '27.weight': { shape: [10, 16], data: s['27.weight'].data } }),
        /27\.weight: shape \[10, 16\] does not match the model's \[10, 16, 1, 1\]/,
      ],
    ];
    for (const [what, corrupt, message] of cases)
      it(what, async () => {
        const m = await model(5);
        const before = await flat(m);
        const good = await encodeWeights(m);
        const state = await m.getState();
        expect(() => loadWeights(m, corrupt(good, state), 'w.safetensors')).toThrow(message);
        expect(await flat(m)).toEqual(before);
        m.destroy();
      });
  });
});
