// npm run bench [-- --batches 128,512 --steps N --warmup N --json FILE --profile
//                   --to-accuracy 99.4 [--epochs E --batch B --lr X]]
// Trains the default MNIST model (the same engine code as the page) for a fixed number of steps
// after a warm-up, per batch size, and prints images/s, ms per step, dispatches and submits per
// step and GPU buffer bytes. --profile adds GPU time per kernel for one step (timestamp queries);
// --to-accuracy trains (default configuration; --epochs/--batch/--lr change its OneCycle length,
// batch size and peak rate) until the test accuracy reaches the target and prints the wall time
// from process start, data loading and shader compilation included.
import { writeFileSync } from 'node:fs';
import { loadMnistNode } from '../data/mnist-node';
import { GpuError } from '../engine/gpu-errors';
import { Model } from '../engine/model';
import { openNodeGpu } from '../engine/node-gpu';
import { Runtime } from '../engine/runtime';
import { profileCalls } from '../engine/timing';
import defaultSpec from '../models/mnist-default.json';
import { DEFAULT_CONFIG, errorLines, parseConfig, strictNumber } from '../train/config';
import { GpuSplit, Trainer } from '../train/trainer';
import { parseArgs } from './args';
import { commit, machine } from './provenance';

const t0 = performance.now();

