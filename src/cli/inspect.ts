// npm run inspect -- --weights FILE.safetensors --image I [--json OUT] [--data DIR]
// Runs the model in the file (spec from its metadata) in eval mode on MNIST test image I and prints,
// per layer, its output's shape and range and the gradient of NLL(true label) with respect to it;
// --json writes {image, label, loss, probs, layers: [{index, type, shape, activation, grad}], inputGrad}
// (scripts/inspect_check.py compares every number with PyTorch's). --image also takes a list
// I,J,… or a range A-B[:STEP] (B included); then --json names a folder, one image-I.json per image,
// and only one line per image is printed: one GPU set-up for a check over hundreds of images.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMnistNode } from '../data/mnist-node';
import { IMAGE_SIZE } from '../data/mnist';
import { insideDigit, normalise } from '../engine/inspect';
import { Model } from '../engine/model';
import { openNodeGpu } from '../engine/node-gpu';
import { Runtime } from '../engine/runtime';
import { readSafetensors } from '../engine/safetensors';
import { checkClassifier, parseSpec, readSpecText } from '../engine/spec';
import { strictNumber } from '../train/config';
import { loadWeights } from '../train/weights';
import { parseArgs } from './args';

const range = (a: Float32Array) => a.reduce(([lo, hi], v) => [Math.min(lo, v), Math.max(hi, v)], [Infinity, -Infinity]);

/** "7", "1,5,9" or "0-9999:50" as image indices; anything else is refused whole. */
function parseImages(text: string): number[] {
  const bad = () => new Error(`--image must be a test image index from 0 to 9999, a list I,J,… or a range A-B[:STEP], got ${JSON.stringify(text)}`);
  const index = (t: string) => {
    const v = strictNumber(t);
    if (!(Number.isInteger(v) && v >= 0 && v < 10000)) throw bad();
    return v;
  };
  const out: number[] = [];
  for (const part of text.split(',')) {
    const m = /^([^-:]+)-([^-:]+)(?::([^-:]+))?$/.exec(part);
    if (!m) {
      out.push(index(part));
      continue;
    }
    const [lo, hi, step] = [index(m[1]), index(m[2]), m[3] === undefined ? 1 : index(m[3])];
    if (hi < lo || step < 1) throw bad();
    for (let i = lo; i <= hi; i += step) out.push(i);
  }
  return out;
}

async function main() {
  const a = parseArgs(process.argv.slice(2), ['weights', 'image', 'json', 'data']);
  if (!a.weights) throw new Error('--weights FILE.safetensors is required');
  const images = parseImages(a.image ?? '');
  const bytes = readFileSync(a.weights);
  const file = readSafetensors(bytes, a.weights);
  if (!file.metadata.model) throw new Error(`${a.weights} has no model spec in its metadata ("model"); it was not written by this notebook`);
  const spec = readSpecText(file.metadata.model, `${a.weights}: the model spec in its metadata`);
  checkClassifier(parseSpec(spec, [1, 28, 28]), 10);

  const data = await loadMnistNode(a.data ?? 'public/data');
  const { device, info, tuning } = await openNodeGpu();
  const rt = new Runtime(device, info, tuning);
  const model = new Model(rt, spec, [1, 28, 28]);
  loadWeights(model, bytes, a.weights);
  if (images.length > 1 && a.json) mkdirSync(a.json, { recursive: true });
  console.log(`adapter: ${info.adapter}`);
  for (const image of images) {
    const label = data.test.labels[image];
    const inside = await insideDigit(model, normalise(data.test.images.subarray(image * IMAGE_SIZE, (image + 1) * IMAGE_SIZE)), label);
    const pred = inside.probs.indexOf(Math.max(...inside.probs));
    console.log(`test image ${image}: label ${label}, predicted ${pred} (p = ${inside.probs[pred].toFixed(4)}), loss ${inside.loss.toPrecision(6)}`);
    if (images.length === 1) {
      for (const l of inside.layers) {
        const [lo, hi] = range(l.activation);
        const g = Math.sqrt(l.grad.reduce((s, v) => s + v * v, 0));
        console.log(
          `  ${String(l.index).padStart(2)} ${l.type.padEnd(17)} [${l.shape.join(', ')}]`.padEnd(44) +
            `output ${lo.toPrecision(4)} … ${hi.toPrecision(4)}   |grad| ${g.toPrecision(4)}`,
        );
      }
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
      const file = images.length > 1 ? join(a.json, `image-${image}.json`) : a.json;
      writeFileSync(file, JSON.stringify(out) + '\n');
      if (images.length === 1) console.log(`wrote ${file}`);
    }
  }
  if (images.length > 1 && a.json) console.log(`wrote ${images.length} files to ${a.json}`);
  model.destroy();
  device.destroy();
}

main().catch((e) => {
  console.error(`inspect: ${e instanceof Error ? e.message : e}`);
  process.exit(2);
});
