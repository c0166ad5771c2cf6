// Elementwise activations, forward and backward side by side.
// Backward uses the forward *output* (as PyTorch does for both): relu' = [y > 0], sigmoid' = y(1 - y).
// 1 - y is exact for y ≥ 0.5 (Sterbenz), so sigmoid' is y's own; but y is within 2^-25 of its
// true value, so near 1 sigmoid' ≈ e^-x carries that absolute error, and from x ≈ 16.6 on y rounds
// to 1 and sigmoid' is 0 where float64 has e^-x < 6e-8 (float32 PyTorch the same; test/activation.test.ts).
// Forward binds (P, x, y); backward binds (P, y, dy, dx).
// (common.wgsl is prepended: flat256.)

struct Params { n: u32 }

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@group(0) @binding(1) var<storage, read> y_saved: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;


@compute @workgroup_size(256)
fn relu_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                @builtin(local_invocation_index) lid: u32) {
  let i = flat256(wid, nwg, lid);
  if (i >= P.n) { return; }
  let v = x[i];
  y[i] = select(v, 0.0, v <= 0.0);  // NaN passes through, as in PyTorch
}

@compute @workgroup_size(256)
fn relu_backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                 @builtin(local_invocation_index) lid: u32) {
  let i = flat256(wid, nwg, lid);
  if (i >= P.n) { return; }
  dx[i] = select(0.0, dy[i], y_saved[i] > 0.0);
}

@compute @workgroup_size(256)
fn sigmoid_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                   @builtin(local_invocation_index) lid: u32) {
  let i = flat256(wid, nwg, lid);
  if (i >= P.n) { return; }
  y[i] = 1.0 / (1.0 + exp(-x[i]));
}

@compute @workgroup_size(256)
fn sigmoid_backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                    @builtin(local_invocation_index) lid: u32) {
  let i = flat256(wid, nwg, lid);
  if (i >= P.n) { return; }
  let s = y_saved[i];
  dx[i] = dy[i] * s * (1.0 - s);
}
