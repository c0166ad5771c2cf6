// The model spec's types: a spec as written (LayerSpec) and as validated (LayerInfo, every
// argument resolved and every shape inferred), and the error a bad spec raises.

export type LayerSpec = { type: string } & Record<string, unknown>;

export interface TensorDef {
  /** state_dict key, e.g. "0.weight", "1.running_mean". */
  key: string;
  /** Name inside the layer, e.g. "weight". */
  name: string;
  shape: number[];
}

/** A validated layer with everything resolved: arguments with defaults, shapes, state. */
export type LayerInfo =
  | (Base & {
      type: 'Conv2d';
      inC: number;
      outC: number;
      kh: number;
      kw: number;
      ph: number;
      pw: number;
      /** Stride, dilation, groups; `general` when any is not 1 (conv2d_general's kernels, no fusion). */
      sh: number;
      sw: number;
      dh: number;
      dw: number;
      groups: number;
      general: boolean;
      bias: boolean;
    })
  | (Base & { type: 'BatchNorm2d'; features: number; eps: number; momentum: number })
  | (Base & { type: 'ReLU' | 'Sigmoid' | 'Flatten' | 'LogSoftmax' })
  | (Base & { type: 'MaxPool2d' } & PoolWindow)
  | (Base & { type: 'AdaptiveAvgPool2d' })
  | (Base & { type: 'AvgPool2d'; includePad: boolean } & PoolWindow)
  | (Base & { type: 'Dropout'; p: number })
  | (Base & { type: 'Dropout2d'; p: number })
  | (Base & { type: 'Linear'; inF: number; outF: number; bias: boolean })
  | (Base & { type: 'GroupNorm'; groups: number; channels: number; eps: number; affine: boolean })
  | (Base & { type: 'LayerNorm'; eps: number; affine: boolean });

/** A pooling window: kernel (kh, kw), stride (sh, sw), padding (ph, pw); floor mode. */
export interface PoolWindow {
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
}

/** K where the window is K×K with stride K and no padding (what the fused 1×1 conv → pool unit handles), else null. */
export function plainPoolK(w: PoolWindow): number | null {
  return w.kh === w.kw && w.sh === w.kh && w.sw === w.kw && w.ph === 0 && w.pw === 0 ? w.kh : null;
}

interface Base {
  index: number;
  /** The layer's module name in PyTorch (a pasted model's "convblock1.0", "fc"), when it has one. */
  name?: string;
  /** Its state_dict key prefix: the name, or the index in a plain nn.Sequential. */
  prefix: string;
  /** Per-sample shapes (no batch dimension). */
  inShape: number[];
  outShape: number[];
  params: TensorDef[];
  buffers: TensorDef[];
}

export class SpecError extends Error {
  override name = 'SpecError';
}
