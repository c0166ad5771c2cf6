// Tiled GEMM for Linear (shaders/gemm.wgsl) with split-K, and the tile and split rules the
// convolution GEMMs (ops/gemm_conv2d.ts) share.
import source from '../../../shaders/gemm.wgsl?raw';
import { kernel } from '../kernel';
import { grid1d, type Binding, type Call, type Runtime } from '../runtime';

/** Register block (TM × TN outputs per thread) and k per staged tile: a BM×BN×BK tile with BM = 16·TM, BN = 16·TN. */
export interface GemmTile {
  TM: number;
  TN: number;
  BK: number;
}

const POW2 = [1, 2, 4, 8, 16];

/** "gemm 64×64×8 tile": how the plan report names a tile. */
export const tileText = (t: GemmTile) => `gemm ${16 * t.TM}×${16 * t.TN}×${t.BK} tile`;

/** Workgroup storage of a tile in bytes: (BM + BN)·BK floats. */
export const tileStorage = (t: GemmTile) => 4 * 16 * (t.TM + t.TN) * t.BK;

/**
 * The tile for an M×N output: 4×4 per thread (64×64), narrowed to the smallest power of two
 * that covers a short side (M or N ≤ 16·4), so that a 50- or 10-column matrix is not mostly padding.
 */
export function chooseTile(rt: Runtime, M: number, N: number, BK = 8): GemmTile {
  const fit = (n: number) => POW2.find((t) => 16 * t >= n && t <= 4) ?? 4;
  return checkTile(rt, { TM: fit(M), TN: fit(N), BK }, 'gemm');
}

/** Refuse a tile the shaders cannot stage (see gemm.wgsl) or the tuning's workgroup storage cannot hold. */
export function checkTile(rt: Runtime, t: GemmTile, label: string): GemmTile {
  if (!POW2.includes(t.TM) || !POW2.includes(t.TN) || ![1, 2, 4, 8, 16, 32, 64].includes(t.BK))
    throw new Error(`${label}: tile TM=${t.TM} TN=${t.TN} BK=${t.BK}: TM and TN must be powers of two ≤ 16 and BK a power of two ≤ 64`);
  const bytes = tileStorage(t);
  if (bytes > rt.tuning.maxWorkgroupStorage)
    throw new Error(
      `${label}: ${tileText(t)} needs ${bytes} bytes of workgroup storage; the tuning allows ${rt.tuning.maxWorkgroupStorage} (maxComputeWorkgroupStorageSize)`,
    );
  return t;
}

/**
 * How a K-long reduction is split: S chunks of `chunk` (a multiple of BK). A GPU wants about
 * 1024 workgroups and at most 256 staged tiles per thread; a CPU adapter (few threads) wants
 * about 8 workgroups and no more partials than that. Never chunks shorter than 16 tiles, and
 * never more than `maxPartialFloats / outputs` splits (the partial buffer's bound).
 */
export function chooseSplit(rt: Runtime, tiles: number, K: number, BK: number, outputs: number, maxPartialFloats: number): { S: number; chunk: number } {
  const cpu = rt.tuning.kind === 'cpu';
  const steps = Math.ceil(K / BK);
  const want = Math.max(Math.ceil((cpu ? 8 : 1024) / tiles), cpu ? 1 : Math.ceil(steps / 256));
  const S0 = Math.max(1, Math.min(want, Math.floor(steps / 16), Math.floor(maxPartialFloats / outputs)));
  const chunk = Math.ceil(steps / S0) * BK;
  return { S: Math.ceil(K / chunk), chunk };
}

export interface GemmDims {
  M: number;
  N: number;
  K: number;
}

export interface GemmOptions {
  /** A is stored [K, M]. */
  transA?: boolean;
  /** B is stored [N, K]. */
  transB?: boolean;
  bias?: Binding;
  tile?: GemmTile;
  /** Force the number of K splits (1: none); default chooseSplit's. */
  split?: number;
  /** Split-K partials, gemmScratchFloats floats (needed when the split is more than 1). */
  scratch?: Binding;
}

