import { describe, expect, it } from 'vitest';
import { columnSum, matmul } from '../src/engine/ops/matmul';
import { linearBackward, linearForward } from '../src/engine/reference/matmul';
import { makeRng } from '../src/engine/rng';
import { numericGrads, maxRelErr, randArray } from './fd';
import { randn, runtime, worst } from './gpu';

describe('matmul kernel (Linear forward and backward) vs float64 reference', () => {
  // Sizes that are not multiples of the 64×64×16 tile, batch 1, and a K longer than one tile.
  for (const kernel of ['large', 'tiled', 'small'] as const)
    for (const [M, N, K] of [
      [1, 1, 1],
      [1, 10, 16],
      [4, 2, 2],
      [65, 63, 17],
      [128, 10, 16],
      [3, 130, 200],
      [200, 70, 33],
      [129, 257, 9],
    ]) {
      it(`${kernel} M=${M} N=${N} K=${K}`, async () => {
        const rt = await runtime();
        const rand = makeRng(M * 1000 + N * 10 + K);
        const x = randn(M * K, rand);
        const w = randn(N * K, rand);
        const b = randn(N, rand);
        const dy = randn(M * N, rand);
        const [X, W, B, DY] = [x, w, b, dy].map((a) => rt.upload(a));
        const [Y, DX, DW, DB] = [M * N, M * K, N * K, N].map((n) => rt.buffer(4 * n));
        rt.run([
          matmul(rt, 'fwd', { M, N, K }, X, W, Y, { transB: true, bias: B, kernel }),
          matmul(rt, 'dx', { M, N: K, K: N }, DY, W, DX, { kernel }),
          matmul(rt, 'dw', { M: N, N: K, K: M }, DY, X, DW, { transA: true, kernel }),
          columnSum(rt, 'db', M, N, DY, DB),
        ]);
        const ref = linearBackward(x, w, dy, M, N, K);
        const tol = (g: Float32Array, want: Float64Array) => worst(g, want, 1e-5, 1e-4);
        expect(tol(await rt.readF32(Y, M * N), linearForward(x, w, b, M, N, K))).toBeLessThanOrEqual(1);
        expect(tol(await rt.readF32(DX, M * K), ref.dx)).toBeLessThanOrEqual(1);
        expect(tol(await rt.readF32(DW, N * K), ref.dw)).toBeLessThanOrEqual(1);
        expect(tol(await rt.readF32(DB, N), ref.db)).toBeLessThanOrEqual(1);
      });
    }
});

describe('Linear reference backward vs finite differences', () => {
  it('x, W and b gradients', () => {
    const rand = makeRng(7);
    const [M, N, K] = [3, 4, 5];
    const x = randArray(M * K, rand);
    const w = randArray(N * K, rand);
    const b = randArray(N, rand);
    const r = randArray(M * N, rand);
    const num = numericGrads(([x, w, b]) => linearForward(x, w, b, M, N, K), [x, w, b], r);
    const an = linearBackward(x, w, r, M, N, K);
    expect(maxRelErr(an.dx, num[0])).toBeLessThan(1e-6);
    expect(maxRelErr(an.dw, num[1])).toBeLessThan(1e-6);
    expect(maxRelErr(an.db, num[2])).toBeLessThan(1e-6);
  });
});
