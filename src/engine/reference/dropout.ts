// Dropout's mask, bit for bit as shaders/dropout.wgsl computes it (and scripts/gen_fixtures.py).
import { pcg } from '../rng';

type A = ArrayLike<number>;

/** The hash lives in rng.ts (runtime code must not import references); re-exported for older imports. */
export { pcg };

/** keep[i] for element i of dropout layer `layer` at step seed `seed`. */
export function dropoutKeep(seed: number, layer: number, n: number, p: number): Uint8Array {
  const key = pcg((seed + pcg(layer)) >>> 0);
  const keep = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    // Same float32 arithmetic as the shader: a 24-bit integer times 2^-24 is exact.
    const u = (pcg((key ^ i) >>> 0) >>> 8) / 16777216;
    keep[i] = u >= Math.fround(p) ? 1 : 0;
  }
  return keep;
}

export function dropoutApply(x: A, keep: Uint8Array, p: number): Float64Array {
  const scale = p >= 1 ? 0 : 1 / (1 - p);
  return Float64Array.from(x, (v, i) => (keep[i] ? v * scale : 0));
}

/** Dropout2d: keep[n·C + c] for each channel of each sample, the same hash as Dropout's per element. */
export function dropout2dKeep(seed: number, layer: number, channels: number, p: number): Uint8Array {
  return dropoutKeep(seed, layer, channels, p);
}

/** Dropout2d on x [channels × hw]: a dropped channel is all zeros, a kept one scaled by 1/(1 − p). */
export function dropout2dApply(x: A, keep: Uint8Array, hw: number, p: number): Float64Array {
  const scale = p >= 1 ? 0 : 1 / (1 - p);
  return Float64Array.from(x, (v, i) => (keep[Math.floor(i / hw)] ? v * scale : 0));
}
