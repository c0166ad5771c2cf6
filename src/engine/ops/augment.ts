import common from '../../../shaders/common.wgsl?raw';
import source from '../../../shaders/augment.wgsl?raw';
import { kernel } from '../kernel';
import { grid1d, type Binding, type Call, type Runtime } from '../runtime';

const code = common + source;

export interface AugmentConfig {
  /** Random rotation range in degrees (±); 0 = none. */
  rotation: number;
  /** Probability of the centre-crop-and-resize (S5's RandomApply(CenterCrop(22), p = 0.1)). */
  cropP: number;
  /** Crop size in pixels. */
  crop: number;
  mean: number;
  std: number;
}

export const NO_AUGMENT: AugmentConfig = { rotation: 0, cropP: 0, crop: 22, mean: 0.1307, std: 0.3081 };

/**
 * Gather N samples order[offset..offset+N) (offset and seed from the step uniform), augment when
 * `train`, normalise into `out` [N, 1, side, side]; labels into `target`.
 */
export function augment(
  rt: Runtime,
  N: number,
  side: number,
  train: boolean,
  cfg: AugmentConfig,
  step: Binding,
  images: Binding,
  labels: Binding,
  order: Binding,
  out: Binding,
  target: Binding,
): Call {
  const params = rt.params({
    u: [N, train ? 1 : 0, cfg.crop, side],
    f: [(cfg.rotation * Math.PI) / 180, cfg.cropP, cfg.mean, 1 / cfg.std],
  });
  const n = N * side * side;
  // Bilinear sampling reads 4 source bytes per output pixel (at most; eval reads 1).
  return rt.dispatch({
    kernel: kernel(code, 'augment'),
    bind: { P: params, S: step, images, labels, order, out, out_labels: target },
    grid: grid1d(n),
    cost: { bytes: (train ? 4 : 1) * n + 4 * n + 12 * N, flops: (train ? 30 : 3) * n, serial: 1 },
  });
}
