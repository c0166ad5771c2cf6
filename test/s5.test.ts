// The S5 notebook's model under WebGPU's default limits (TUNING=defaults: 128 MiB per binding,
// 16 KiB of workgroup storage): its training plan at the notebook's batch 512 fits, and the
// weight-gradient partials stay within 4× the parameter count.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { layerRules } from '../src/engine/layers';
import { Model } from '../src/engine/model';
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

  it('takes the GEMMs for the wide layers and the direct kernels for the narrow ones', async () => {
    const rt = await runtime();
    const rules = layerRules(rt, parseSpec(spec, [1, 28, 28]), 512);
    expect(rules).toEqual([
      'layer 0 Conv2d 1→32 3×3 at 28×28: forward direct 8×4; dw direct (v4 partials)',
      'layer 2 Conv2d 32→64 3×3 at 26×26: forward direct 8×4; dx direct 8×4; dw gemm 128×128×16 tile, split 14',
      'layer 5 Conv2d 64→128 3×3 at 12×12: forward gemm 128×128×16 tile; dx direct 2×1; dw gemm 128×128×16 tile, split 3',
      'layer 7 Conv2d 128→256 3×3 at 10×10: forward gemm 128×128×16 tile; dx gemm 128×128×16 tile; dw gemm 128×128×16 tile, split 2',
      'layer 11 Linear 4096→50: forward gemm 64×64×8 tile, split 10; dx matmul; dw matmul',
      'layer 13 Linear 50→10: forward matmul; dx matmul; dw matmul',
    ]);
  });
});
