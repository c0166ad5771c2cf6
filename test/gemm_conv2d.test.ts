import { describe, expect, it } from 'vitest';
import { convOutSize } from '../src/engine/ops/conv2d';
import { type GemmTile } from '../src/engine/ops/gemm';
import {
  gemmConv2dBackwardInput,
  gemmConv2dBackwardWeight,
  gemmConv2dForward,
  gemmConv2dWeightPartials,
  gemmWeightPartialFloats,
  gemmWeightRounds,
  gemmWeightSplit,
  GPU_WEIGHT_TILE,
} from '../src/engine/ops/gemm_conv2d';
import { reduceSegments } from '../src/engine/ops/reduce';
import { conv2dBackward, conv2dForward, type ConvShape } from '../src/engine/reference/conv2d';
import { makeRng } from '../src/engine/rng';
import { Runtime } from '../src/engine/runtime';
import { chooseTuning, type TuningKind } from '../src/engine/tuning';
import { randn, runtime, worst } from './gpu';

const cases: [string, ConvShape][] = [
  ['C64→O128 at 10×10, batch 3', { N: 3, C: 64, H: 10, W: 10, O: 128, KH: 3, KW: 3, PH: 0, PW: 0 }],
  ['C64→O128 at 10×10, batch 5', { N: 5, C: 64, H: 10, W: 10, O: 128, KH: 3, KW: 3, PH: 0, PW: 0 }],
  ['C128→O256 at 8×8, batch 3', { N: 3, C: 128, H: 8, W: 8, O: 256, KH: 3, KW: 3, PH: 0, PW: 0 }],
  ['smaller than one tile: 1→1 5×5', { N: 1, C: 1, H: 5, W: 5, O: 1, KH: 3, KW: 3, PH: 0, PW: 0 }],
  ['smaller than one tile, padded: 3→5 4×6 pad 1', { N: 2, C: 3, H: 4, W: 6, O: 5, KH: 3, KW: 3, PH: 1, PW: 1 }],
  ['1→32 at 28×28 (S5 conv1), batch 3', { N: 3, C: 1, H: 28, W: 28, O: 32, KH: 3, KW: 3, PH: 0, PW: 0 }],
  ['5×3 kernel, padding 2, 0', { N: 2, C: 6, H: 9, W: 8, O: 17, KH: 5, KW: 3, PH: 2, PW: 0 }],
  ['1×1, 17 channels', { N: 3, C: 17, H: 5, W: 7, O: 10, KH: 1, KW: 1, PH: 0, PW: 0 }],
  ['9×8 kernel, padding 4, 3', { N: 2, C: 2, H: 11, W: 13, O: 3, KH: 9, KW: 8, PH: 4, PW: 3 }],
];

const tilings: [string, GemmTile | undefined][] = [
  ['default tile', undefined],
  ['8×8 per thread (128×128×8)', { TM: 8, TN: 8, BK: 8 }],
  ['1×2 per thread (16×32×16)', { TM: 1, TN: 2, BK: 16 }],
];

async function withTuning(kind: TuningKind): Promise<Runtime> {
  const base = await runtime();
  return new Runtime(base.device, base.info, chooseTuning(base.info, kind));
}

function data(s: ConvShape, seed: number) {
  const rand = makeRng(seed);
  const { OH, OW } = convOutSize(s);
  const n = { x: s.N * s.C * s.H * s.W, w: s.O * s.C * s.KH * s.KW, y: s.N * s.O * OH * OW };
  return { n, x: randn(n.x, rand), w: randn(n.w, rand, 0.3), b: randn(s.O, rand), dy: randn(n.y, rand) };
}

const ok = (g: Float32Array, want: Float64Array) => worst(g, want, 1e-4, 1e-4);

