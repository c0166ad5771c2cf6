// bench:kernels' model section: every Conv2d and Linear of the given model specs at one batch,
// the direct kernels the engine has run so far (ops/conv2d.ts, ops/matmul.ts) against the GEMM
// kernels (ops/gemm_conv2d.ts, ops/gemm.ts) and some of their tiles, in the same run.
import {
  conv2dBackwardInput,
  conv2dBackwardWeight,
  conv2dForward,
  convOutSize,
  convScratchFloats,
  convTile,
  type ConvDims,
  type Tile,
} from '../engine/ops/conv2d';
import { gemm, gemmPlan, gemmScratchFloats, tileStorage, tileText, type GemmTile } from '../engine/ops/gemm';
import {
  convGemmDims,
  convGemmTile,
  gemmConv2dBackwardInput,
  gemmConv2dBackwardWeight,
  gemmConv2dForward,
  gemmWeightPartialFloats,
  gemmWeightSplit,
} from '../engine/ops/gemm_conv2d';
import {
  blockText,
  CPU_BLOCK,
  cpuConv2dBackwardInput,
  cpuConv2dBackwardWeight,
  cpuConv2dForward,
  cpuWeightPartialFloats,
  cpuWeightSplit,
  type CpuBlock,
} from '../engine/ops/conv_cpu';
import { matmul } from '../engine/ops/matmul';
import type { Call, Runtime } from '../engine/runtime';
import { parseSpec, type LayerInfo } from '../engine/spec';
import { timeCalls } from '../engine/timing';

export interface ShapeRow {
  model: string;
  layer: string;
  pass: 'forward' | 'backward input' | 'backward weight';
  kernel: string;
  flop: number;
  ms: number;
  gflops: number;
  clock: 'gpu' | 'wall';
}

/** Time `calls` (after one untimed run that compiles them): `reps` per round, best of `rounds`. */
async function time(rt: Runtime, calls: Call[], reps: number, rounds: number): Promise<{ ms: number; clock: 'gpu' | 'wall' }> {
  await timeCalls(rt, calls, 1, 1);
  const t = await timeCalls(rt, calls, reps, rounds);
  return { ms: t.gpuMs ?? t.wallMs, clock: t.gpuMs === null ? 'wall' : 'gpu' };
}

/** The layer's shape at batch N. */
function convDims(l: LayerInfo & { type: 'Conv2d' }, N: number): ConvDims {
  const [C, H, W] = l.inShape;
  return { N, C, H, W, O: l.outC, KH: l.kh, KW: l.kw, PH: l.ph, PW: l.pw };
}

const big = (t: GemmTile): GemmTile => ({ ...t, TM: 8, TN: 8 });

