// The model spec: a JSON list of layers named and parameterised as in PyTorch, so that
// nn.Sequential(*[getattr(nn, l["type"])(**args) for l in spec]) builds the same model.
// This file reads and bounds a spec and checks the list as a whole; spec-layer.ts checks each layer
// (arguments, output shape, state_dict entries), spec-names.ts the layers' names.
// A layer may carry "name", its module path in a PyTorch Net ("convblock1.0", "fc"): its tensors
// are then keyed by it ("convblock1.0.weight") instead of by index, so a pasted model's own
// state_dict names are kept through export and import.
import { shapeStr, type Shape } from './tensor';
import { parseLayer } from './spec-layer';
import { checkNames } from './spec-names';
import { SpecError, type LayerInfo, type TensorDef } from './spec-types';

export * from './spec-types';
export { LAYER_TYPES } from './spec-layer';

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

/** Every state_dict entry of a parsed model: parameters, then buffers, in layer order. */
export function stateDefs(layers: LayerInfo[]): { params: TensorDef[]; buffers: TensorDef[] } {
  return { params: layers.flatMap((l) => l.params), buffers: layers.flatMap((l) => l.buffers) };
}

export function countParams(layers: LayerInfo[]): number {
  return layers.flatMap((l) => l.params).reduce((s, d) => s + d.shape.reduce((a, b) => a * b, 1), 0);
}
