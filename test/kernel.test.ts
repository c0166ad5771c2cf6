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

  it('reads the workgroup size from a module const and the workgroup storage the entry uses', () => {
    const src = `
const WG = 32u;
const TM = 4u;
const BM = 16u * TM;
var<workgroup> As: array<f32, 8u * BM>;
var<workgroup> red: array<array<vec2f, 4>, WG>;
var<workgroup> unused: array<f32, 1024>;
@group(0) @binding(0) var<storage, read_write> y: array<f32>;
fn stage(i: u32) { As[i] = 1.0; }
@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) i: u32) { stage(i); red[i][0] = vec2f(As[i]); y[i] = red[0][0].x; }
`;
    const k = kernel(src, 'main');
    expect(k.workgroupSize).toBe(32);
    expect(k.workgroupStorage).toBe(4 * 8 * 64 + 8 * 4 * 32);
    expect(kernel(src, 'main', { WG: 64, TM: 2 }).workgroupStorage).toBe(4 * 8 * 32 + 8 * 4 * 64);
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
