// npm run bench:kernels [-- --max 4096 --json FILE --batch 128 --models a.json,b.json --models-only]
// GFLOP/s of every Conv2d and Linear of the default and S5 models, direct kernels against the
// GEMMs in the same run (bench-shapes.ts); then, unless --models-only, of the matmul kernel
// (square sizes 256…max), of the conv2d versions at the default model's sizes and of BatchNorm,
// on whatever adapter Dawn finds (TUNING=gpu|cpu|defaults chooses the tuning).
import { readFileSync, writeFileSync } from 'node:fs';
import { openNodeGpu } from '../engine/node-gpu';
import { conv2dBackwardInput, conv2dBackwardWeight, conv2dForward, convOutSize, convScratchFloats, type ConvDims } from '../engine/ops/conv2d';
import { conv2dBackwardInputV1, conv2dBackwardWeightV1, conv2dForwardV1 } from '../engine/ops/dev/conv2d_v1';
import { conv2dBackwardInputV2, conv2dBackwardWeightV2, conv2dForwardV2, conv2dV2ScratchFloats } from '../engine/ops/dev/conv2d_v2';
import { bnBackward, bnForward, bnScratchFloats, NO_FUSION } from '../engine/ops/batchnorm';
import { bnBackwardV1, bnForwardTrainV1 } from '../engine/ops/dev/batchnorm_v1';
import { conv2dBackwardWeightV3, conv2dV3ScratchFloats } from '../engine/ops/dev/conv2d_v3';
import { bnBackwardV2, bnForwardV2, bnScratchFloatsV2 } from '../engine/ops/dev/batchnorm_v2';
import { matmul } from '../engine/ops/matmul';
import { Runtime } from '../engine/runtime';
import { timeCalls } from '../engine/timing';
import { parseArgs } from './args';
import { commit, machine } from './provenance';
import { benchModelShapes, type ShapeRow } from './bench-shapes';

const DEFAULT_MODELS = 'src/models/mnist-default.json,src/models/s5.json';

