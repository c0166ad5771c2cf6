// Ours vs TensorFlow.js (WebGPU backend) training the same architecture at the same batch size on
// the same adapter, in this page. Also the warm-up: from nothing to the first finished training step.
// Results on window.__bench (scripts/bench-browser.mjs runs this headless and writes the JSON).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { loadMnistBrowser } from '../src/data/mnist-browser';
import { limitSplit } from '../src/data/mnist';
import { openGpu } from '../src/engine/gpu';
import { Model } from '../src/engine/model';
import { Runtime } from '../src/engine/runtime';
import { profileByLabel, profileCalls } from '../src/engine/timing';
import { chooseTuning, parseTuning } from '../src/engine/tuning';
import type { LayerSpec } from '../src/engine/spec';
import { PRESETS } from '../src/models/presets';
import { DEFAULT_CONFIG } from '../src/train/config';
import { GpuSplit, Trainer } from '../src/train/trainer';

declare global {
  interface Window {
    __bench?: Record<string, unknown>;
  }
}

const q = new URLSearchParams(location.search);
const batch = Number(q.get('batch') ?? 128);
const steps = Number(q.get('steps') ?? 20);
const warmup = Number(q.get('warmup') ?? 3);
// A preset of the model cell, by id (?model=s5); both engines train the same one.
const preset = PRESETS.find((p) => p.id === (q.get('model') ?? 'mnist-default'));
// ?tuning=gpu|cpu|defaults plans our step as that kind (default: the adapter's own);
// ?profile=1 also times each kernel of one step alone (its own pass) and sums them by kernel.
const forced = parseTuning(q.get('tuning'), 'tuning');
const profile = q.get('profile') === '1';
const out = document.getElementById('out')!;
const log = (s: string) => (out.textContent = `${out.textContent === 'running…' ? '' : out.textContent}${s}\n`);

async function ours(data: Awaited<ReturnType<typeof loadMnistBrowser>>) {
  const t0 = performance.now();
  const { device, info } = await openGpu(navigator.gpu, 'browser', forced === 'defaults');
  const rt = new Runtime(device, info, chooseTuning(info, forced));
  const train = new GpuSplit(rt, limitSplit(data.train, 60000), 'train');
  const test = new GpuSplit(rt, limitSplit(data.test, 1000), 'test');
  const model = new Model(rt, preset!.spec, [1, 28, 28]);
  model.init(1);
  const trainer = new Trainer(model, train, test, { ...DEFAULT_CONFIG, batch });
  const pipelinesMs = await trainer.warmUp();
  await trainer.benchSteps(1);
  const firstStepMs = performance.now() - t0;
  await trainer.benchSteps(warmup);
  const w0 = performance.now();
  await trainer.benchSteps(steps);
  const ms = (performance.now() - w0) / steps;
  const prof = profile ? profileByLabel(await profileCalls(rt, trainer.stepCalls())) : undefined;
  const r = {
    adapter: info.adapter,
    tuning: rt.tuning.kind,
    pipelinesMs,
    firstStepMs,
    msPerStep: ms,
    imagesPerSec: (1000 * batch) / ms,
    params: model.paramCount,
    profile: prof,
  };
  trainer.destroy();
  model.destroy();
  device.destroy();
  return r;
}

/**
 * The same model in TensorFlow.js, built from the same JSON spec (NHWC). After global pooling
 * tfjs has [N, C], so a 1×1 Conv2d there is a Dense layer; LogSoftmax is left to the loss.
 */
