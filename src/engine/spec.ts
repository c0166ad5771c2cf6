// The model spec: a JSON list of layers named and parameterised as in PyTorch, so that
// nn.Sequential(*[getattr(nn, l["type"])(**args) for l in spec]) builds the same model.
// This file validates a spec, infers every layer's output shape, and names its state_dict entries.
// A layer may carry "name", its module path in a PyTorch Net ("convblock1.0", "fc"): its tensors
// are then keyed by it ("convblock1.0.weight") instead of by index, so a pasted model's own
// state_dict names are kept through export and import.
import { shapeStr, type Shape } from './tensor';

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

/** Bounds checked before anything is parsed or allocated (a spec is a short list of layers). */
export const SPEC_LIMITS = { chars: 256 * 1024, depth: 8, layers: 256, params: 10_000_000 };

/**
 * JSON text of a spec (from a file, the editor or a weights file's metadata) to a value, its size
 * and nesting bounded before JSON.parse sees it.
 */
export function readSpecText(text: string, source = 'The model spec'): unknown {
  if (text.length > SPEC_LIMITS.chars)
    throw new SpecError(
      `${source} is ${text.length.toLocaleString('en-US')} characters; a model spec may have at most ${SPEC_LIMITS.chars.toLocaleString('en-US')}`,
    );
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      if (++depth > SPEC_LIMITS.depth)
        throw new SpecError(`${source} nests deeper than ${SPEC_LIMITS.depth} levels; a model spec is a list of flat layer objects`);
    } else if (c === ']' || c === '}') depth--;
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SpecError(`${source} is not valid JSON: ${(e as Error).message}`);
  }
}

/** Parse JSON text or an already-parsed value into a validated list of layers. */
export function parseSpec(spec: unknown, inShape: Shape): LayerInfo[] {
  const list = typeof spec === 'string' ? readSpecText(spec) : spec;
  if (!Array.isArray(list)) throw new SpecError('The model spec must be a JSON array of layers');
  if (list.length === 0) throw new SpecError('The model spec has no layers');
  if (list.length > SPEC_LIMITS.layers)
    throw new SpecError(`The model spec has ${list.length.toLocaleString('en-US')} layers; at most ${SPEC_LIMITS.layers} are supported`);
  let shape = [...inShape];
  const out: LayerInfo[] = [];
  list.forEach((raw, index) => {
    const info = parseLayer(raw, index, shape, out[index - 1]);
    out.push(info);
    shape = info.outShape;
  });
  checkNames(out);
  const params = countParams(out);
  if (params > SPEC_LIMITS.params)
    throw new SpecError(`The model has ${params.toLocaleString('en-US')} parameters; at most ${SPEC_LIMITS.params.toLocaleString('en-US')} are supported`);
  return out;
}

/**
 * Training with NLL needs log-probabilities [N, classes]: the spec must end in LogSoftmax(dim=1)
 * over exactly `classes` outputs (PyTorch would raise "Target out of bounds" or learn nonsense).
 */
export function classifierError(layers: LayerInfo[], classes: number): string | null {
  const last = layers[layers.length - 1];
  const shape = shapeStr(last.outShape);
  if (last.type !== 'LogSoftmax')
    return `The model must end in {"type": "LogSoftmax", "dim": 1} over ${classes} classes to be trained with NLL; it ends in layer ${last.index} (${last.type}) with output ${shape}`;
  if (last.outShape.length !== 1 || last.outShape[0] !== classes)
    return `The model's output is ${shape}, but MNIST has ${classes} classes: the layer before LogSoftmax must give ${classes} outputs`;
  return null;
}

export function checkClassifier(layers: LayerInfo[], classes: number): void {
  const e = classifierError(layers, classes);
  if (e) throw new SpecError(e);
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

function parseLayer(raw: unknown, index: number, inShape: number[], prev: LayerInfo | undefined): LayerInfo {
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
      const [ph, pw] = pair(where, 'padding', a.padding, 0);
      const [sh, sw] = pair(where, 'stride', a.stride, 1);
      const [dh, dw] = pair(where, 'dilation', a.dilation, 1);
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

/** Names that cannot be a Net attribute: Python keywords and nn.Module's own attributes. */
const RESERVED = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda ' +
    'nonlocal not or pass raise return try while with yield self training forward train eval parameters modules children state_dict ' +
    'load_state_dict to cuda cpu float double half apply zero_grad register_buffer named_parameters buffers'
  ).split(' '),
);