/** Rows for every Conv2d and Linear of `spec` at batch `N`, printing each as it is measured. */
export async function benchModelShapes(
  rt: Runtime,
  model: string,
  spec: unknown,
  N: number,
  reps: number,
  rounds: number,
  extraTiles: GemmTile[] = [],
  blocks: CpuBlock[] = [CPU_BLOCK],
  directTiles: Tile[] = [],
): Promise<ShapeRow[]> {
  const layers = parseSpec(spec, [1, 28, 28]);
  const rows: ShapeRow[] = [];
  const run = async (layer: string, pass: ShapeRow['pass'], kernel: string, flop: number, calls: Call[]) => {
    const { ms, clock } = await time(rt, calls, reps, rounds);
    const row: ShapeRow = { model, layer, pass, kernel, flop, ms, gflops: flop / (ms * 1e6), clock };
    rows.push(row);
    console.log(
      `${`${model} ${layer} ${pass}`.padEnd(52)} ${kernel.padEnd(34)} ${ms.toFixed(3).padStart(10)} ms ${row.gflops.toFixed(2).padStart(8)} GFLOP/s${clock === 'wall' ? ' (wall)' : ''}`,
    );
  };
  for (const l of layers) {
    // A strided, dilated or grouped convolution has one kernel (conv2d_general): nothing to compare.
    if (l.type === 'Conv2d' && !l.general) {
      const d = convDims(l, N);
      const { OH, OW } = convOutSize(d);
      const name = `conv ${d.C}→${d.O} ${d.KH}×${d.KW} ${d.H}×${d.W}${d.PH ? ` pad ${d.PH}` : ''}`;
      const flop = 2 * d.N * OH * OW * d.O * d.C * d.KH * d.KW;
      const [x, w, y] = [d.N * d.C * d.H * d.W, d.O * d.C * d.KH * d.KW, d.N * d.O * OH * OW].map((n) => rt.buffer(4 * n));
      const wt = convGemmTile(rt, d, 'weight');
      const gemmScratch = Math.max(...[wt, big(wt), ...extraTiles].map((t) => gemmWeightPartialFloats(rt, d, t)));
      const cpuScratch = Math.max(...blocks.map((b) => cpuWeightPartialFloats(d, b)));
      const scratch = rt.buffer(4 * Math.max(4, convScratchFloats(d), gemmScratch, cpuScratch));
      const direct = convTile(rt, d);
      const directText = `direct ${direct.B}×${direct.T}`;
      for (const pass of ['forward', 'input', 'weight'] as const) {
        const label = pass === 'forward' ? 'forward' : pass === 'input' ? 'backward input' : 'backward weight';
        const t = convGemmTile(rt, d, pass);
        const g = convGemmDims(d, pass);
        const fits = (x: GemmTile) => tileStorage(x) <= rt.tuning.maxWorkgroupStorage;
        const tiles: GemmTile[] = [t, ...(g.M > 64 && g.N > 64 ? [big(t)] : []), ...extraTiles.filter(fits)];
        const old =
          pass === 'forward'
            ? [conv2dForward(rt, d, x, w, y)]
            : pass === 'input'
              ? [conv2dBackwardInput(rt, d, y, w, x)]
              : conv2dBackwardWeight(rt, d, y, x, w, scratch);
        await run(name, label, pass === 'weight' ? 'direct (v4, + reduce)' : directText, flop, old);
        for (const dt of pass === 'weight' ? [] : directTiles) {
          const calls = [pass === 'forward' ? conv2dForward(rt, d, x, w, y, undefined, undefined, dt) : conv2dBackwardInput(rt, d, y, w, x, undefined, dt)];
          await run(name, label, `direct ${dt.B}×${dt.T}`, flop, calls);
        }
        // The GEMM tiles, then the CPU adapters' blocks: [name, calls] each.
        const variants: [string, Call[]][] = [
          ...tiles.map((tile): [string, Call[]] => [
            `${tileText(tile)}${pass === 'weight' ? `, split ${gemmWeightSplit(rt, d, tile).S}` : ''}`,
            pass === 'forward'
              ? [gemmConv2dForward(rt, d, x, w, y, undefined, tile)]
              : pass === 'input'
                ? [gemmConv2dBackwardInput(rt, d, y, w, x, tile)]
                : gemmConv2dBackwardWeight(rt, d, y, x, w, scratch, tile),
          ]),
          ...blocks.map((blk): [string, Call[]] => [
            `${blockText(blk)}${pass === 'weight' ? `, split ${cpuWeightSplit(d, blk).S}` : ''}`,
            pass === 'forward'
              ? [cpuConv2dForward(rt, d, x, w, y, undefined, blk)]
              : pass === 'input'
                ? [cpuConv2dBackwardInput(rt, d, y, w, x, blk)]
                : cpuConv2dBackwardWeight(rt, d, y, x, w, scratch, blk),
          ]),
        ];
        for (const [text, calls] of variants) await run(name, label, text, flop, calls);
      }
      for (const b of [x, w, y, scratch]) rt.destroy(b);
    } else if (l.type === 'Linear') {
      const [M, K, Nn] = [N, l.inF, l.outF];
      const name = `linear ${K}→${Nn}`;
      const flop = 2 * M * K * Nn;
      const [x, w, y, bias] = [M * K, Nn * K, M * Nn, Nn].map((n) => rt.buffer(4 * n));
      const passes = [
        { pass: 'forward' as const, dims: { M, N: Nn, K }, a: x, b: w, c: y, opts: { transB: true, bias } },
        { pass: 'backward input' as const, dims: { M, N: K, K: Nn }, a: y, b: w, c: x, opts: {} },
        { pass: 'backward weight' as const, dims: { M: Nn, N: K, K: M }, a: y, b: x, c: w, opts: { transA: true } },
      ];
      for (const p of passes) {
        await run(name, p.pass, "matmul (today's choice)", flop, [matmul(rt, 'old', p.dims, p.a, p.b, p.c, p.opts)]);
        const plan = gemmPlan(rt, p.dims);
        const scratch = rt.buffer(4 * Math.max(4, gemmScratchFloats(rt, p.dims)));
        await run(name, p.pass, `${tileText(plan.tile)}, split ${plan.S}`, flop, gemm(rt, 'new', p.dims, p.a, p.b, p.c, { ...p.opts, scratch }));
        rt.destroy(scratch);
      }
      for (const b of [x, w, y, bias]) rt.destroy(b);
    }
  }
  return rows;
}