async function main() {
  const opts = parseArgs(process.argv.slice(2), ['max', 'json', 'batch', 'models', 'tiles', 'blocks', 'direct'], ['models-only']);
  const arg = (name: string, def: string) => opts[name] ?? def;
  const { device, info, tuning } = await openNodeGpu();
  const rt = new Runtime(device, info, tuning);
  const slow = tuning.cpuAdapter;
  const max = Number(arg('max', slow ? '1024' : '4096'));
  const batch = Number(arg('batch', '128'));
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`--batch ${opts.batch}: a positive integer`);
  console.log(`adapter: ${info.adapter}${slow ? ' (fallback/CPU adapter)' : ''}; tuning ${tuning.kind}`);
  const rows: Record<string, unknown>[] = [];
  const shapes: ShapeRow[] = [];
  // --tiles 8x8x16,4x4x32: GEMM tiles (TM×TN×BK) timed besides each pass's own.
  const extra = (opts.tiles ? opts.tiles.split(',') : []).map((t) => {
    const [TM, TN, BK] = t.split('x').map(Number);
    if (![TM, TN, BK].every(Number.isInteger)) throw new Error(`--tiles ${t}: expected TMxTNxBK, e.g. 8x8x16`);
    return { TM, TN, BK };
  });
  // --blocks 16x8x16u,16x8x16,8x8x9 (the default: the CPU plan's, written out, and the looped ones it
  // replaced): CPU register blocks (WG×TL×TU, u: unrolled; ops/conv_cpu.ts) timed besides the GEMMs.
  const blocks = (opts.blocks ? opts.blocks.split(',') : ['16x8x16u', '16x8x16', '8x8x9']).map((t) => {
    const unrolled = t.endsWith('u');
    const [WG, TL, TU] = t.replace(/u$/, '').split('x').map(Number);
    if (![WG, TL, TU].every(Number.isInteger)) throw new Error(`--blocks ${t}: expected WGxTLxTU, e.g. 64x1x8 (16x8x16u: the unrolled one)`);
    return { WG, TL, TU, unrolled };
  });
  // --direct 16x4,8x8: direct-kernel tiles (B×T, ops/conv2d.ts) timed besides each forward and dx's own.
  const direct = (opts.direct ? opts.direct.split(',') : []).map((t) => {
    const [B, T] = t.split('x').map(Number);
    if (![B, T].every(Number.isInteger)) throw new Error(`--direct ${t}: expected BxT, e.g. 16x4`);
    return { B, T };
  });
  for (const file of arg('models', DEFAULT_MODELS).split(',')) {
    const spec = JSON.parse(readFileSync(file, 'utf8'));
    const model = file.replace(/^.*\//, '').replace(/\.json$/, '');
    shapes.push(...(await benchModelShapes(rt, model, spec, batch, 1, slow ? 2 : 20, extra, blocks, direct)));
  }
  const json = arg('json', '');
  const save = () =>
    json &&
    writeFileSync(
      json,
      JSON.stringify(
        { adapter: info.adapter, tuning: tuning.kind, batch, machine: machine(), commit: commit(), date: new Date().toISOString(), shapes, rows },
        null,
        2,
      ) + '\n',
    );
  if (opts['models-only']) {
    save();
    device.destroy();
    return;
  }
  const report = (name: string, flop: number, t: { wallMs: number; gpuMs: number | null }) => {
    const ms = t.gpuMs ?? t.wallMs;
    const gflops = flop / (ms * 1e6);
    rows.push({ name, flop, wallMs: t.wallMs, gpuMs: t.gpuMs, gflops });
    console.log(`${name.padEnd(44)} ${ms.toFixed(3).padStart(9)} ms  ${gflops.toFixed(1).padStart(9)} GFLOP/s${t.gpuMs === null ? ' (wall clock)' : ''}`);
  };

  for (let n = 256; n <= max; n *= 2) {
    const a = rt.upload(new Float32Array(n * n).map(() => Math.random() - 0.5));
    const b = rt.upload(new Float32Array(n * n).map(() => Math.random() - 0.5));
    const c = rt.buffer(4 * n * n);
    const flop = 2 * n ** 3;
    const reps = Math.max(1, Math.min(50, Math.round(2e10 / flop / (slow ? 100 : 1))));
    for (const [version, kernel] of [
      ['v1 (64×64 tile)', 'tiled'],
      ['v2 (128×128 tile)', 'large'],
    ] as const) {
      const call = matmul(rt, 'bench', { M: n, N: n, K: n }, a, b, c, { kernel });
      await timeCalls(rt, [call], 1, 1); // warm-up and compile
      report(`matmul ${version} ${n}×${n}×${n}`, flop, await timeCalls(rt, [call], reps));
    }
    for (const x of [a, b, c]) rt.destroy(x);
  }

  // The default model's convolutions at batch 128.
  const convs: [string, ConvDims][] = [
    ['conv 1→8 3×3 28×28', { N: 128, C: 1, H: 28, W: 28, O: 8, KH: 3, KW: 3, PH: 0, PW: 0 }],
    ['conv 8→16 3×3 26×26', { N: 128, C: 8, H: 26, W: 26, O: 16, KH: 3, KW: 3, PH: 0, PW: 0 }],
    ['conv 16→8 1×1 24×24', { N: 128, C: 16, H: 24, W: 24, O: 8, KH: 1, KW: 1, PH: 0, PW: 0 }],
    ['conv 12→16 3×3 10×10', { N: 128, C: 12, H: 10, W: 10, O: 16, KH: 3, KW: 3, PH: 0, PW: 0 }],
    ['conv 16→16 3×3 6×6 pad 1', { N: 128, C: 16, H: 6, W: 6, O: 16, KH: 3, KW: 3, PH: 1, PW: 1 }],
  ];
  for (const [name, d] of convs) {
    const { OH, OW } = convOutSize(d);
    const x = rt.buffer(4 * d.N * d.C * d.H * d.W);
    const w = rt.buffer(4 * d.O * d.C * d.KH * d.KW);
    const y = rt.buffer(4 * d.N * d.O * OH * OW);
    const scratch = rt.buffer(4 * Math.max(convScratchFloats(d), conv2dV2ScratchFloats(d), conv2dV3ScratchFloats(d)));
    const flop = 2 * d.N * d.O * OH * OW * d.C * d.KH * d.KW;
    const reps = slow ? 2 : 50;
    for (const [kind, calls] of [
      ['forward v1', [conv2dForwardV1(rt, d, x, w, y)]],
      ['forward v2', [conv2dForwardV2(rt, d, x, w, y)]],
      ['forward v3', [conv2dForward(rt, d, x, w, y)]],
      ['backward input v1', [conv2dBackwardInputV1(rt, d, y, w, x)]],
      ['backward input v2', [conv2dBackwardInputV2(rt, d, y, w, x)]],
      ['backward input v3', [conv2dBackwardInput(rt, d, y, w, x)]],
      ['backward weight v1', [conv2dBackwardWeightV1(rt, d, y, x, w)]],
      ['backward weight v2', conv2dBackwardWeightV2(rt, d, y, x, w, scratch)],
      ['backward weight v3', conv2dBackwardWeightV3(rt, d, y, x, w, scratch)],
      ['backward weight v4', conv2dBackwardWeight(rt, d, y, x, w, scratch)],
    ] as const) {
      await timeCalls(rt, [...calls], 1, 1);
      report(`${name} ${kind}`, flop, await timeCalls(rt, [...calls], reps));
    }
    for (const b of [x, w, y, scratch]) rt.destroy(b);
  }
  // BatchNorm (train mode) at the model's sizes, batch 128: v1 (one workgroup per channel) vs v2
  // (split reductions, finalize kernels) vs v3 (finalize folded into apply / apply_grad). GB/s counts one read of x and one write of y (forward), two reads and a write (backward).
  const step = rt.device.createBuffer({ size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  for (const [name, d] of [
    ['batchnorm 8×26×26', { N: 128, C: 8, HW: 676, eps: 1e-5 }],
    ['batchnorm 16×24×24', { N: 128, C: 16, HW: 576, eps: 1e-5 }],
    ['batchnorm 16×6×6', { N: 128, C: 16, HW: 36, eps: 1e-5 }],
  ] as const) {
    const n = d.N * d.C * d.HW;
    const f = bnScratchFloats(rt, d);
    const f2 = bnScratchFloatsV2(rt, d);
    const [x, y, dy, dx, g, b, dg, db, saved, batch, sums, partial, aux] = [
      n,
      n,
      n,
      n,
      d.C,
      d.C,
      d.C,
      d.C,
      f2.stats,
      f2.stats,
      f2.stats,
      Math.max(f.partial, f2.partial),
      f.aux,
    ].map((k) => rt.buffer(4 * k));
    const reps = slow ? 2 : 50;
    for (const [kind, calls, bytes] of [
      ['forward v1', [bnForwardTrainV1(rt, d, x, g, b, y, saved, batch)], 8 * n],
      ['forward v2', bnForwardV2(rt, d, NO_FUSION, true, step, x, g, b, y, { saved, batchStats: batch, partial }), 8 * n],
      ['forward v3', bnForward(rt, d, NO_FUSION, { step, x, gamma: g, beta: b, y, batchStats: batch, partial, aux }), 8 * n],
      ['backward v1', [bnBackwardV1(rt, d, x, g, dy, dx, saved, dg, db)], 12 * n],
      ['backward v2', bnBackwardV2(rt, d, NO_FUSION, true, step, x, g, b, saved, dy, dx, dg, db, { partial, sums }), 12 * n],
      ['backward v3', bnBackward(rt, d, NO_FUSION, { train: true, step, x, gamma: g, beta: b, dy, dx, dgamma: dg, dbeta: db, aux }), 12 * n],
    ] as const) {
      await timeCalls(rt, [...calls], 1, 1);
      const t = await timeCalls(rt, [...calls], reps);
      const ms = t.gpuMs ?? t.wallMs;
      rows.push({ name: `${name} ${kind}`, bytes, wallMs: t.wallMs, gpuMs: t.gpuMs, gbps: bytes / (ms * 1e6) });
      console.log(
        `${`${name} ${kind}`.padEnd(44)} ${ms.toFixed(3).padStart(9)} ms  ${(bytes / (ms * 1e6)).toFixed(2).padStart(9)} GB/s${t.gpuMs === null ? ' (wall clock)' : ''}`,
      );
    }
    for (const buf of [x, y, dy, dx, g, b, dg, db, saved, batch, sums, partial, aux]) rt.destroy(buf);
  }
  step.destroy();

  save();
  device.destroy();
}

main().catch((e) => {
  console.error(`bench:kernels: ${e instanceof Error ? e.message : e}`);
  process.exit(2);
});
