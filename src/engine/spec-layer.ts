// One layer of a model spec: its arguments checked as PyTorch checks them (defaults filled in,
// unknown or unsupported ones refused by name), its output shape inferred and its state named.
import { shapeStr } from './tensor';
import { SpecError, type LayerInfo, type PoolWindow, type TensorDef } from './spec-types';
import { checkName } from './spec-names';

/** Arguments each layer type accepts; the value is the default (undefined = required). */
const ARGS: Record<string, Record<string, unknown>> = {
  Conv2d: {
    in_channels: undefined,
    out_channels: undefined,
    kernel_size: undefined,
    stride: 1,
    padding: 0,
    dilation: 1,
    groups: 1,
    bias: true,
    padding_mode: 'zeros',
  },
  BatchNorm2d: { num_features: undefined, eps: 1e-5, momentum: 0.1, affine: true, track_running_stats: true },
  ReLU: { inplace: false },
  Sigmoid: {},
  MaxPool2d: { kernel_size: undefined, stride: null, padding: 0, dilation: 1, ceil_mode: false, return_indices: false },
  AdaptiveAvgPool2d: { output_size: undefined },
  AvgPool2d: { kernel_size: undefined, stride: null, padding: 0, ceil_mode: false, count_include_pad: true, divisor_override: null },
  Flatten: { start_dim: 1, end_dim: -1 },
  Dropout: { p: 0.5, inplace: false },
  Dropout2d: { p: 0.5, inplace: false },
  Linear: { in_features: undefined, out_features: undefined, bias: true },
  GroupNorm: { num_groups: undefined, num_channels: undefined, eps: 1e-5, affine: true },
  LayerNorm: { normalized_shape: undefined, eps: 1e-5, elementwise_affine: true },
  LogSoftmax: { dim: undefined },
};

export const LAYER_TYPES = Object.keys(ARGS);

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** An int or a pair of equal-meaning ints, as PyTorch's _pair accepts. */
function pair(where: string, name: string, v: unknown, min: number): [number, number] {
  const p = isInt(v) ? [v, v] : Array.isArray(v) && v.length === 2 && v.every(isInt) ? (v as number[]) : null;
  if (!p) throw new SpecError(`${where}: ${name} must be an integer or a pair of integers, got ${JSON.stringify(v)}`);
  if (p[0] < min || p[1] < min) throw new SpecError(`${where}: ${name} must be ≥ ${min}, got ${JSON.stringify(v)}`);
  return [p[0], p[1]];
}