describe('implicit-GEMM conv2d (forward, dx, dw) vs float64 reference', () => {
  for (const kind of ['cpu', 'gpu'] as const)
    for (const [name, s] of cases)
      for (const [tname, tile] of name.startsWith('C128') ? tilings.slice(0, 2) : tilings)
        it(`${kind} tuning, ${name}, ${tname}`, async () => {
          const rt = await withTuning(kind);
          const { n, x, w, b, dy } = data(s, s.N * 31 + s.C * 7 + s.O);
          const [X, Wb, B, DY] = [x, w, b, dy].map((a) => rt.upload(a));
          const [Y, DX, DW] = [n.y, n.x, n.w].map((k) => rt.buffer(4 * k));
          const scratch = rt.buffer(4 * gemmWeightPartialFloats(rt, s, tile));
          rt.run([
            gemmConv2dForward(rt, s, X, Wb, Y, B, tile),
            gemmConv2dBackwardInput(rt, s, DY, Wb, DX, tile),
            ...gemmConv2dBackwardWeight(rt, s, DY, X, DW, scratch, tile),
          ]);
          const ref = conv2dBackward(x, w, dy, s);
          expect(ok(await rt.readF32(Y, n.y), conv2dForward(x, w, b, s))).toBeLessThanOrEqual(1);
          expect(ok(await rt.readF32(DX, n.x), ref.dx)).toBeLessThanOrEqual(1);
          expect(ok(await rt.readF32(DW, n.w), ref.dw)).toBeLessThanOrEqual(1);
        });
});

describe('implicit-GEMM dw split along K: partials bounded, reduced exactly', () => {
  it('forced 3-way split of a K that is no multiple of the chunk (batch 5, 10×10 → K = 320)', async () => {
    const rt = await withTuning('gpu');
    const s = cases[1][1];
    const { n, x, dy } = data(s, 5);
    const tile = { TM: 4, TN: 4, BK: 8 };
    const split = { S: 3, chunk: 112 }; // 112 + 112 + 96
    const partial = rt.buffer(4 * split.S * n.w);
    const DW = rt.buffer(4 * n.w);
    const p = gemmConv2dWeightPartials(rt, s, rt.upload(dy), rt.upload(x), partial, { tile, split });
    expect(p.S).toBe(3);
    rt.run([p.call, reduceSegments(rt, 'dw', [{ partial, count: p.count, S: p.S, out: DW }])]);
    const ref = conv2dBackward(x, new Float32Array(n.w), dy, s);
    expect(ok(await rt.readF32(DW, n.w), ref.dw)).toBeLessThanOrEqual(1);
  });

  for (const [name, split] of [
    ['3 rounds of a 2-way split (reduced, then added to dw)', { S: 2, chunk: 64, R: 3 }],
    ['3 unsplit rounds (each added to dw by the GEMM itself)', { S: 1, chunk: 112, R: 3 }],
  ] as const)
    it(`${name}, K = 320 in chunks that do not divide it`, async () => {
      const rt = await withTuning('gpu');
      const s = cases[1][1];
      const { n, x, dy } = data(s, 7);
      const tile = { TM: 4, TN: 4, BK: 8 };
      const partial = rt.buffer(4 * split.S * n.w);
      const DW = rt.upload(new Float32Array(n.w).fill(123)); // overwritten by round 0, never added to
      const calls = gemmWeightRounds(rt, s, rt.upload(dy), rt.upload(x), DW, partial, tile, split);
      expect(calls.filter((c) => c.kernel === 'conv_gemm_backward_weight')).toHaveLength(3);
      expect(calls.filter((c) => c.kernel === 'reduce_segments')).toHaveLength(split.S > 1 ? 3 : 0);
      rt.run(calls);
      const ref = conv2dBackward(x, new Float32Array(n.w), dy, s);
      expect(ok(await rt.readF32(DW, n.w), ref.dw)).toBeLessThanOrEqual(1);
    });

  it('at batch 512 a GPU plan of the S5 model runs each layer in rounds of bounded partials and loops', async () => {
    const rt = await withTuning('gpu');
    for (const s of [
      { N: 512, C: 32, H: 26, W: 26, O: 64, KH: 3, KW: 3, PH: 0, PW: 0 },
      { N: 512, C: 64, H: 12, W: 12, O: 128, KH: 3, KW: 3, PH: 0, PW: 0 },
      { N: 512, C: 128, H: 10, W: 10, O: 256, KH: 3, KW: 3, PH: 0, PW: 0 },
    ]) {
      const nw = s.O * s.C * s.KH * s.KW;
      const K = s.N * (s.H - 2) * (s.W - 2);
      const tile = GPU_WEIGHT_TILE;
      const sp = gemmWeightSplit(rt, s, tile);
      const tiles = Math.ceil(s.O / (16 * tile.TM)) * Math.ceil(nw / s.O / (16 * tile.TN));
      expect(sp.R).toBeGreaterThan(1);
      expect(sp.R * sp.S * sp.chunk).toBeGreaterThanOrEqual(K);
      expect(sp.chunk / tile.BK).toBeLessThanOrEqual(256);
      expect(tiles * sp.S * 256).toBeGreaterThanOrEqual(16384);
      expect(sp.S * nw).toBeLessThanOrEqual(Math.max(4 * nw, 1 << 18));
      // A bound of one layer's weights: no split, more rounds.
      const one = gemmWeightSplit(rt, s, tile, nw);
      expect(one.S).toBe(1);
      expect(one.R).toBeGreaterThanOrEqual(sp.R);
    }
  });

  it('a CPU plan does not split a layer whose tiles already keep its threads busy', async () => {
    const rt = await withTuning('cpu');
    expect(gemmWeightSplit(rt, { N: 128, C: 128, H: 10, W: 10, O: 256, KH: 3, KW: 3, PH: 0, PW: 0 }).S).toBe(1);
  });
});

