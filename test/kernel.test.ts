// kernel(): binding names and slots read from the WGSL, the entry's uses found through the
// functions it calls, variants applied; and the refusals rt.dispatch makes before WebGPU sees them.
import { describe, expect, it } from 'vitest';
import { checkBindings, kernel } from '../src/engine/kernel';

const wgsl = `
struct Params { n: u32 }
const B = 8u;
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>; // shares slot 1 with x (another entry)
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
fn dy_at(k: u32) -> f32 { return dy[k]; }
fn twice(y: f32) -> f32 { let x = y; return 2.0 * x; } // params and locals shadow bindings
@compute @workgroup_size(64, 2)
fn forward(@builtin(global_invocation_id) g: vec3u) {
  if (g.x < P.n) { y[g.x] = x[g.x] * f32(B); } // dx is named here only in a comment
}
@compute @workgroup_size(256)
fn backward(@builtin(global_invocation_id) g: vec3u) { dx[g.x] = twice(dy_at(g.x)); }
`;

describe('kernel', () => {
  it('reads the bindings the entry uses, through the functions it calls', () => {
    const f = kernel(wgsl, 'forward');
    expect([...f.bindings.values()].map((b) => [b.name, b.slot, b.uniform])).toEqual([
      ['P', 0, true],
      ['y', 2, false],
      ['x', 1, false],
    ]);
    expect(f.workgroupSize).toBe(128);
    const b = kernel(wgsl, 'backward');
    expect([...b.bindings.keys()].sort()).toEqual(['dx', 'dy']);
    expect(b.bindings.get('dy')!.slot).toBe(1);
  });

  it('applies variants: constants and function hooks, cached', () => {
    const v = kernel(wgsl, 'backward', { B: 2, dy_at: 'fn dy_at(k: u32) -> f32 { return 2.0 * dy[k]; }' });
    expect(v.code).toContain('const B = 2u;');
    expect(v.code).toContain('return 2.0 * dy[k];');
    expect(v.code).not.toContain('const B = 8u;');
    expect(kernel(wgsl, 'backward', { dy_at: 'fn dy_at(k: u32) -> f32 { return 2.0 * dy[k]; }', B: 2 })).toBe(v);
    expect(v.key).not.toBe(kernel(wgsl, 'backward').key);
  });

  it('refuses missing, unused and unknown bindings, naming the kernel and the binding', () => {
    const f = kernel(wgsl, 'forward');
    expect(() => checkBindings(f, ['P', 'x', 'y'])).not.toThrow();
    expect(() => checkBindings(f, ['P', 'x'])).toThrow(new Error("kernel forward: binding 'y' (@binding(2)) is used by forward but not given"));
    expect(() => checkBindings(f, ['P', 'x', 'y', 'dx'], 'fwd_label')).toThrow(new Error("kernel fwd_label: binding 'dx' is not used by its entry forward"));
    expect(() => checkBindings(f, ['P', 'x', 'y', 'z'])).toThrow(new Error("kernel forward: its WGSL declares no binding 'z'"));
  });

  it('refuses a variant or entry its WGSL does not have', () => {
    expect(() => kernel(wgsl, 'forward', { T: 4 })).toThrow(new Error('kernel forward: variant T: no `const T = …;` in its WGSL'));
    expect(() => kernel(wgsl, 'forward', { dz_at: 'fn dz_at() {}' })).toThrow(new Error('kernel forward: variant dz_at: no function `dz_at` in its WGSL'));
    expect(() => kernel(wgsl, 'sideways')).toThrow(new Error('kernel sideways: no function `sideways` in its WGSL'));
  });
});