/** The tile and the K split gemm() will use for these dims. */
export function gemmPlan(rt: Runtime, d: GemmDims, opts: Pick<GemmOptions, 'tile' | 'split'> = {}): { tile: GemmTile; S: number; chunk: number } {
  const tile = opts.tile ? checkTile(rt, opts.tile, 'gemm') : chooseTile(rt, d.M, d.N);
  const tiles = Math.ceil(d.M / (16 * tile.TM)) * Math.ceil(d.N / (16 * tile.TN));
  // Split only when the reduction is long against the output (K ≫ M·N, Linear 4096→50).
  if (opts.split !== undefined) {
    if (!Number.isInteger(opts.split) || opts.split < 1) throw new Error(`gemm: split ${opts.split}: a positive integer`);
    const chunk = Math.ceil(Math.ceil(d.K / tile.BK) / opts.split) * tile.BK;
    return { tile, S: Math.ceil(d.K / chunk), chunk };
  }
  const s = d.K >= 4 * d.M * d.N || d.K >= 2048 ? chooseSplit(rt, tiles, d.K, tile.BK, d.M * d.N, Math.max(1 << 18, 4 * d.M * d.N)) : { S: 1, chunk: d.K };
  return { tile, ...s };
}

/** Floats of gemm()'s split-K partials for these dims (0 when it does not split). */
export function gemmScratchFloats(rt: Runtime, d: GemmDims, opts: Pick<GemmOptions, 'tile' | 'split'> = {}): number {
  const p = gemmPlan(rt, d, opts);
  return p.S > 1 ? p.S * d.M * d.N : 0;
}

/**
 * C[M,N] = op(A)·op(B) (+ bias): one dispatch, or with a K split two (the partials into
 * `scratch`, then gemm_sum into C with the bias).
 */
export function gemm(rt: Runtime, label: string, d: GemmDims, a: Binding, b: Binding, c: Binding, opts: GemmOptions = {}): Call[] {
  const { M, N, K } = d;
  const { tile, S, chunk } = gemmPlan(rt, d, opts);
  const constants = { TRANS_A: opts.transA ? 1 : 0, TRANS_B: opts.transB ? 1 : 0, HAS_BIAS: opts.bias && S === 1 ? 1 : 0 };
  const k = kernel(source, 'gemm', { TM: tile.TM, TN: tile.TN, BK: tile.BK });
  const grid: [number, number, number] = [Math.ceil(N / (16 * tile.TN)), Math.ceil(M / (16 * tile.TM)), S];
  const cost = (bias: number) => ({ bytes: 4 * (M * K + K * N + S * M * N + bias), flops: 2 * M * N * K, serial: Math.ceil(chunk / tile.BK) });
  const params = rt.params({ u: [M, N, K, chunk] }, `${label} params`);
  if (S === 1)
    return [
      rt.dispatch({ kernel: k, label, bind: { P: params, A: a, B: b, C: c, bias: opts.bias ?? rt.dummy }, grid, constants, cost: cost(opts.bias ? N : 0) }),
    ];
  if (!opts.scratch) throw new Error(`gemm ${label}: a K split in ${S} needs a scratch binding of ${S * M * N} floats (gemmScratchFloats)`);
  return [
    rt.dispatch({ kernel: k, label, bind: { P: params, A: a, B: b, C: opts.scratch, bias: rt.dummy }, grid, constants, cost: cost(0) }),
    rt.dispatch({
      kernel: kernel(source, 'gemm_sum'),
      label: `${label} sum`,
      bind: { SP: rt.params({ u: [M * N, S, N] }, `${label} sum params`), part: opts.scratch, C: c, bias: opts.bias ?? rt.dummy },
      grid: grid1d(M * N),
      constants: { HAS_BIAS: opts.bias ? 1 : 0 },
      cost: { bytes: 4 * ((S + 1) * M * N + (opts.bias ? N : 0)), flops: S * M * N, serial: S },
    }),
  ];
}