describe('implicit-GEMM conv2d refusals', () => {
  const s = cases[0][1];
  it('a tile larger than the workgroup storage the tuning allows', async () => {
    const rt = await withTuning('defaults');
    const b = rt.buffer(16);
    expect(() => gemmConv2dForward(rt, s, b, b, b, undefined, { TM: 16, TN: 16, BK: 16 })).toThrow(
      'conv_gemm_forward: gemm 256×256×16 tile needs 32768 bytes of workgroup storage; the tuning allows 16384 (maxComputeWorkgroupStorageSize)',
    );
  });
  it('a tile the shader cannot stage', async () => {
    const rt = await withTuning('gpu');
    const b = rt.buffer(16);
    expect(() => gemmConv2dBackwardInput(rt, s, b, b, b, { TM: 3, TN: 4, BK: 8 })).toThrow(
      'conv_gemm_backward_input: tile TM=3 TN=4 BK=8: TM and TN must be powers of two ≤ 16 and BK a power of two ≤ 64',
    );
  });
  it('a split that does not cover K', async () => {
    const rt = await withTuning('gpu');
    const b = rt.buffer(16);
    expect(() => gemmConv2dWeightPartials(rt, s, b, b, b, { split: { S: 2, chunk: 64 } })).toThrow(
      'conv_gemm_backward_weight: split 2 × 64 does not cover K = 192 in chunks of a multiple of BK = 8',
    );
  });
  it('a split dw without its scratch', async () => {
    const rt = await withTuning('gpu');
    const big = { N: 64, C: 64, H: 10, W: 10, O: 128, KH: 3, KW: 3, PH: 0, PW: 0 };
    const b = rt.buffer(16);
    const S = gemmWeightSplit(rt, big).S;
    expect(S).toBeGreaterThan(1);
    expect(() => gemmConv2dBackwardWeight(rt, big, b, b, b)).toThrow(
      `conv_gemm_backward_weight: a K split in ${S} needs a scratch binding of ${S * 128 * 64 * 9} floats`,
    );
  });
  it('a kernel larger than its padded input', async () => {
    const rt = await withTuning('gpu');
    const b = rt.buffer(16);
    expect(() => gemmConv2dForward(rt, { ...s, H: 2, W: 2 }, b, b, b)).toThrow('conv_gemm_forward: a 3×3 kernel with padding 0, 0 does not fit a 2×2 input');
  });
});
