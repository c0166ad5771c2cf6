// npm run export:pytorch -- --run DIR --out PROJECT [--weights FILE] [--overwrite]
// Writes the PyTorch project for a run of `npm run train` (its log.json's config and spec, its
// weights.safetensors, or --weights): model.py, utils.py, train.py, S5.ipynb, config.json,
// weights.safetensors. Every problem is refused with a one-line reason (exit status 2).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectFiles } from '../engine/pytorch/project';
import { readSafetensors } from '../engine/safetensors';
import { countParams, parseSpec, stateDefs, type LayerSpec } from '../engine/spec';
import type { TrainConfig } from '../train/config';
import { parseArgs } from './args';

function main() {
  const a = parseArgs(process.argv.slice(2), ['run', 'out', 'weights'], ['overwrite']);
  if (!a.run) throw new Error('--run DIR is required (a directory written by npm run train)');
  if (!a.out) throw new Error('--out PROJECT is required');
  const logFile = join(a.run, 'log.json');
  if (!existsSync(logFile)) throw new Error(`--run ${a.run}: no log.json there; it is not a run directory`);
  let log: { config?: TrainConfig & { model?: LayerSpec[]; trainLimit?: number; testLimit?: number } };
  try {
    log = JSON.parse(readFileSync(logFile, 'utf8'));
  } catch (e) {
    throw new Error(`${logFile} is not valid JSON: ${(e as Error).message}`);
  }
  const cfg = log.config;
  if (!cfg || !Array.isArray(cfg.model)) throw new Error(`${logFile} has no config with a model spec`);
  const { model: spec, trainLimit, testLimit, ...config } = cfg;
  const layers = parseSpec(spec, [1, 28, 28]);
  const wFile = a.weights ?? join(a.run, 'weights.safetensors');
  if (!existsSync(wFile)) throw new Error(`${wFile} does not exist${a.weights ? '' : ' (the run finished no epoch)'}`);
  const weights = readFileSync(wFile);
  const names = Object.keys({ ...readSafetensors(weights, wFile).tensors });
  const defs = stateDefs(layers);
  for (const d of [...defs.params, ...defs.buffers])
    if (!names.includes(d.key)) throw new Error(`${wFile}: no tensor ${d.key}, which the run's model has; these are not its weights`);
  if (existsSync(a.out) && readdirSync(a.out).length && !('overwrite' in a)) throw new Error(`--out ${a.out} is not empty (--overwrite replaces its files)`);
  mkdirSync(a.out, { recursive: true });
  const files = projectFiles({ spec, config, trainLimit: trainLimit ?? undefined, testLimit: testLimit ?? undefined, weights }, countParams(layers));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(a.out, name), content);
  console.log(`wrote ${Object.keys(files).join(', ')} to ${a.out}`);
  console.log(`then: python ${join(a.out, 'train.py')} --data DIR   (or torchrun --nproc_per_node N ${join(a.out, 'train.py')} --data DIR)`);
}

try {
  main();
} catch (e) {
  console.error(`export-pytorch: ${(e as Error).message}`);
  process.exit(2);
}
