// The plan report (npm run bench -- --plan): its structure, and that it lists exactly the
// dispatches a training step records.
import { describe, expect, it } from 'vitest';
import { Model } from '../src/engine/model';
import { formatPlanReport, planReport } from '../src/engine/plan-report';
import defaultSpec from '../src/models/mnist-default.json';
import { DEFAULT_CONFIG } from '../src/train/config';
import { GpuSplit, Trainer } from '../src/train/trainer';
import { TUNING_KINDS } from '../src/engine/tuning';
import { runtime, runtimeAs } from './gpu';

async function step(batch: number, asGpu = false) {
  const base = await runtime();
  // As `bench --plan` does on a CPU adapter: the step a GPU would run.
  const rt = asGpu ? await runtimeAs('gpu') : base;
  const model = new Model(rt, defaultSpec, [1, 28, 28]);
  model.init(1);
  const blank = { images: new Uint8Array(batch * 784), labels: new Uint8Array(batch), count: batch };
  const trainer = new Trainer(model, new GpuSplit(rt, blank, 'train'), new GpuSplit(rt, blank, 'test'), { ...DEFAULT_CONFIG, batch });
  const calls = trainer.stepCalls();
  return { rt, model, trainer, calls, report: planReport(calls, model.plan(batch, 'train'), model.infos, 'default') };
}

describe('plan report', () => {
  it('lists every dispatch one training step records, with its shape and cost', async () => {
    const { rt, model, trainer, calls, report } = await step(128);
    // Count what the runtime actually encodes for the step.
    const d0 = rt.dispatches;
    const enc = rt.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    rt.encode(pass, calls);
    pass.end();
    enc.finish();
    expect(report.totals.dispatches).toBe(rt.dispatches - d0);
    expect(report.dispatches.length).toBe(report.totals.dispatches);
    expect(report.batch).toBe(128);

    const stages = report.dispatches.map((d) => d.stage);
    expect(stages[0]).toBe('input');
    expect(stages.filter((s) => s === 'loss')).toEqual(['loss']);
    // Stages come in step order.
    const order = ['input', 'forward', 'loss', 'backward', 'update'];
    for (let i = 1; i < stages.length; i++) expect(order.indexOf(stages[i])).toBeGreaterThanOrEqual(order.indexOf(stages[i - 1]));

    for (const d of report.dispatches) {
      expect(d.kernel).toMatch(/^[a-z0-9_]+$/);
      expect(d.workgroups).toHaveLength(3);
      expect(d.workgroups.every((v) => Number.isInteger(v) && v >= 1)).toBe(true);
      expect(d.workgroupSize).toBeGreaterThanOrEqual(1);
      expect(d.workgroupSize).toBeLessThanOrEqual(256); // WebGPU's default limit
      expect(d.threads).toBe(d.workgroups[0] * d.workgroups[1] * d.workgroups[2] * d.workgroupSize);
      expect(d.bytes).toBeGreaterThan(0);
      if (d.stage === 'forward' || d.stage === 'backward') {
        // Only the one reduction dispatch that ends backward serves several layers.
        if (d.layer === null) expect(d.kernel).toBe('reduce_segments');
        else expect(d.layerType).toContain(model.infos[d.layer].type);
        // Every layer kernel states its cost.
        expect(d.flops).not.toBeNull();
        expect(d.serialIterations).toBeGreaterThanOrEqual(1);
      }
    }
    expect(report.totals.bytes).toBe(report.dispatches.reduce((s, d) => s + d.bytes, 0));
    expect(report.totals.maxSerialIterations).toBe(Math.max(...report.dispatches.map((d) => d.serialIterations ?? 0)));
    // Every layer with parameters shows up in the backward pass.
    for (const l of model.infos)
      if (l.params.length) expect(report.dispatches.some((d) => d.stage === 'backward' && d.layer !== null && d.layer <= l.index)).toBe(true);

    const text = formatPlanReport(report);
    expect(text.split('\n')).toHaveLength(report.totals.dispatches + 4);
    expect(text).toMatch(new RegExp(`total: ${report.totals.dispatches} dispatches`));
    trainer.destroy();
    model.destroy();
  });

  it('the weight-gradient work grows with the batch, the dispatch count does not', async () => {
    const a = await step(16);
    const b = await step(64);
    expect(b.report.totals.dispatches).toBe(a.report.totals.dispatches);
    expect(b.report.totals.flops).toBeGreaterThan(3.5 * a.report.totals.flops);
    for (const s of [a, b]) {
      s.trainer.destroy();
      s.model.destroy();
    }
  });

  it('the default model: at most 40 dispatches, no thread loop over 256 iterations at batch 512 (issue 12)', async () => {
    const s = await step(512, true);
    expect(s.report.totals.dispatches).toBeLessThanOrEqual(40);
    expect(s.report.totals.maxSerialIterations).toBeLessThanOrEqual(256);
    // Every kernel within WebGPU's default of 256 invocations per workgroup.
    expect(Math.max(...s.report.dispatches.map((d) => d.workgroupSize))).toBeLessThanOrEqual(256);
    s.trainer.destroy();
    s.model.destroy();
  });

  it('warmUp compiles exactly what the steps dispatch: a step then compiles nothing on demand, in every tuning', async () => {
    for (const kind of TUNING_KINDS) {
      const rt = await runtimeAs(kind);
      const model = new Model(rt, defaultSpec, [1, 28, 28]);
      // 70 images at batch 32: the full batch and a last one of 6, in both splits.
      const blank = { images: new Uint8Array(70 * 784), labels: new Uint8Array(70), count: 70 };
      const trainer = new Trainer(model, new GpuSplit(rt, blank, 'train'), new GpuSplit(rt, blank, 'test'), { ...DEFAULT_CONFIG, batch: 32, epochs: 1 });
      const before = rt.compiledOnDemand;
      await trainer.warmUp();
      expect(rt.compiledOnDemand - before, kind).toBe(0);
      await trainer.run();
      expect(rt.compiledOnDemand - before, kind).toBe(0);
      trainer.destroy();
      model.destroy();
    }
  });
});
