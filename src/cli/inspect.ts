// npm run inspect -- --weights FILE.safetensors --image I [--json OUT] [--data DIR]
// Runs the model in the file (spec from its metadata) in eval mode on MNIST test image I and prints,
// per layer, its output's shape and range and the gradient of NLL(true label) with respect to it;
// --json writes {image, label, loss, probs, layers: [{index, type, shape, activation, grad}], inputGrad}
// (scripts/inspect_check.py compares every number with PyTorch's).
import { readFileSync, writeFileSync } from 'node:fs';
import { loadMnistNode } from '../data/mnist-node';
import { IMAGE_SIZE } from '../data/mnist';
import { insideDigit, normalise } from '../engine/inspect';
import { Model } from '../engine/model';
import { openNodeGpu } from '../engine/node-gpu';
import { Runtime } from '../engine/runtime';
import { readSafetensors } from '../engine/safetensors';
import { checkClassifier, parseSpec, readSpecText } from '../engine/spec';
import { strictNumber } from '../train/config';
import { importWeights } from '../train/weights';
import { parseArgs } from './args';

const range = (a: Float32Array) => a.reduce(([lo, hi], v) => [Math.min(lo, v), Math.max(hi, v)], [Infinity, -Infinity]);

async function main() {
  const a = parseArgs(process.argv.slice(2), ['weights', 'image', 'json', 'data']);
  if (!a.weights) throw new Error('--weights FILE.safetensors is required');
  const image = strictNumber(a.image ?? '');
  if (!(Number.isInteger(image) && image >= 0 && image < 10000))
    throw new Error(`--image must be a test image index from 0 to 9999, got ${JSON.stringify(a.image ?? '')}`);
  const bytes = readFileSync(a.weights);
  const file = readSafetensors(bytes, a.weights);
  if (!file.metadata.model) throw new Error(`${a.weights} has no model spec in its metadata ("model"); it was not written by this notebook`);
  const spec = readSpecText(file.metadata.model, `${a.weights}: the model spec in its metadata`);
  checkClassifier(parseSpec(spec, [1, 28, 28]), 10);

  const data = await loadMnistNode(a.data ?? 'public/data');
  const { device, info } = await openNodeGpu();
  const rt = new Runtime(device, info);
  const model = new Model(rt, spec, [1, 28, 28]);
  importWeights(model, bytes, a.weights);
  const label = data.test.labels[image];
  const inside = await insideDigit(model, normalise(data.test.images.subarray(image * IMAGE_SIZE, (image + 1) * IMAGE_SIZE)), label);
  const pred = inside.probs.indexOf(Math.max(...inside.probs));
  console.log(`adapter: ${info.adapter}`);
  console.log(`test image ${image}: label ${label}, predicted ${pred} (p = ${inside.probs[pred].toFixed(4)}), loss ${inside.loss.toFixed(6)}`);
  for (const l of inside.layers) {
    const [lo, hi] = range(l.activation);
    const g = Math.sqrt(l.grad.reduce((s, v) => s + v * v, 0));
    console.log(
      `  ${String(l.index).padStart(2)} ${l.type.padEnd(17)} [${l.shape.join(', ')}]`.padEnd(44) +
        `output ${lo.toPrecision(4)} … ${hi.toPrecision(4)}   |grad| ${g.toPrecision(4)}`,
    );
  }
  if (a.json) {
    const out = {
      image,
      label,
      loss: inside.loss,
      probs: inside.probs,
      layers: inside.layers.map((l) => ({ index: l.index, type: l.type, shape: l.shape, activation: [...l.activation], grad: [...l.grad] })),
      inputGrad: [...inside.inputGrad],
    };
    writeFileSync(a.json, JSON.stringify(out) + '\n');
    console.log(`wrote ${a.json}`);
  }
  model.destroy();
  device.destroy();
}

main().catch((e) => {
  console.error(`inspect: ${e instanceof Error ? e.message : e}`);
  process.exit(2);
});