function tfjsModel(spec: LayerSpec[]) {
  const m = tf.sequential();
  let pooled = false;
  const input = () => (m.layers.length === 0 ? { inputShape: [28, 28, 1] } : {});
  for (const l of spec as Record<string, unknown>[]) {
    const k = l.kernel_size as number;
    switch (l.type) {
      case 'Conv2d': {
        const bias = (l.bias as boolean | undefined) ?? true;
        if (pooled && k === 1) m.add(tf.layers.dense({ units: l.out_channels as number, useBias: bias, ...input() }));
        else if (!pooled && Object.keys(l).every((a) => ['type', 'name', 'in_channels', 'out_channels', 'kernel_size', 'padding', 'bias'].includes(a))) {
          const pad = l.padding ?? 0;
          const same = pad === 'same' || (typeof pad === 'number' && pad > 0 && 2 * pad === k - 1);
          if (!same && pad !== 0 && pad !== 'valid') throw new Error(`tfjs bench: no tfjs equivalent for ${JSON.stringify(l)}`);
          m.add(tf.layers.conv2d({ filters: l.out_channels as number, kernelSize: k, padding: same ? 'same' : 'valid', useBias: bias, ...input() }));
        } else throw new Error(`tfjs bench: no tfjs equivalent for ${JSON.stringify(l)}`);
        break;
      }
      case 'BatchNorm2d': // PyTorch's momentum weighs the batch; tfjs's weighs the running value
        m.add(tf.layers.batchNormalization({ momentum: 1 - ((l.momentum as number | undefined) ?? 0.1), epsilon: (l.eps as number | undefined) ?? 1e-5 }));
        break;
      case 'ReLU':
        m.add(tf.layers.reLU());
        break;
      case 'Dropout':
        m.add(tf.layers.dropout({ rate: l.p as number }));
        break;
      case 'MaxPool2d':
        if ((l.stride ?? k) !== k || (l.padding ?? 0) !== 0) throw new Error(`tfjs bench: no tfjs equivalent for ${JSON.stringify(l)}`);
        m.add(tf.layers.maxPooling2d({ poolSize: k }));
        break;
      case 'AdaptiveAvgPool2d':
        m.add(tf.layers.globalAveragePooling2d({}));
        pooled = true;
        break;
      case 'Flatten':
        if (!pooled) m.add(tf.layers.flatten());
        break;
      case 'Linear':
        m.add(tf.layers.dense({ units: l.out_features as number, useBias: (l.bias as boolean | undefined) ?? true }));
        break;
      case 'LogSoftmax':
        break;
      default:
        throw new Error(`tfjs bench: no tfjs equivalent for ${l.type}`);
    }
  }
  return m;
}

async function tfjs(data: Awaited<ReturnType<typeof loadMnistBrowser>>) {
  const t0 = performance.now();
  await tf.setBackend('webgpu');
  await tf.ready();
  const model = tfjsModel(preset!.spec);
  const trainable = model.trainableWeights.reduce((s, w) => s + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
  const opt = tf.train.momentum(0.05, 0.9);
  // One real batch kept on the GPU (tfjs gets no augmentation or gather to do: in its favour).
  const xs = tf.tidy(() =>
    tf.tensor4d(
      Float32Array.from(data.train.images.subarray(0, batch * 784), (v) => (v / 255 - 0.1307) / 0.3081),
      [batch, 28, 28, 1],
    ),
  );
  const ys = tf.oneHot(tf.tensor1d(Array.from(data.train.labels.subarray(0, batch)), 'int32'), 10);
  const step = () => tf.tidy(() => opt.minimize(() => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor), true) as tf.Scalar);
  const first = step();
  await first.data();
  first.dispose();
  const firstStepMs = performance.now() - t0;
  for (let i = 0; i < warmup; i++) step().dispose();
  await tf.ready();
  const sync = step();
  await sync.data();
  sync.dispose();
  const w0 = performance.now();
  let last: tf.Scalar | null = null;
  for (let i = 0; i < steps; i++) {
    last?.dispose();
    last = step();
  }
  await last!.data();
  last!.dispose();
  const ms = (performance.now() - w0) / steps;
  const r = { backend: tf.getBackend(), firstStepMs, msPerStep: ms, imagesPerSec: (1000 * batch) / ms, params: trainable, tfjs: tf.version.tfjs };
  xs.dispose();
  ys.dispose();
  model.dispose();
  return r;
}

async function main() {
  if (!preset) throw new Error(`model ${JSON.stringify(q.get('model'))} is not a preset; one of ${PRESETS.map((p) => p.id).join(', ')}`);
  // The page is bench/browser.html; the data sit at the site's root (data/).
  const data = await loadMnistBrowser(new URL('../data/', location.href).href);
  const only = q.get('only');
  const result: Record<string, unknown> = { model: preset.id, batch, steps, warmup, userAgent: navigator.userAgent };
  if (only !== 'tfjs') {
    result.ours = await ours(data);
    log(`ours:  ${JSON.stringify(result.ours)}`);
  }
  if (only !== 'ours') {
    result.tfjs = await tfjs(data);
    log(`tfjs:  ${JSON.stringify(result.tfjs)}`);
  }
  const o = result.ours as { imagesPerSec: number; firstStepMs: number } | undefined;
  const t = result.tfjs as { imagesPerSec: number; firstStepMs: number } | undefined;
  if (o && t) {
    result.speedRatio = o.imagesPerSec / t.imagesPerSec;
    result.warmupRatio = t.firstStepMs / o.firstStepMs;
    log(
      `ours / tfjs images/s: ${(result.speedRatio as number).toFixed(2)}×; tfjs / ours time to the first step: ${(result.warmupRatio as number).toFixed(2)}×`,
    );
  }
  window.__bench = result;
}

main().catch((e) => {
  window.__bench = { error: String(e?.stack ?? e) };
  log(`error: ${e?.message ?? e}`);
});
