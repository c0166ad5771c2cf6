// The S5 notebook's model under WebGPU's default limits (TUNING=defaults: 128 MiB per binding,
// 16 KiB of workgroup storage): its training plan at the notebook's batch 512 fits, and the
// weight-gradient partials stay within 4× the parameter count; the plan's dispatches have the
// shape a GPU wants (the criteria, read from the recorded dispatches).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { layerRules } from '../src/engine/layer-rules';
import { Model } from '../src/engine/model';
import { planReport } from '../src/engine/plan-report';
import type { Call } from '../src/engine/runtime';
import { StepProgram } from '../src/engine/step';
import { countParams, parseSpec } from '../src/engine/spec';
import { runtime } from './gpu';

process.env.TUNING = 'defaults'; // read when the device is opened (test/gpu.ts)
const spec = JSON.parse(readFileSync(join(__dirname, '..', 'src', 'models', 's5.json'), 'utf8'));

describe('the S5 model under the defaults tuning', () => {
  it('opens with the default limits', async () => {
    const rt = await runtime();
    expect(rt.tuning.kind).toBe('defaults');
    expect(rt.device.limits.maxStorageBufferBindingSize).toBe(128 * 2 ** 20);
    expect(rt.device.limits.maxComputeWorkgroupStorageSize).toBe(16384);
  });

  for (const N of [128, 512])
    it(`plans a training step at batch ${N}, partials within 4× the parameters`, async () => {
      const rt = await runtime();
      const m = new Model(rt, spec, [1, 28, 28]);
      const params = countParams(parseSpec(spec, [1, 28, 28]));
      expect(params).toBe(593200);
      const buffers = rt.measure(() => m.plan(N, 'train').destroy());
      // One arena per plan (a plan sizes itself before it builds, so measure sees it twice).
      const partials = Math.max(0, ...buffers.buffers.filter((b) => b.label === 'gradient partials').map((b) => b.bytes));
      expect(partials).toBeGreaterThan(0);
      expect(partials).toBeLessThanOrEqual(4 * 4 * params);
      m.releasePlans();
      m.destroy();
    });

  for (const N of [128, 512])
    it(`batch ${N}: every loop ≤ 256 iterations, every dispatch over 100 MFLOP on ≥ 16,384 threads, workgroup storage within the limit`, async () => {
      const rt = await runtime();
      const m = new Model(rt, spec, [1, 28, 28]);
      let report: ReturnType<typeof planReport> | null = null;
      // Sized, not allocated: the calls a training step records, without its GPU memory.
      rt.measure(() => {
        const program = new StepProgram(m, { N, mode: 'train', loss: 'nll', stats: rt.buffer(16, 'stats'), sgd: { weightDecay: 0 } });
        const calls: Call[] = program.trainCalls;
        report = planReport(calls, program.plan, m.infos, 's5');
        program.destroy();
      });
      const r = report!;
      expect(r.dispatches.length).toBeGreaterThan(40);
      const at = (d: (typeof r.dispatches)[number]) => `#${d.index} ${d.kernel} layer ${d.layer}: ${d.threads} threads, ${d.serialIterations} iterations`;
      expect(r.dispatches.filter((d) => d.serialIterations === null || d.serialIterations > 256).map(at)).toEqual([]);
      const big = r.dispatches.filter((d) => (d.flops ?? 0) > 100e6);
      expect(big.length).toBeGreaterThan(8);
      expect(big.filter((d) => d.threads < 16384).map(at)).toEqual([]);
      // Workgroup storage per kernel within the tuning's limit (16 KiB under defaults), and the
      // GEMMs' tiles counted (128×128×16: 16 KiB).
      const limit = rt.tuning.maxWorkgroupStorage;
      expect(r.dispatches.filter((d) => d.workgroupStorage > limit).map((d) => `${at(d)}: ${d.workgroupStorage} bytes`)).toEqual([]);
      expect(Math.max(...r.dispatches.filter((d) => d.kernel.startsWith('conv_gemm')).map((d) => d.workgroupStorage))).toBe(16384);
      m.releasePlans();
      m.destroy();
    });

  it('takes the GEMMs for the wide layers and the direct kernels for the narrow ones', async () => {
    const rt = await runtime();
    const rules = layerRules(rt, parseSpec(spec, [1, 28, 28]), 512);
    expect(rules).toEqual([
      'layer 0 Conv2d 1→32 3×3 at 28×28: forward direct 8×4; dw direct (v4 partials)',
      'layer 2 Conv2d 32→64 3×3 at 26×26: forward gemm 128×64×16 tile; dx gemm 128×32×16 tile; dw gemm 64×64×32 tile, split 13 × 3 rounds',
      'layer 5 Conv2d 64→128 3×3 at 12×12: forward gemm 128×128×16 tile; dx gemm 128×64×16 tile; dw gemm 64×64×32 tile, split 4 × 2 rounds',
      'layer 7 Conv2d 128→256 3×3 at 10×10: forward gemm 128×128×16 tile; dx gemm 128×128×16 tile; dw gemm 64×64×32 tile, split 1 × 4 rounds',
      'layer 11 Linear 4096→50: forward gemm 64×64×8 tile, split 10; dx matmul; dw gemm 64×64×8 tile',
      'layer 13 Linear 50→10: forward matmul; dx matmul; dw gemm 16×64×8 tile',
    ]);
  });
});
