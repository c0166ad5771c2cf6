import { describe, expect, it } from 'vitest';
import { augment, NO_AUGMENT, type AugmentConfig } from '../src/engine/ops/augment';
import { augmentImage } from '../src/engine/reference/augment';
import { makeRng } from '../src/engine/rng';
import { runtime, stepBuffer, worst } from './gpu';

describe('augment kernel (gather, crop-resize, rotation, normalise) vs float64 reference', () => {
  const side = 28;
  const count = 12;
  const rand = makeRng(1);
  const images = Uint8Array.from({ length: count * side * side }, () => (rand() < 0.3 ? Math.floor(rand() * 256) : 0));
  const labels = Uint32Array.from({ length: count }, (_, i) => i % 10);
  const order = Uint32Array.from([5, 3, 11, 0, 7, 2, 9, 1, 4, 6, 8, 10]);
  const configs: [string, boolean, AugmentConfig][] = [
    ['test (normalise only)', false, NO_AUGMENT],
    ['rotation ±7°', true, { ...NO_AUGMENT, rotation: 7 }],
    ['S5: crop 22 with p = 0.5 and rotation ±15°', true, { ...NO_AUGMENT, rotation: 15, cropP: 0.5 }],
  ];
  for (const [name, train, cfg] of configs)
    it(name, async () => {
      const rt = await runtime();
      const N = 5;
      const offset = 4;
      const seed = 99;
      const out = rt.buffer(4 * N * side * side);
      const target = rt.buffer(4 * N);
      rt.run([augment(rt, N, side, train, cfg, stepBuffer(rt, { seed, offset }), rt.upload(images), rt.upload(labels), rt.upload(order), out, target)]);
      const got = await rt.readF32(out, N * side * side);
      const want = new Float64Array(N * side * side);
      for (let b = 0; b < N; b++) {
        const src = order[offset + b];
        want.set(augmentImage(images.subarray(src * side * side, (src + 1) * side * side), side, train, cfg, seed, b), b * side * side);
      }
      expect(worst(got, want, 1e-4, 1e-5)).toBeLessThanOrEqual(1);
      expect([...(await rt.readU32(target, N))]).toEqual([...order.subarray(offset, offset + N)].map((i) => labels[i]));
    });

  it('rotation by 0 with no crop is the identity (up to normalisation)', () => {
    const img = Uint8Array.from({ length: side * side }, (_, i) => i % 256);
    const a = augmentImage(img, side, true, { ...NO_AUGMENT, rotation: 0 }, 1, 0);
    const b = augmentImage(img, side, false, NO_AUGMENT, 1, 0);
    expect(worst(a, b, 1e-9, 0)).toBeLessThanOrEqual(1);
  });
});
