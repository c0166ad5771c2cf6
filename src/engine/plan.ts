// A Plan: the activations, gradients and dispatches of one batch size and mode, built once.
// buildPlan is the whole sizing: the Plan constructor runs it dry first (Runtime.measure, every
// buffer and grid checked against the limits), and the largest-batch search runs it the same way.
import { describeBuffer, LimitError } from './gpu-errors';
import type { LayerCtx, Mode } from './layers';
import type { Model } from './model';
import { GradReducer } from './ops/reduce';
import type { Call } from './runtime';
import { SpecError } from './spec';
import { numel, shapeStr, type Tensor } from './tensor';
import { isIdentity, planUnits, type Unit } from './units';

export interface PlanOptions {
  /** Compute the gradient with respect to the input too (inspection). */
  inputGrad: boolean;
  /** Every layer its own unit, so every layer's output and gradient is materialised (inspection). */
  unfused: boolean;
}

/** What buildPlan makes: tensors by layer, dispatches, and how the layers were grouped. */
export interface PlanParts {
  input: Tensor;
  /** Output of each layer, and the loss gradient w.r.t. it (aliases where a layer is the identity). */
  acts: Tensor[];
  dacts: Tensor[];
  inputGrad: Tensor | null;
  forward: Call[];
  backward: Call[];
  /** How the layers were grouped (BatchNorm2d → ReLU → Dropout runs as one unit). */
  units: Unit[];
}

export class Plan implements PlanParts {
  input!: Tensor;
  readonly acts: Tensor[] = [];
  readonly dacts: Tensor[] = [];
  inputGrad: Tensor | null = null;
  readonly forward: Call[] = [];
  readonly backward: Call[] = [];
  units: Unit[] = [];
  private owned: GPUBuffer[] = [];

  constructor(
    readonly model: Model,
    readonly N: number,
    readonly mode: Mode,
    readonly opts: PlanOptions = { inputGrad: false, unfused: false },
  ) {
    const { rt } = model;
    if (!Number.isInteger(N) || N < 1) throw new SpecError(`batch size must be a positive integer, got ${N}`);
    // Sized and checked against the device's limits first, so nothing is allocated for a plan
    // that cannot run, and the refusal can say which batch size would.
    let units: Unit[] = [];
    try {
      rt.measure(() => (units = buildPlan(model, N, mode, opts).units));
    } catch (e) {
      if (!(e instanceof LimitError)) throw e;
      throw new LimitError(limitMessage(model, N, mode, opts, e, units), e.what, e.need, e.allowed, e.limit);
    }
    Object.assign(
      this,
      rt.collect(this.owned, () => buildPlan(model, N, mode, opts)),
    );
  }

  get output(): Tensor {
    return this.acts[this.acts.length - 1];
  }

  get dOutput(): Tensor {
    return this.dacts[this.dacts.length - 1];
  }

  /** Bytes of activation and gradient memory this plan holds. */
  get bytes(): number {
    return this.owned.reduce((s, b) => s + b.size, 0);
  }

  destroy(): void {
    for (const b of this.owned) this.model.rt.destroy(b);
    this.owned = [];
  }
}

/**
 * Every buffer and dispatch of the plan for batch N and `mode`, in order: the one sizing, run dry
 * (Runtime.measure: nothing allocated, everything checked) or for real.
 */
