// The CPU adapters' barrier-free conv2d (ops/conv_cpu.ts) against the float64 reference, at
// shapes that are no multiple of a block (odd batches, channels and pixels) and below one block.
// The reference's own backward is checked by central finite differences in test/conv2d.test.ts.
import { describe, expect, it } from 'vitest';
import { convOutSize } from '../src/engine/ops/conv2d';
import {
  checkBlock,
  CPU_BLOCK,
  cpuConv2dBackwardInput,
  cpuConv2dBackwardWeight,
  cpuConv2dForward,
  cpuPlanBlock,
  cpuWeightPartialFloats,
  cpuWeightSplit,
  type CpuBlock,
  UNROLLED_BLOCK,
} from '../src/engine/ops/conv_cpu';
import { conv2dBackward, conv2dForward, type ConvShape } from '../src/engine/reference/conv2d';
import { makeRng } from '../src/engine/rng';
import { Runtime } from '../src/engine/runtime';
import { chooseTuning } from '../src/engine/tuning';
import { randn, runtime, worst } from './gpu';

const cases: [string, ConvShape][] = [
  ['C64→O128 at 10×10, batch 3', { N: 3, C: 64, H: 10, W: 10, O: 128, KH: 3, KW: 3, PH: 0, PW: 0 }],
  ['C128→O256 at 8×8, batch 5', { N: 5, C: 128, H: 8, W: 8, O: 256, KH: 3, KW: 3, PH: 0, PW: 0 }],
  ['below one block: 1→1 5×5', { N: 1, C: 1, H: 5, W: 5, O: 1, KH: 3, KW: 3, PH: 0, PW: 0 }],
  ['below one block, padded: 3→5 4×6 pad 1', { N: 2, C: 3, H: 4, W: 6, O: 5, KH: 3, KW: 3, PH: 1, PW: 1 }],
  ['1→32 at 28×28 (S5 conv1), batch 3: dw split', { N: 3, C: 1, H: 28, W: 28, O: 32, KH: 3, KW: 3, PH: 0, PW: 0 }],
  ['5×3 kernel, padding 2, 0', { N: 2, C: 6, H: 9, W: 8, O: 17, KH: 5, KW: 3, PH: 2, PW: 0 }],
  ['9×8 kernel, padding 4, 3', { N: 2, C: 2, H: 11, W: 13, O: 3, KH: 9, KW: 8, PH: 4, PW: 3 }],
];

// The default, the looped ones of the old plan, one of odd sizes, and the written-out one (the plan's).
const blocks: CpuBlock[] = [CPU_BLOCK, { WG: 16, TL: 8, TU: 16 }, { WG: 8, TL: 8, TU: 9 }, { WG: 16, TL: 3, TU: 5 }, UNROLLED_BLOCK];

async function cpuRuntime(): Promise<Runtime> {
  const base = await runtime();
  return new Runtime(base.device, base.info, chooseTuning(base.info, 'cpu'));
}

const ok = (g: Float32Array, want: Float64Array) => worst(g, want, 1e-4, 1e-4);

describe('barrier-free conv2d (forward, dx, dw) vs float64 reference', () => {
  for (const [name, s] of cases)
    for (const blk of blocks)
      it(`${name}, ${blk.WG} lanes × ${blk.TL}×${blk.TU}${blk.unrolled ? ' unrolled' : ''}`, async () => {
        const rt = await cpuRuntime();
        const rand = makeRng(s.N * 31 + s.C * 7 + s.O);
        const { OH, OW } = convOutSize(s);
        const n = { x: s.N * s.C * s.H * s.W, w: s.O * s.C * s.KH * s.KW, y: s.N * s.O * OH * OW };
        const [x, w, b, dy] = [randn(n.x, rand), randn(n.w, rand, 0.3), randn(s.O, rand), randn(n.y, rand)];
        const [X, Wb, B, DY] = [x, w, b, dy].map((a) => rt.upload(a));
        const [Y, DX, DW] = [n.y, n.x, n.w].map((k) => rt.buffer(4 * k));
        const scratch = rt.buffer(4 * Math.max(4, cpuWeightPartialFloats(s, blk)));
        rt.run([
          cpuConv2dForward(rt, s, X, Wb, Y, B, blk),
          cpuConv2dBackwardInput(rt, s, DY, Wb, DX, blk),
          ...cpuConv2dBackwardWeight(rt, s, DY, X, DW, scratch, blk),
        ]);
        const ref = conv2dBackward(x, w, dy, s);
        expect(ok(await rt.readF32(Y, n.y), conv2dForward(x, w, b, s))).toBeLessThanOrEqual(1);
        expect(ok(await rt.readF32(DX, n.x), ref.dx)).toBeLessThanOrEqual(1);
        expect(ok(await rt.readF32(DW, n.w), ref.dw)).toBeLessThanOrEqual(1);
      });

  it('splits a long dw of few workgroups (S5 conv1 at batch 3: K = 2,028 in 7 chunks)', () => {
    expect(cpuWeightSplit(cases[4][1])).toEqual({ S: 7, chunk: 290 });
  });

  it("takes the plan's blocks: 16 lanes × 8×16 written out, dw of under 128 output channels 8 lanes × 8×9", () => {
    expect(cpuPlanBlock(cases[0][1], 'forward')).toEqual(UNROLLED_BLOCK);
    expect(cpuPlanBlock(cases[0][1], 'weight')).toEqual(UNROLLED_BLOCK);
    expect(cpuPlanBlock(cases[4][1], 'input')).toEqual(UNROLLED_BLOCK);
    expect(cpuPlanBlock(cases[4][1], 'weight')).toEqual(blocks[2]);
  });

  it('refuses a block it cannot run, naming the field and value', async () => {
    const rt = await cpuRuntime();
    expect(() => checkBlock(rt, { WG: 64, TL: 9, TU: 8 }, 'conv_cpu_forward')).toThrow(
      'conv_cpu_forward: block WG=64 TL=9 TU=8: WG must be 1–256 lanes, TL 1–8 and TU 1–32 outputs',
    );
    expect(() => checkBlock(rt, { WG: 512, TL: 1, TU: 8 }, 'conv_cpu_forward')).toThrow('WG must be 1–256 lanes');
    expect(() => checkBlock(rt, { WG: 16, TL: 4, TU: 16, unrolled: true }, 'conv_cpu_backward_input')).toThrow(
      'conv_cpu_backward_input: the unrolled block is 16 lanes × 8×16 only (conv_cpu_unrolled.wgsl); got WG=16 TL=4 TU=16',
    );
  });
});
