// float64 reference of shaders/augment.wgsl: the same per-sample random numbers and geometry.
import type { AugmentConfig } from '../ops/augment';
import { pcg } from './dropout';

const unit = (h: number) => (h >>> 8) / 16777216;

/** Sample parameters for batch position b at step seed `seed`. */
export function sampleParams(seed: number, b: number, cfg: AugmentConfig) {
  const key = pcg((seed ^ 0x2545f491) >>> 0);
  const angle = (2 * unit(pcg((key ^ (2 * b)) >>> 0)) - 1) * Math.fround((cfg.rotation * Math.PI) / 180);
  const crop = unit(pcg((key ^ (2 * b + 1)) >>> 0)) < Math.fround(cfg.cropP);
  return { angle, crop };
}

/** One image (side × side uint8) → normalised float64 image. */
export function augmentImage(img: ArrayLike<number>, side: number, train: boolean, cfg: AugmentConfig, seed: number, b: number): Float64Array {
  const out = new Float64Array(side * side);
  const px = (x: number, y: number) => (x < 0 || y < 0 || x >= side || y >= side ? 0 : img[y * side + x]);
  const { angle, crop } = sampleParams(seed, b, cfg);
  const c = side / 2;
  for (let k = 0; k < side * side; k++) {
    let v: number;
    if (!train) v = img[k];
    else {
      const x = (k % side) + 0.5 - c;
      const y = Math.floor(k / side) + 0.5 - c;
      let qx = Math.cos(angle) * x - Math.sin(angle) * y + c;
      let qy = Math.sin(angle) * x + Math.cos(angle) * y + c;
      if (crop) {
        const s = cfg.crop / side;
        const off = (side - cfg.crop) / 2;
        qx = off + qx * s;
        qy = off + qy * s;
      }
      const ux = qx - 0.5;
      const uy = qy - 0.5;
      const x0 = Math.floor(ux);
      const y0 = Math.floor(uy);
      const fx = ux - x0;
      const fy = uy - y0;
      const top = px(x0, y0) * (1 - fx) + px(x0 + 1, y0) * fx;
      const bot = px(x0, y0 + 1) * (1 - fx) + px(x0 + 1, y0 + 1) * fx;
      v = top * (1 - fy) + bot * fy;
    }
    out[k] = (v / 255 - cfg.mean) / cfg.std;
  }
  return out;
}