/** A module path: an attribute, then nn.Sequential indices ("convblock1.0", "fc", "layer.0.1"). */
function checkName(index: number, type: string, name: unknown): void {
  const where = `layer ${index} (${type})`;
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*(\.(0|[1-9][0-9]*))*$/.test(name))
    throw new SpecError(
      `${where}: name ${JSON.stringify(name)} is not a module path; it is an attribute name, then nn.Sequential indices, e.g. "convblock1.0" or "fc"`,
    );
  const head = name.split('.')[0];
  if (RESERVED.has(head)) throw new SpecError(`${where}: name "${name}" cannot be a module attribute ("${head}" is reserved in Python or nn.Module)`);
}

/**
 * Named layers must form a Net that PyTorch can have: each attribute's layers consecutive (it is
 * one module, called once), an nn.Sequential's children numbered 0, 1, 2, … in order, and every
 * layer with parameters named when any is (an unnamed one would have no state_dict name).
 */
function checkNames(layers: LayerInfo[]): void {
  if (!layers.some((l) => l.name !== undefined)) return;
  const seen = new Map<string, number>();
  for (const l of layers) {
    if (l.name === undefined) {
      if (l.params.length || l.buffers.length)
        throw new SpecError(
          `layer ${l.index} (${l.type}) has parameters but no "name", while other layers are named; name every layer with parameters (its state_dict prefix), or none`,
        );
      continue;
    }
    const j = seen.get(l.name);
    if (j !== undefined) throw new SpecError(`layer ${l.index} (${l.type}): name "${l.name}" is also layer ${j}'s; names must be unique`);
    seen.set(l.name, l.index);
  }
  const group = (items: LayerInfo[], depth: number, path: string): void => {
    const segs = (l: LayerInfo) => l.name!.split('.');
    const leaf = items.find((l) => segs(l).length === depth);
    if (leaf && items.length > 1) {
      const other = items.find((l) => l !== leaf)!;
      throw new SpecError(`layer ${other.index} (${other.type}): "${other.name}" puts a layer inside "${path}", which is layer ${leaf.index} itself`);
    }
    if (leaf) return;
    // Children of one nn.Sequential: runs of equal index, numbered 0, 1, 2, … in order.
    let expected = 0;
    for (let i = 0; i < items.length;) {
      const seg = segs(items[i])[depth];
      if (seg !== String(expected))
        throw new SpecError(
          `layer ${items[i].index} (${items[i].type}): "${items[i].name}" should be "${path}.${expected}${segs(items[i]).length > depth + 1 ? '…' : ''}": an nn.Sequential numbers its layers 0, 1, 2, … in order`,
        );
      let j = i;
      while (j < items.length && segs(items[j])[depth] === seg) j++;
      group(items.slice(i, j), depth + 1, `${path}.${seg}`);
      i = j;
      expected++;
    }
  };
  // Top level: consecutive layers with the same attribute form one module.
  const done = new Map<string, number>();
  for (let i = 0; i < layers.length;) {
    const name = layers[i].name;
    if (name === undefined) {
      i++;
      continue;
    }
    const head = name.split('.')[0];
    const before = done.get(head);
    if (before !== undefined)
      throw new SpecError(
        `layer ${layers[i].index} (${layers[i].type}): "${name}" continues module "${head}" after other layers; a module's layers must be consecutive (it is called once in forward), and "${head}" ended at layer ${before}`,
      );
    let j = i;
    while (j < layers.length && layers[j].name?.split('.')[0] === head) j++;
    group(layers.slice(i, j), 1, head);
    done.set(head, j - 1);
    i = j;
  }
}

/** Every state_dict entry of a parsed model: parameters, then buffers, in layer order. */
export function stateDefs(layers: LayerInfo[]): { params: TensorDef[]; buffers: TensorDef[] } {
  return { params: layers.flatMap((l) => l.params), buffers: layers.flatMap((l) => l.buffers) };
}

export function countParams(layers: LayerInfo[]): number {
  return layers.flatMap((l) => l.params).reduce((s, d) => s + d.shape.reduce((a, b) => a * b, 1), 0);
}
