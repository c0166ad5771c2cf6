// The inside of a model for one digit: every layer's output, the gradient of the loss for the
// digit's true label with respect to it, the gradient with respect to the input (saliency), and
// the class probabilities. Eval mode (BatchNorm's running statistics, no dropout), batch 1, every
// layer materialised on its own (no fused units), on the GPU, read back once.
import { compare, type FixtureResult, type TensorReport, type Tolerance } from './fixtures';
import { Model, STATUS_OK, type StateDict } from './model';
import { nllLoss } from './ops/loss';
import type { Runtime } from './runtime';
import { numel } from './tensor';

export interface LayerInside {
  /** Index of the layer in the spec. */
  index: number;
  type: string;
  /** Output shape without the batch dimension. */
  shape: number[];
  /** The layer's output. */
  activation: Float32Array;
  /** ∂NLL(true label)/∂(the layer's output). */
  grad: Float32Array;
}

export interface DigitInside {
  label: number;
  loss: number;
  probs: number[];
  layers: LayerInside[];
  /** ∂NLL/∂(the normalised input image), 28×28. */
  inputGrad: Float32Array;
  /** ∂NLL/∂(parameter) for the parameters asked for, by state-dict key. */
  paramGrads: Record<string, Float32Array>;
}

/** MNIST's normalisation (transforms.Normalize((0.1307,), (0.3081,))). */
export function normalise(pixels: Uint8Array): Float32Array {
  return Float32Array.from(pixels, (v) => (v / 255 - 0.1307) / 0.3081);
}

/** One normalised 1×28×28 image `x` with its true `label` through `model` (its current weights). */
export async function insideDigit(model: Model, x: Float32Array, label: number, paramGrads: string[] = []): Promise<DigitInside> {
  const { rt } = model;
  const C = numel(model.outShape);
  if (!(Number.isInteger(label) && label >= 0 && label < C)) throw new Error(`label ${label} is not one of the model's ${C} classes`);
  if (x.length !== numel(model.inShape)) throw new Error(`the image has ${x.length} values; the model takes ${numel(model.inShape)}`);
  const plan = model.plan(1, 'eval', { inputGrad: true, unfused: true });
  const owned: GPUBuffer[] = [];
  const { lossOut, call } = rt.collect(owned, () => {
    const target = rt.upload(new Uint32Array([label]), 'inspect label');
    const lossOut = rt.buffer(16, 'inspect loss');
    const stats = rt.buffer(16, 'inspect stats');
    // Its own status: a flag raised while inspecting must not stop a run training this model.
    const status = rt.upload(new Uint32Array([STATUS_OK, 0, STATUS_OK, STATUS_OK, STATUS_OK, STATUS_OK, 0, 0]), 'inspect status');
    return { target, lossOut, call: nllLoss(rt, 1, C, plan.output.buf, target, plan.dOutput.buf, lossOut, stats, status) };
  });
  try {
    rt.write(plan.input.buf as GPUBuffer, x);
    const slots = paramGrads.map((k) => {
      const s = model.paramSlots.find((p) => p.def.key === k);
      if (!s) throw new Error(`the model has no parameter ${k}`);
      return s;
    });
    // The copies are queued right behind the dispatches, in the same task: a training step of a run
    // going on in parallel cannot land in between and overwrite the shared gradient buffer first.
    const got = await Promise.all(
      await rt.scoped('inspecting a digit', () => {
        rt.run([...plan.forward, call, ...plan.backward]);
        const reads = [...plan.acts, ...plan.dacts, plan.inputGrad!].map((t) => rt.readF32(t.buf, numel(t.shape)));
        reads.push(...slots.map((s) => rt.readF32(model.slice(model.grads, s), s.size)));
        reads.push(rt.readF32(lossOut, 1));
        return reads;
      }),
    );
    const L = model.infos.length;
    const out = got[L - 1];
    return {
      label,
      loss: got[got.length - 1][0],
      // The last layer is LogSoftmax for a classifier: exp gives the probabilities.
      probs: [...out].map((v) => (model.infos[L - 1].type === 'LogSoftmax' ? Math.exp(v) : v)),
      layers: model.infos.map((l, i) => ({ index: l.index, type: l.type, shape: l.outShape, activation: got[i], grad: got[L + i] })),
      inputGrad: got[2 * L],
      paramGrads: Object.fromEntries(slots.map((s, k) => [s.def.key, got[2 * L + 1 + k]])),
    };
  } finally {
    for (const b of owned) rt.destroy(b);
  }
}

/** An inspection fixture (fixtures/inspect/*.json, scripts/gen_inspect_fixtures.py). */
export interface InspectFixture {
  name: string;
  model: unknown;
  label: number;
  input: number[];
  params: StateDict;
  buffers: StateDict;
  expected: {
    loss: number;
    probs: number[];
    inputGrad: number[];
    paramGrads: Record<string, number[]>;
    layers: { index: number; activation: number[]; grad: number[] }[];
  };
  tolerance: Tolerance;
}

/** Every number of an inspection fixture against insideDigit; never throws for a bad fixture. */
export async function runInspectFixture(rt: Runtime, fx: InspectFixture): Promise<FixtureResult> {
  let model: Model | null = null;
  try {
    model = new Model(rt, fx.model, [1, 28, 28]);
    model.setState({ ...fx.params, ...fx.buffers }, { requireBuffers: true });
    const got = await insideDigit(model, Float32Array.from(fx.input), fx.label, Object.keys(fx.expected.paramGrads));
    const tol = fx.tolerance;
    const e = fx.expected;
    if (e.layers.length !== got.layers.length) throw new Error(`${e.layers.length} layers expected, the model has ${got.layers.length}`);
    const tensors: TensorReport[] = [
      compare('loss', [got.loss], [e.loss], tol),
      compare('probs', got.probs, e.probs, tol),
      compare('inputGrad', got.inputGrad, e.inputGrad, tol),
    ];
    for (const [k, g] of Object.entries(e.paramGrads)) tensors.push(compare(`grad ${k}`, got.paramGrads[k], g, tol));
    for (const [i, l] of e.layers.entries()) {
      const name = `layer ${l.index} ${got.layers[i].type}`;
      if (l.activation.length !== got.layers[i].activation.length)
        throw new Error(`${name}: ${l.activation.length} values expected, got ${got.layers[i].activation.length}`);
      tensors.push(compare(`${name} output`, got.layers[i].activation, l.activation, tol), compare(`${name} grad`, got.layers[i].grad, l.grad, tol));
    }
    const worst = tensors.reduce((a, b) => (b.ratio > a.ratio ? b : a));
    return { name: fx.name, pass: tensors.every((t) => t.pass), worst, tensors };
  } catch (err) {
    return { name: fx.name ?? '(unnamed)', pass: false, worst: null, tensors: [], error: (err as Error).message };
  } finally {
    model?.destroy();
  }
}
