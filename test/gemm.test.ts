import { describe, expect, it } from 'vitest';
import { gemm, gemmPlan, gemmScratchFloats, type GemmTile } from '../src/engine/ops/gemm';
import { columnSum } from '../src/engine/ops/matmul';
import { linearBackward, linearForward } from '../src/engine/reference/matmul';
import { makeRng } from '../src/engine/rng';
import { Runtime } from '../src/engine/runtime';
import { chooseTuning, type TuningKind } from '../src/engine/tuning';
import { randn, runtime, worst } from './gpu';

async function withTuning(kind: TuningKind): Promise<Runtime> {
  const base = await runtime();
  return new Runtime(base.device, base.info, chooseTuning(base.info, kind));
}

// Linear y = x·Wᵀ + b, dx = dy·W, dW = dyᵀ·x through gemm(), against the float64 reference.
async function linear(rt: Runtime, M: number, N: number, K: number, opts: { tile?: GemmTile; split?: number } = {}) {
  const rand = makeRng(M * 1000 + N * 10 + K);
  const x = randn(M * K, rand);
  const w = randn(N * K, rand, 1 / Math.sqrt(K)); // Linear's initial scale: y stays O(1) whatever K
  const b = randn(N, rand);
  const dy = randn(M * N, rand);
  const [X, W, B, DY] = [x, w, b, dy].map((a) => rt.upload(a));
  const [Y, DX, DW, DB] = [M * N, M * K, N * K, N].map((n) => rt.buffer(4 * n));
  const dims = { fwd: { M, N, K }, dx: { M, N: K, K: N }, dw: { M: N, N: K, K: M } };
  const scratch = (d: { M: number; N: number; K: number }) => rt.buffer(4 * Math.max(4, gemmScratchFloats(rt, d, opts)));
  rt.run([
    ...gemm(rt, 'fwd', dims.fwd, X, W, Y, { transB: true, bias: B, scratch: scratch(dims.fwd), ...opts }),
    ...gemm(rt, 'dx', dims.dx, DY, W, DX, { scratch: scratch(dims.dx), ...opts }),
    ...gemm(rt, 'dw', dims.dw, DY, X, DW, { transA: true, scratch: scratch(dims.dw), ...opts }),
    columnSum(rt, 'db', M, N, DY, DB),
  ]);
  const ref = linearBackward(x, w, dy, M, N, K);
  const tol = (g: Float32Array, want: Float64Array) => worst(g, want, 1e-5, 1e-4);
  expect(tol(await rt.readF32(Y, M * N), linearForward(x, w, b, M, N, K))).toBeLessThanOrEqual(1);
  expect(tol(await rt.readF32(DX, M * K), ref.dx)).toBeLessThanOrEqual(1);
  expect(tol(await rt.readF32(DW, N * K), ref.dw)).toBeLessThanOrEqual(1);
  expect(tol(await rt.readF32(DB, N), ref.db)).toBeLessThanOrEqual(1);
}

describe('tiled GEMM (Linear forward and both backward products) vs float64 reference', () => {
  for (const kind of ['cpu', 'gpu'] as const)
    for (const [M, N, K] of [
      [3, 50, 4096], // Linear 4096→50, batch 3 and 5: split-K
      [5, 50, 4096],
      [5, 10, 50], // Linear 50→10
      [1, 1, 1], // smaller than one tile
      [4, 2, 2],
      [65, 63, 17],
      [129, 257, 9],
      [128, 50, 4096], // the S5 model's first Linear at batch 128
    ])
      it(`${kind} tuning, M=${M} N=${N} K=${K}`, async () => {
        await linear(await withTuning(kind), M, N, K);
      });

  for (const [name, opts] of [
    ['forced 7-way split', { split: 7 }],
    ['8×8 per thread, 128×128×8, split 3', { tile: { TM: 8, TN: 8, BK: 8 }, split: 3 }],
    ['1×16 per thread, 16×256×4', { tile: { TM: 1, TN: 16, BK: 4 } }],
  ] as const)
    it(`${name}, M=37 N=70 K=1000`, async () => {
      await linear(await withTuning('gpu'), 37, 70, 1000, opts);
    });
});

describe('GEMM split-K rule and refusals', () => {
  it('Linear 4096→50 splits K; 50→10 and square products do not', async () => {
    const rt = await withTuning('gpu');
    const big = gemmPlan(rt, { M: 128, N: 50, K: 4096 });
    expect(big.S).toBeGreaterThan(1);
    expect(big.S * big.chunk).toBeGreaterThanOrEqual(4096);
    expect(big.chunk / big.tile.BK).toBeLessThanOrEqual(256);
    expect(gemmPlan(rt, { M: 128, N: 10, K: 50 }).S).toBe(1);
    expect(gemmPlan(rt, { M: 512, N: 512, K: 512 }).S).toBe(1);
  });
  it('a split without its scratch binding', async () => {
    const rt = await withTuning('gpu');
    const b = rt.buffer(16);
    expect(() => gemm(rt, 'fc1', { M: 5, N: 50, K: 4096 }, b, b, b, { split: 4 })).toThrow(
      'gemm fc1: a K split in 4 needs a scratch binding of 1000 floats (gemmScratchFloats)',
    );
  });
  it('a split that is not a positive integer', async () => {
    const rt = await withTuning('gpu');
    const b = rt.buffer(16);
    expect(() => gemm(rt, 'fc1', { M: 5, N: 50, K: 64 }, b, b, b, { split: 0 })).toThrow('gemm: split 0: a positive integer');
  });
  it('a tile larger than the default limits allow', async () => {
    const rt = await withTuning('defaults');
    const b = rt.buffer(16);
    expect(() => gemm(rt, 'fc1', { M: 5, N: 50, K: 64 }, b, b, b, { tile: { TM: 8, TN: 8, BK: 64 } })).toThrow(
      'gemm: gemm 128×128×64 tile needs 65536 bytes of workgroup storage; the tuning allows 16384 (maxComputeWorkgroupStorageSize)',
    );
  });
});
