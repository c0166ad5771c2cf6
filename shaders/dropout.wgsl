// Dropout (train mode): y = x·mask/(1 - p), dx = dy·mask/(1 - p); eval mode is the identity and
// dispatches nothing. The mask is never stored: it is recomputed from a counter-based hash of
// (step seed, layer index, element index), so forward and backward agree by construction and
// the fixture generator (scripts/gen_fixtures.py) reproduces it bit for bit.

// (common.wgsl is prepended: Step, pcg, dropout_keep.)

struct Params { n: u32, layer: u32, p: f32, scale: f32 }

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<uniform> S: Step;
@group(0) @binding(2) var<storage, read> src: array<f32>;        // x (forward) or dy (backward)
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;  // y (forward) or dx (backward)

// Forward and backward are the same map: multiply by mask/(1 - p).
@compute @workgroup_size(256)
fn dropout_apply(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                 @builtin(local_invocation_index) lid: u32) {
  let i = flat256(wid, nwg, lid);
  if (i >= P.n) { return; }
  dst[i] = select(0.0, src[i] * P.scale, dropout_keep(S.seed, P.layer, i, P.p));
}
