// Dropout2d (train mode): whole channels. y[n,c,h,w] = x[n,c,h,w]·keep[n,c]/(1 − p), and dx the
// same map of dy; eval mode is the identity and dispatches nothing. keep[n,c] is Dropout's
// counter-based mask taken per channel, dropout_keep(seed, layer, n·C + c, p), so forward and
// backward agree without a stored mask and scripts/gen_fixtures.py reproduces it bit for bit.

// (common.wgsl is prepended: Step, pcg, dropout_keep, flat256.)

struct Params2d { n: u32, layer: u32, hw: u32, p: f32, scale: f32 }

@group(0) @binding(0) var<uniform> Q: Params2d;
@group(0) @binding(1) var<uniform> S: Step;
@group(0) @binding(2) var<storage, read> src: array<f32>;        // x (forward) or dy (backward)
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;  // y (forward) or dx (backward)

@compute @workgroup_size(256)
fn dropout2d_apply(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                   @builtin(local_invocation_index) lid: u32) {
  let i = flat256(wid, nwg, lid);
  if (i >= Q.n) { return; }
  dst[i] = select(0.0, src[i] * Q.scale, dropout_keep(S.seed, Q.layer, i / Q.hw, Q.p));
}
