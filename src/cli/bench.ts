// npm run bench [-- --batches 128,512 --steps N --warmup N --model spec.json --json FILE --profile
//                   --to-accuracy 99.4 [--epochs E --batch B --lr X]]
// npm run bench -- --plan [--batch N] [--model spec.json] [--json FILE] [--this-adapter] [--no-step]
// Trains the default MNIST model (the same engine code as the page) for a fixed number of steps
// after a warm-up, per batch size, and prints images/s, ms per step, dispatches and submits per
// step and GPU buffer bytes. --profile adds GPU time per kernel for one step (timestamp queries);
// --to-accuracy trains (default configuration; --epochs/--batch/--lr change its OneCycle length,
// batch size and peak rate) until the test accuracy reaches the target and prints the wall time
// from process start, data loading and shader compilation included.
// --plan prints one training step's dispatches as recorded (src/engine/plan-report.ts) for the
// default model or --model's spec at --batch (128), with the host time to encode a step; no data
// is read and nothing is trained. On a CPU fallback adapter the step is planned as for a GPU
// (the shape a GPU would run) unless --this-adapter asks for the shape this adapter runs.
import { readFileSync, writeFileSync } from 'node:fs';
import { loadMnistNode } from '../data/mnist-node';
import { GpuError } from '../engine/gpu-errors';
import { Model } from '../engine/model';
import { readSpecText } from '../engine/spec';
import { layerRules } from '../engine/layer-rules';
import { formatPlanReport, planReport } from '../engine/plan-report';
import { openNodeGpu } from '../engine/node-gpu';
import { parseTuning } from '../engine/tuning';
import { Runtime } from '../engine/runtime';
import { profileByLabel, profileCalls, timeCalls } from '../engine/timing';
import defaultSpec from '../models/mnist-default.json';
import { DEFAULT_CONFIG, errorLines, parseConfig, strictNumber } from '../train/config';
import { GpuSplit, Trainer } from '../train/trainer';
import { parseArgs } from './args';
import { commit, machine } from './provenance';

const t0 = performance.now();

async function main() {
  // Options are checked before any data or GPU work.
  const opts = parseArgs(
    process.argv.slice(2),
    ['batches', 'steps', 'warmup', 'json', 'to-accuracy', 'epochs', 'batch', 'lr', 'data', 'model'],
    ['profile', 'plan', 'this-adapter', 'no-step'],
  );
  const arg = (name: string, def: string) => opts[name] ?? def;
  const flag = (name: string) => name in opts;
  if (flag('plan')) return plan(opts);
  if (flag('model') && flag('to-accuracy')) throw new Error('--model is for --plan and the throughput runs (--to-accuracy trains the default model)');
  for (const k of ['epochs', 'batch', 'lr'])
    if (flag(k) && !flag('to-accuracy')) throw new Error(`--${k} sets the --to-accuracy run (the throughput runs take --batches)`);
  for (const [k, min] of [
    ['steps', 1],
    ['warmup', 0],
  ] as const)
    if (flag(k) && !(Number.isInteger(strictNumber(opts[k])) && strictNumber(opts[k]) >= min && strictNumber(opts[k]) <= 100000))
      throw new Error(`--${k} must be a whole number from ${min} to 100000`);
  const target = flag('to-accuracy') ? strictNumber(opts['to-accuracy']) : null;
  if (target !== null && !(target > 0 && target <= 100)) throw new Error(`--to-accuracy must be a test accuracy in (0, 100], got ${opts['to-accuracy']}`);
  const parsed = parseConfig({ epochs: opts.epochs, batch: opts.batch, lr: opts.lr });
  if (!parsed.ok) throw new Error(errorLines(parsed.errors, (f) => `--${f}`));
  const cfg = parsed.value.config;
  const batches = arg('batches', '128,512')
    .split(',')
    .map((b) => {
      const one = parseConfig({ batch: b });
      if (!one.ok) throw new Error(`--batches must be whole numbers from 1 to 65536, got ${JSON.stringify(arg('batches', ''))}`);
      return one.value.config.batch;
    });

  const spec = flag('model') ? readModel(opts.model) : defaultSpec;

  const data = await loadMnistNode(arg('data', 'public/data'));
  const { device, info, tuning } = await openNodeGpu();
  const rt = new Runtime(device, info, tuning);
  const train = new GpuSplit(rt, data.train, 'train');
  const test = new GpuSplit(rt, data.test, 'test');
  const slow = tuning.cpuAdapter;
  console.log(`adapter: ${info.adapter}${slow ? ' (CPU fallback adapter)' : ''}; tuning ${tuning.kind}`);
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
    console.log(
      r
        ? `reached ${r.acc.toFixed(2)}% ≥ ${target}% at epoch ${r.epoch}: ${r.sec.toFixed(2)} s from process start (pipelines ${warm.toFixed(0)} ms)`
        : `did not reach ${target}%`,
    );
    results.push({ mode: 'to-accuracy', target, config: { epochs: cfg.epochs, batch: cfg.batch, lr: cfg.lr }, reached: r, pipelinesMs: warm });
  }

  for (const batch of batches) {
    const model = new Model(rt, spec, [1, 28, 28]);
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
      const by = profileByLabel(prof);
      const total = prof.reduce((s, p) => s + p.ms, 0);
      console.log(`  profile, batch ${batch} (GPU time per kernel, each in its own pass; total ${total.toFixed(3)} ms):`);
      for (const e of by) console.log(`    ${e.label.padEnd(26)} ${e.ms.toFixed(3).padStart(9)} ms  ${(100 * e.share).toFixed(1).padStart(5)}%  (${e.count}×)`);
      (row as Record<string, unknown>).profile = by.map(({ label, ms, count }) => ({ label, ms, count }));
    }
    trainer.destroy();
    model.destroy();
  }
  const json = arg('json', '');
  if (json) {
    writeFileSync(
      json,
      JSON.stringify(
        {
          engine: 'webgpu-backprop-notebook',
          adapter: info.adapter,
          fallback: tuning.cpuAdapter,
          tuning: tuning.kind,
          machine: machine(),
          commit: commit(),
          date: new Date().toISOString(),
          model: opts.model ?? 'src/models/mnist-default.json',
          results,
        },
        null,
        2,
      ) + '\n',
    );
    console.log(`wrote ${json}`);
  }
  device.destroy();
}