async function main() {
  // Options are checked before any data or GPU work.
  const opts = parseArgs(process.argv.slice(2), ['batches', 'steps', 'warmup', 'json', 'to-accuracy', 'epochs', 'batch', 'lr', 'data'], ['profile']);
  const arg = (name: string, def: string) => opts[name] ?? def;
  const flag = (name: string) => name in opts;
  for (const k of ['epochs', 'batch', 'lr'])
    if (flag(k) && !flag('to-accuracy')) throw new Error(`--${k} sets the --to-accuracy run (the throughput runs take --batches)`);
  for (const [k, min] of [['steps', 1], ['warmup', 0]] as const)
    if (flag(k) && !(Number.isInteger(strictNumber(opts[k])) && strictNumber(opts[k]) >= min && strictNumber(opts[k]) <= 100000)) throw new Error(`--${k} must be a whole number from ${min} to 100000`);
  const target = flag('to-accuracy') ? strictNumber(opts['to-accuracy']) : null;
  if (target !== null && !(target > 0 && target <= 100)) throw new Error(`--to-accuracy must be a test accuracy in (0, 100], got ${opts['to-accuracy']}`);
  const parsed = parseConfig({ epochs: opts.epochs, batch: opts.batch, lr: opts.lr });
  if (!parsed.ok) throw new Error(errorLines(parsed.errors, (f) => `--${f}`));
  const cfg = parsed.value.config;
  const batches = arg('batches', '128,512').split(',').map((b) => {
    const one = parseConfig({ batch: b });
    if (!one.ok) throw new Error(`--batches must be whole numbers from 1 to 65536, got ${JSON.stringify(arg('batches', ''))}`);
    return one.value.config.batch;
  });

  const data = await loadMnistNode(arg('data', 'public/data'));
  const { device, info } = await openNodeGpu();
  const rt = new Runtime(device, info);
  const train = new GpuSplit(rt, data.train, 'train');
  const test = new GpuSplit(rt, data.test, 'test');
  console.log(`adapter: ${info.adapter}${info.isFallback ? ' (CPU fallback adapter)' : ''}`);
  const slow = info.isFallback;
  const steps = Number(arg('steps', slow ? '6' : '200'));
  const warmup = Number(arg('warmup', slow ? '2' : '20'));
  const results: Record<string, unknown>[] = [];

  if (target !== null) {
    console.log(`to ${target}%: ${cfg.epochs} epochs OneCycle, batch ${cfg.batch}, max_lr ${cfg.lr}`);
    const model = new Model(rt, defaultSpec, [1, 28, 28]);
    model.init(cfg.seed);
    const trainer = new Trainer(model, train, test, cfg);
    const warm = await trainer.warmUp();
    let reached: { epoch: number; acc: number; sec: number } | null = null;
    await trainer.run({
      onEpoch: (e) => {
        const sec = (performance.now() - t0) / 1000;
        console.log(`epoch ${e.epoch}: test ${e.testAcc.toFixed(2)}%  ${sec.toFixed(2)} s since start`);
        if (!reached && e.testAcc >= target) {
          reached = { epoch: e.epoch, acc: e.testAcc, sec };
          trainer.stop();
        }
      },
    });
    const r = reached as { epoch: number; acc: number; sec: number } | null;
    console.log(r ? `reached ${r.acc.toFixed(2)}% ≥ ${target}% at epoch ${r.epoch}: ${r.sec.toFixed(2)} s from process start (pipelines ${warm.toFixed(0)} ms)` : `did not reach ${target}%`);
    results.push({ mode: 'to-accuracy', target, config: { epochs: cfg.epochs, batch: cfg.batch, lr: cfg.lr }, reached: r, pipelinesMs: warm });
  }

  for (const batch of batches) {
    const model = new Model(rt, defaultSpec, [1, 28, 28]);
    model.init(1);
    const trainer = new Trainer(model, train, test, { ...DEFAULT_CONFIG, batch });
    const warmMs = await trainer.warmUp();
    await trainer.benchSteps(warmup);
    const d0 = rt.dispatches;
    const s0 = rt.submits;
    const w0 = performance.now();
    await trainer.benchSteps(steps);
    const ms = (performance.now() - w0) / steps;
    const row = {
      batch,
      steps,
      msPerStep: ms,
      imagesPerSec: (1000 * batch) / ms,
      dispatchesPerStep: (rt.dispatches - d0) / steps,
      submitsPerStep: (rt.submits - s0) / steps,
      gpuBufferBytes: rt.liveBytes,
      pipelinesMs: warmMs,
    };
    results.push(row);
    console.log(
      `batch ${String(batch).padStart(4)}: ${row.imagesPerSec.toFixed(0).padStart(8)} images/s  ${ms.toFixed(3)} ms/step  ` +
        `${row.dispatchesPerStep} dispatches, ${row.submitsPerStep} submit per step  GPU buffers ${(rt.liveBytes / 2 ** 20).toFixed(1)} MiB`,
    );
    if (flag('profile')) {
      await profileCalls(rt, trainer.stepCalls());
      const prof = await profileCalls(rt, trainer.stepCalls());
      const by = new Map<string, { ms: number; n: number }>();
      for (const p of prof) {
        const e = by.get(p.label) ?? { ms: 0, n: 0 };
        e.ms += p.ms;
        e.n++;
        by.set(p.label, e);
      }
      const total = prof.reduce((s, p) => s + p.ms, 0);
      console.log(`  profile, batch ${batch} (GPU time per kernel, each in its own pass; total ${total.toFixed(3)} ms):`);
      for (const [label, e] of [...by].sort((a, b) => b[1].ms - a[1].ms))
        console.log(`    ${label.padEnd(26)} ${e.ms.toFixed(3).padStart(9)} ms  ${((100 * e.ms) / total).toFixed(1).padStart(5)}%  (${e.n}×)`);
      (row as Record<string, unknown>).profile = [...by].map(([label, e]) => ({ label, ms: e.ms, count: e.n }));
    }
    trainer.destroy();
    model.destroy();
  }
  const json = arg('json', '');
  if (json) {
    writeFileSync(json, JSON.stringify({ engine: 'webgpu-backprop-notebook', adapter: info.adapter, fallback: info.isFallback, machine: machine(), commit: commit(), date: new Date().toISOString(), model: 'src/models/mnist-default.json', results }, null, 2) + '\n');
    console.log(`wrote ${json}`);
  }
  device.destroy();
}

main().catch((e) => {
  console.error(`bench: ${e instanceof Error ? e.message : e}`);
  // No figure is printed for work that did not happen: 4 = the GPU refused it, 2 = refused before.
  process.exit(e instanceof GpuError ? 4 : 2);
});