function posInt(where: string, name: string, v: unknown): number {
  if (!isInt(v) || v < 1) throw new SpecError(`${where}: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

function positive(where: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v > 0)) throw new SpecError(`${where}: ${name} must be a positive number, got ${JSON.stringify(v)}`);
  return v;
}

function unsupported(where: string, name: string, v: unknown, only: string): never {
  throw new SpecError(`${where}: ${name} = ${JSON.stringify(v)} is not supported (only ${only})`);
}

/**
 * Conv2d's padding: an int, a pair, or PyTorch's strings — "valid" (none) and "same" (the output
 * as large as the input: dilation·(kernel−1) in all, stride 1 only). The kernels pad evenly, so a
 * "same" that PyTorch would pad unevenly (an even dilated kernel) is refused.
 */
function convPadding(where: string, v: unknown, k: number[], stride: number[], dil: number[]): [number, number] {
  if (v === 'valid') return [0, 0];
  if (v !== 'same') {
    if (typeof v === 'string') throw new SpecError(`${where}: padding ${JSON.stringify(v)} is not one of "same", "valid", an integer or a pair of integers`);
    return pair(where, 'padding', v, 0);
  }
  if (stride[0] !== 1 || stride[1] !== 1)
    throw new SpecError(`${where}: padding "same" is not supported for strided convolutions (stride ${stride.join('×')}), as in PyTorch`);
  const total = k.map((kk, i) => dil[i] * (kk - 1));
  if (total.some((t) => t % 2))
    throw new SpecError(
      `${where}: padding "same" with a ${k.join('×')} kernel` +
        (dil.some((d) => d !== 1) ? ` and dilation ${dil.join('×')}` : '') +
        ` pads ${total.join('×')} in all, unevenly (PyTorch puts the extra row and column after); the engine pads evenly: use an odd kernel_size or an explicit padding`,
    );
  return [total[0] / 2, total[1] / 2];
}

/** kernel_size, stride (default: the kernel) and padding of a pool, checked as PyTorch checks them; its output shape. */
function poolWindow(where: string, a: Record<string, unknown>, inShape: number[], got: string): { window: PoolWindow; outShape: number[] } {
  const [kh, kw] = pair(where, 'kernel_size', a.kernel_size, 1);
  const [sh, sw] = a.stride === null ? [kh, kw] : pair(where, 'stride', a.stride, 1);
  const [ph, pw] = pair(where, 'padding', a.padding, 0);
  if (2 * ph > kh || 2 * pw > kw) throw new SpecError(`${where}: padding ${JSON.stringify(a.padding)} must be at most half the kernel (PyTorch's rule)`);
  if (inShape.length !== 3) throw new SpecError(`${where}: expects input [C, H, W], but gets ${got}`);
  const oh = Math.floor((inShape[1] + 2 * ph - kh) / sh) + 1;
  const ow = Math.floor((inShape[2] + 2 * pw - kw) / sw) + 1;
  if (oh < 1 || ow < 1) throw new SpecError(`${where}: a ${kh}×${kw} window with padding ${ph}×${pw} does not fit input ${got}`);
  return { window: { kh, kw, sh, sw, ph, pw }, outShape: [inShape[0], oh, ow] };
}

export function parseLayer(raw: unknown, index: number, inShape: number[], prev: LayerInfo | undefined): LayerInfo {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new SpecError(`layer ${index}: must be an object like {"type": "ReLU"}, got ${JSON.stringify(raw)}`);
  const type = (raw as { type?: unknown }).type;
  if (typeof type !== 'string' || !(type in ARGS))
    throw new SpecError(`layer ${index}: unknown type ${JSON.stringify(type)}; supported: ${LAYER_TYPES.join(', ')}`);
  const name = (raw as { name?: unknown }).name;
  if (name !== undefined) checkName(index, type, name);
  const where = `layer ${index} (${type}${name === undefined ? '' : ` "${name as string}"`})`;
  const allowed = ARGS[type];
  const a: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (k === 'type' || k === 'name') continue;
    if (!(k in allowed)) throw new SpecError(`${where}: unknown argument "${k}"; it takes ${Object.keys(allowed).join(', ') || 'no arguments'}`);
    a[k] = v;
  }
  for (const [k, def] of Object.entries(allowed)) {
    if (a[k] === undefined) {
      if (def === undefined) throw new SpecError(`${where}: missing required argument "${k}"`);
      a[k] = def;
    }
  }
  const from = prev ? ` from layer ${prev.index} (${prev.type})` : ' (the model input)';
  const got = `${shapeStr(inShape)}${from}`;
  const prefix = name === undefined ? String(index) : (name as string);
  const base = { index, ...(name === undefined ? {} : { name: name as string }), prefix, inShape, params: [] as TensorDef[], buffers: [] as TensorDef[] };
  const def = (tensor: string, shape: number[]): TensorDef => ({ key: `${prefix}.${tensor}`, name: tensor, shape });

  switch (type) {
    case 'Conv2d': {
      const inC = posInt(where, 'in_channels', a.in_channels);
      const outC = posInt(where, 'out_channels', a.out_channels);
      const [kh, kw] = pair(where, 'kernel_size', a.kernel_size, 1);
      const [sh, sw] = pair(where, 'stride', a.stride, 1);
      const [dh, dw] = pair(where, 'dilation', a.dilation, 1);
      const [ph, pw] = convPadding(where, a.padding, [kh, kw], [sh, sw], [dh, dw]);
      const groups = posInt(where, 'groups', a.groups);
      if (inC % groups || outC % groups)
        throw new SpecError(`${where}: in_channels = ${inC} and out_channels = ${outC} must both be divisible by groups = ${groups}`);
      if (a.padding_mode !== 'zeros') unsupported(where, 'padding_mode', a.padding_mode, '"zeros"');
      if (typeof a.bias !== 'boolean') throw new SpecError(`${where}: bias must be true or false`);
      if (inShape.length !== 3 || inShape[0] !== inC) throw new SpecError(`${where}: expects input [${inC}, H, W] (in_channels = ${inC}), but gets ${got}`);
      const oh = Math.floor((inShape[1] + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
      const ow = Math.floor((inShape[2] + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
      const general = sh !== 1 || sw !== 1 || dh !== 1 || dw !== 1 || groups !== 1;
      if (oh < 1 || ow < 1)
        throw new SpecError(
          general
            ? `${where}: a ${kh}×${kw} kernel with dilation ${dh}×${dw}, stride ${sh}×${sw} and padding ${ph}×${pw} does not fit input ${got}`
            : `${where}: a ${kh}×${kw} kernel with padding ${ph}×${pw} does not fit input ${got}`,
        );
      const params = [def('weight', [outC, inC / groups, kh, kw])];
      if (a.bias) params.push(def('bias', [outC]));
      return { ...base, type, inC, outC, kh, kw, ph, pw, sh, sw, dh, dw, groups, general, bias: a.bias, outShape: [outC, oh, ow], params };
    }
    case 'BatchNorm2d': {
      const features = posInt(where, 'num_features', a.num_features);
      if (typeof a.eps !== 'number' || !(a.eps > 0)) throw new SpecError(`${where}: eps must be a positive number`);
      if (typeof a.momentum !== 'number' || !(a.momentum >= 0 && a.momentum <= 1))
        throw new SpecError(`${where}: momentum must be a number in [0, 1] (momentum = null is not supported)`);
      if (a.affine !== true) unsupported(where, 'affine', a.affine, 'affine = true');
      if (a.track_running_stats !== true) unsupported(where, 'track_running_stats', a.track_running_stats, 'true');
      if (inShape.length !== 3 || inShape[0] !== features)
        throw new SpecError(`${where}: expects input [${features}, H, W] (num_features = ${features}), but gets ${got}`);
      return {
        ...base,
        type,
        features,
        eps: a.eps,
        momentum: a.momentum,
        outShape: inShape,
        params: [def('weight', [features]), def('bias', [features])],
        buffers: [def('running_mean', [features]), def('running_var', [features])],
      };
    }
    case 'ReLU':
    case 'Sigmoid':
      return { ...base, type, outShape: inShape };
    case 'MaxPool2d': {
      if (JSON.stringify(pair(where, 'dilation', a.dilation, 1)) !== '[1,1]') unsupported(where, 'dilation', a.dilation, 'dilation 1');
      if (a.ceil_mode !== false) unsupported(where, 'ceil_mode', a.ceil_mode, 'false');
      if (a.return_indices !== false) unsupported(where, 'return_indices', a.return_indices, 'false');
      const { window, outShape } = poolWindow(where, a, inShape, got);
      return { ...base, type, ...window, outShape };
    }
    case 'AdaptiveAvgPool2d': {
      const o = a.output_size;
      if (!(o === 1 || (Array.isArray(o) && o.length === 2 && o[0] === 1 && o[1] === 1)))
        unsupported(where, 'output_size', o, 'output_size 1, global average pooling');
      if (inShape.length !== 3) throw new SpecError(`${where}: expects input [C, H, W], but gets ${got}`);
      return { ...base, type, outShape: [inShape[0], 1, 1] };
    }
    case 'AvgPool2d': {
      if (a.ceil_mode !== false) unsupported(where, 'ceil_mode', a.ceil_mode, 'false');
      if (typeof a.count_include_pad !== 'boolean') throw new SpecError(`${where}: count_include_pad must be true or false`);
      if (a.divisor_override !== null) unsupported(where, 'divisor_override', a.divisor_override, 'null');
      const { window, outShape } = poolWindow(where, a, inShape, got);
      return { ...base, type, ...window, includePad: a.count_include_pad, outShape };
    }
    case 'Flatten':
      if (a.start_dim !== 1 || a.end_dim !== -1) unsupported(where, 'start_dim/end_dim', [a.start_dim, a.end_dim], 'start_dim 1, end_dim -1');
      return { ...base, type, outShape: [inShape.reduce((x, y) => x * y, 1)] };
    case 'Dropout': {
      const p = a.p;
      if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new SpecError(`${where}: p must be a number in [0, 1], got ${JSON.stringify(p)}`);
      return { ...base, type, p, outShape: inShape };
    }
    case 'Dropout2d': {
      const p = a.p;
      if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new SpecError(`${where}: p must be a number in [0, 1], got ${JSON.stringify(p)}`);
      if (inShape.length !== 3) throw new SpecError(`${where}: expects input [C, H, W] (it drops whole channels), but gets ${got}`);
      return { ...base, type, p, outShape: inShape };
    }
    case 'Linear': {
      const inF = posInt(where, 'in_features', a.in_features);
      const outF = posInt(where, 'out_features', a.out_features);
      if (typeof a.bias !== 'boolean') throw new SpecError(`${where}: bias must be true or false`);
      if (inShape.length !== 1 || inShape[0] !== inF)
        throw new SpecError(
          `${where}: expects input [${inF}] (in_features = ${inF}), but gets ${got}` + (inShape.length > 1 ? '; add {"type": "Flatten"} before it' : ''),
        );
      const params = [def('weight', [outF, inF])];
      if (a.bias) params.push(def('bias', [outF]));
      return { ...base, type, inF, outF, bias: a.bias, outShape: [outF], params };
    }
    case 'GroupNorm': {
      const groups = posInt(where, 'num_groups', a.num_groups);
      const channels = posInt(where, 'num_channels', a.num_channels);
      if (channels % groups !== 0) throw new SpecError(`${where}: num_channels ${channels} is not divisible by num_groups ${groups}`);
      const eps = positive(where, 'eps', a.eps);
      if (typeof a.affine !== 'boolean') throw new SpecError(`${where}: affine must be true or false`);
      if ((inShape.length !== 3 && inShape.length !== 1) || inShape[0] !== channels)
        throw new SpecError(`${where}: expects input [${channels}, H, W] or [${channels}] (num_channels = ${channels}), but gets ${got}`);
      const params = a.affine ? [def('weight', [channels]), def('bias', [channels])] : [];
      return { ...base, type, groups, channels, eps, affine: a.affine, outShape: inShape, params };
    }
    case 'LayerNorm': {
      const ns = a.normalized_shape;
      const shape = isInt(ns) ? [ns] : Array.isArray(ns) && ns.length > 0 && ns.every(isInt) ? (ns as number[]) : null;
      if (!shape || shape.some((v) => v < 1))
        throw new SpecError(`${where}: normalized_shape must be a positive integer or a list of them, got ${JSON.stringify(ns)}`);
      if (shapeStr(shape) !== shapeStr(inShape))
        throw new SpecError(
          `${where}: normalized_shape ${shapeStr(shape)} is not the whole shape of its input, ${got}; the engine normalizes over all of it: normalized_shape ${shapeStr(inShape)}`,
        );
      const eps = positive(where, 'eps', a.eps);
      if (typeof a.elementwise_affine !== 'boolean') throw new SpecError(`${where}: elementwise_affine must be true or false`);
      const params = a.elementwise_affine ? [def('weight', [...shape]), def('bias', [...shape])] : [];
      return { ...base, type, eps, affine: a.elementwise_affine, outShape: inShape, params };
    }
    case 'LogSoftmax':
      if (a.dim !== 1 && a.dim !== -1) unsupported(where, 'dim', a.dim, 'dim 1');
      if (inShape.length !== 1) throw new SpecError(`${where}: expects input [classes], but gets ${got}; add Flatten before it`);
      return { ...base, type, outShape: inShape };
  }
  throw new SpecError(`${where}: not implemented`);
}