/** --model's spec, read and checked before any data or GPU work. */
function readModel(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`--model ${file}: ${e instanceof Error ? e.message : e}`);
  }
  return readSpecText(text, `--model ${file}`);
}

/** --plan: the dispatches of one training step, from the recorded plan. */
async function plan(opts: Record<string, string>) {
  for (const k of Object.keys(opts))
    if (!['plan', 'batch', 'model', 'json', 'this-adapter', 'no-step'].includes(k))
      throw new Error(`--${k} does not apply to --plan (it takes --batch, --model, --json, --this-adapter and --no-step)`);
  const parsed = parseConfig({ batch: opts.batch ?? '128' });
  if (!parsed.ok) throw new Error(errorLines(parsed.errors, (f) => `--${f}`));
  const cfg = parsed.value.config;
  const batch = cfg.batch;
  const specFile = opts.model ?? 'src/models/mnist-default.json';
  const spec = opts.model ? readModel(opts.model) : defaultSpec;
  // The step a GPU would run (the gpu Tuning) unless --this-adapter or TUNING=… says otherwise.
  const forced = parseTuning(process.env.TUNING) ?? ('this-adapter' in opts ? undefined : 'gpu');
  const { device, info, tuning } = await openNodeGpu(forced);
  const rt = new Runtime(device, info, tuning);
  const asGpu = tuning.cpuAdapter && tuning.kind !== 'cpu';
  const model = new Model(rt, spec, [1, 28, 28]);
  model.init(1);
  // Blank images stand in for MNIST: the plan depends on the batch size only.
  const blank = { images: new Uint8Array(batch * 28 * 28), labels: new Uint8Array(batch), count: batch };
  const train = new GpuSplit(rt, blank, 'train');
  const test = new GpuSplit(rt, blank, 'test');
  const trainer = new Trainer(model, train, test, cfg);
  const calls = trainer.stepCalls();
  const report = planReport(calls, model.plan(batch, 'train'), model.infos, specFile);
  // Host cost: recording one step into a command buffer (no submit), best of 5 rounds of 20.
  let encodeMs = Infinity;
  for (let r = 0; r < 5; r++) {
    const e0 = performance.now();
    for (let i = 0; i < 20; i++) {
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      rt.encode(pass, calls);
      pass.end();
      enc.finish();
    }
    encodeMs = Math.min(encodeMs, (performance.now() - e0) / 20);
  }
  // One step on a CPU adapter (the S5 model at batch 512 takes minutes on lavapipe); --no-step: none.
  const t = 'no-step' in opts ? { wallMs: NaN, gpuMs: null } : await timeCalls(rt, calls, tuning.cpuAdapter ? 1 : 3, tuning.cpuAdapter ? 1 : 3);
  console.log(
    `adapter: ${info.adapter}${tuning.cpuAdapter ? ' (CPU fallback adapter)' : ''}; tuning ${tuning.kind}${asGpu ? ': step planned as for a GPU (--this-adapter: as this adapter runs it)' : ''}`,
  );
  console.log(formatPlanReport(report));
  const rules = layerRules(rt, model.infos, batch);
  console.log(['kernel rule per layer (src/engine/ops/gemm_conv2d.ts convChoice):', ...rules.map((r) => `  ${r}`)].join('\n'));
  console.log(
    `host: ${encodeMs.toFixed(3)} ms to encode one step; the step takes ${t.wallMs.toFixed(3)} ms wall` +
      (t.gpuMs !== null ? `, ${t.gpuMs.toFixed(3)} ms GPU` : '') +
      ` on this adapter`,
  );
  if (opts.json) {
    const out = {
      ...report,
      plannedFor: tuning.kind,
      rules,
      host: { encodeMs, stepWallMs: t.wallMs, stepGpuMs: t.gpuMs, adapter: info.adapter, fallback: tuning.cpuAdapter },
      machine: machine(),
      commit: commit(),
      date: new Date().toISOString(),
    };
    writeFileSync(opts.json, JSON.stringify(out, null, 1) + '\n');
    console.log(`wrote ${opts.json}`);
  }
  trainer.destroy();
  model.destroy();
  device.destroy();
}

main().catch((e) => {
  console.error(`bench: ${e instanceof Error ? e.message : e}`);
  // No figure is printed for work that did not happen: 4 = the GPU refused it, 2 = refused before.
  process.exit(e instanceof GpuError ? 4 : 2);
});