export function buildPlan(model: Model, N: number, mode: Mode, opts: PlanOptions): PlanParts {
  const { rt, layers } = model;
  const acts: Tensor[] = [];
  const dacts: Tensor[] = [];
  const forward: Call[] = [];
  const backward: Call[] = [];
  let inputGrad: Tensor | null = null;
  const tensor = (shape: number[], label: string): Tensor => ({ buf: rt.buffer(4 * N * numel(shape), label), shape: [N, ...shape] });
  const alias = (t: Tensor, shape: number[]): Tensor => ({ buf: t.buf, shape: [N, ...shape] });
  if (mode === 'train')
    for (const l of model.infos)
      if (l.type === 'BatchNorm2d' && N * l.inShape[1] * l.inShape[2] < 2)
        throw new SpecError(`layer ${l.index} (BatchNorm2d): train mode needs more than 1 value per channel (batch ${N}, input ${shapeStr(l.inShape)})`);

  const units = opts.unfused ? layers.map((layer, i) => ({ first: i, last: i, layer })) : planUnits(layers, mode, rt.tuning);
  const identity = (u: Unit) => u.first === u.last && isIdentity(u.layer, mode);
  // Activations: one buffer per unit output; inside a fused unit the intermediate outputs are
  // never materialised and name the unit's output.
  const input = tensor(model.inShape, 'input');
  for (const u of units) {
    const prev = u.first === 0 ? input : acts[u.first - 1];
    const out = identity(u) ? alias(prev, layers[u.last].info.outShape) : tensor(layers[u.last].info.outShape, `act ${u.last}`);
    for (let i = u.first; i <= u.last; i++) {
      acts[i] = i === u.last ? out : alias(out, layers[i].info.outShape);
    }
  }
  // Gradients likewise, from the last unit down to the first one with parameters (or the input).
  const firstNeeded = opts.inputGrad
    ? 0
    : Math.max(
        0,
        layers.findIndex((l) => l.info.params.length > 0),
      );
  const firstUnit = units.findIndex((u) => u.last >= firstNeeded);
  const L = layers.length;
  dacts[L - 1] = tensor(model.outShape, `grad ${L - 1}`);
  for (let k = units.length - 1; k >= firstUnit; k--) {
    const u = units[k];
    const dy = dacts[u.last];
    for (let i = u.first; i < u.last; i++) dacts[i] = alias(dy, layers[i].info.outShape);
    if (u.first === 0) {
      if (opts.inputGrad) inputGrad = identity(u) ? alias(dy, model.inShape) : tensor(model.inShape, 'input grad');
    } else if (k > firstUnit) {
      dacts[u.first - 1] = identity(u) ? alias(dy, layers[u.first - 1].info.outShape) : tensor(layers[u.first - 1].info.outShape, `grad ${u.first - 1}`);
    }
  }

  const scratch = new Map<string, GPUBuffer>();
  // Split gradient reductions: first stages in the layers, the second all in one dispatch.
  const backUnits = units.slice(firstUnit).filter((u) => !identity(u));
  const reducer = new GradReducer(
    rt,
    backUnits.flatMap((u) => u.layer.partialFloats?.(N, rt) ?? []),
  );
  const ctx = (u: Unit): LayerCtx => {
    const i = u.first;
    return {
      rt,
      N,
      mode,
      x: i === 0 ? input : acts[i - 1],
      y: acts[u.last],
      dy: dacts[u.last],
      dx: i === 0 ? inputGrad : units.indexOf(u) > firstUnit ? dacts[i - 1] : null,
      param: (name) => model.slice(model.params, model.slot(model.paramSlots, i, name)),
      grad: (name) => model.slice(model.grads, model.slot(model.paramSlots, i, name)),
      paramAt: (layer, name) => model.slice(model.params, model.slot(model.paramSlots, layer, name)),
      gradAt: (layer, name) => model.slice(model.grads, model.slot(model.paramSlots, layer, name)),
      runningStats: (layer = i) => model.runningSlice(model.running, layer),
      batchStats: (layer = i) => model.runningSlice(model.batchStats, layer),
      scratch: (name, bytes) => {
        const k = `${i}:${name}`;
        let b = scratch.get(k);
        if (!b) {
          b = rt.buffer(bytes, `layer ${i} ${name}`);
          scratch.set(k, b);
        }
        return b;
      },
      step: model.step,
      partials: (floats) => reducer.take(floats),
      reduceLater: (s) => reducer.defer(s),
    };
  };
  // Each call is tagged with its unit's first layer (the plan report lists it).
  const tag = (u: Unit, calls: Call[]) => calls.map((c) => Object.assign(c, { layer: c.layer ?? u.first }));
  for (const u of units) if (!identity(u)) forward.push(...tag(u, u.layer.forward(ctx(u))));
  for (let k = units.length - 1; k >= firstUnit; k--) if (!identity(units[k])) backward.push(...tag(units[k], units[k].layer.backward(ctx(units[k]))));
  backward.push(...reducer.calls());
  return { input, acts, dacts, inputGrad, forward, backward, units };
}

/** The largest batch below `N` whose plan fits the device's limits (0 when none does). */
export function largestBatch(model: Model, N: number, mode: Mode, opts: PlanOptions): number {
  const fits = (n: number) => {
    try {
      model.rt.measure(() => buildPlan(model, n, mode, opts));
      return true;
    } catch (err) {
      if (err instanceof LimitError || err instanceof SpecError) return false;
      throw err;
    }
  };
  let lo = 0;
  let hi = N;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** "batch 3700 needs 130 MiB for layer 1's output; this adapter allows 128 MiB (…); the largest batch that fits is 3,640". */
function limitMessage(model: Model, N: number, mode: Mode, opts: PlanOptions, e: LimitError, units: Unit[]): string {
  const lo = largestBatch(model, N, mode, opts);
  // A unit's output (Conv2d → BatchNorm2d → ReLU → Dropout computed together) is named as the unit.
  const infos = model.infos;
  const unitOf = (i: number) => (units.length ? units : planUnits(model.layers, mode, model.rt.tuning)).find((u) => u.last === i && u.first < i);
  const name = (label: string) => {
    const m = /^act (\d+)$/.exec(label);
    const u = m && !opts.unfused ? unitOf(Number(m[1])) : undefined;
    if (!u) return describeBuffer(label, (i) => infos[i]?.type);
    return `the output of layers ${u.first}–${u.last} (${infos
      .slice(u.first, u.last + 1)
      .map((l) => l.type)
      .join(' → ')}, computed together)`;
  };
  const what = e.message.startsWith('kernel ') ? e.message : `${name(e.what)} needs ${e.message.replace(/^.* needs /, '')}`;
  const largest = lo >= 1 ? `the largest batch that fits is ${lo.toLocaleString('en-US')}` : 'no batch size fits: the model is too large for this adapter';
  return `batch ${N.toLocaleString('en-US')} (${mode}): ${what}; ${largest}`;
}
