// GroupNorm and LayerNorm, forward and backward: each sample's values are normalized in rows of D.
//   GroupNorm(G, C): a row is one group, D = (C/G)·H·W; the affine index of a sample's value t is
//                    its channel t / A, A = H·W.
//   LayerNorm(shape): one row per sample, D = numel(shape), G = 1; the affine index is t (A = 1).
//   forward   mean, var (biased, two passes) over the row; x̂ = (x − mean)·rstd, rstd = 1/√(var + eps);
//             y = x̂·γ[a] + β[a]; [mean, rstd] saved per row for backward
//   backward  g = dy·γ[a];  dx = rstd·(g − mean_row(g) − x̂·mean_row(g·x̂))
//             dγ[a] = Σ dy·x̂, dβ[a] = Σ dy over samples and the A values of a: split reductions,
//             partial sums per (chunk of samples, span of the A values), added by the plan's
//             reduce dispatch.
// Forward and dx take one workgroup per row (two tree reductions over 256 lanes); the weight
// partials one thread per (partial, parameter) with at most 256 values each.
// Without affine, gamma_at/beta_at are replaced by 1 and 0 (variant), so γ and β are not bound.
// (common.wgsl is prepended: flat256.)

struct NormParams { R: u32, G: u32, D: u32, A: u32, eps: f32 }                                   // forward, dx
struct NormWeightParams { N: u32, G: u32, D: u32, A: u32, P: u32, chunk: u32, span: u32, Q: u32 }  // dγ, dβ partials

@group(0) @binding(0) var<uniform> NP: NormParams;
@group(0) @binding(0) var<uniform> NW: NormWeightParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> beta: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> stats: array<f32>;
@group(0) @binding(4) var<storage, read> dy: array<f32>;
@group(0) @binding(5) var<storage, read> stats_saved: array<f32>;
@group(0) @binding(6) var<storage, read_write> dx: array<f32>;
@group(0) @binding(6) var<storage, read_write> partial_w: array<f32>;
@group(0) @binding(7) var<storage, read_write> partial_b: array<f32>;

fn gamma_at(a: u32) -> f32 { return gamma[a]; }
fn beta_at(a: u32) -> f32 { return beta[a]; }

var<workgroup> lanes: array<vec2f, 256>;

/** The workgroup's sum of v over its 256 lanes (every lane gets it). */
fn lane_sum(lid: u32, v: vec2f) -> vec2f {
  lanes[lid] = v;
  workgroupBarrier();
  for (var h = 128u; h > 0u; h >>= 1u) {
    if (lid < h) { lanes[lid] += lanes[lid + h]; }
    workgroupBarrier();
  }
  let s = lanes[0];
  workgroupBarrier();
  return s;
}

/** Affine index of value e of row r: its channel (GroupNorm) or its position (LayerNorm). */
fn affine_index(r: u32, e: u32) -> u32 {
  return ((r % NP.G) * NP.D + e) / NP.A;
}

@compute @workgroup_size(256)
fn norm_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                @builtin(local_invocation_index) lid: u32) {
  let r = wid.y * nwg.x + wid.x;
  if (r >= NP.R) { return; }
  let base = r * NP.D;
  var s = 0.0;
  for (var e = lid; e < NP.D; e += 256u) { s += x[base + e]; }
  let mean = lane_sum(lid, vec2f(s, 0.0)).x / f32(NP.D);
  var q = 0.0;
  for (var e = lid; e < NP.D; e += 256u) {
    let d = x[base + e] - mean;
    q += d * d;
  }
  let rstd = inverseSqrt(lane_sum(lid, vec2f(q, 0.0)).x / f32(NP.D) + NP.eps);
  for (var e = lid; e < NP.D; e += 256u) {
    let a = affine_index(r, e);
    y[base + e] = (x[base + e] - mean) * rstd * gamma_at(a) + beta_at(a);
  }
  if (lid == 0u) {
    stats[2u * r] = mean;
    stats[2u * r + 1u] = rstd;
  }
}

@compute @workgroup_size(256)
fn norm_backward_input(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                       @builtin(local_invocation_index) lid: u32) {
  let r = wid.y * nwg.x + wid.x;
  if (r >= NP.R) { return; }
  let base = r * NP.D;
  let mean = stats_saved[2u * r];
  let rstd = stats_saved[2u * r + 1u];
  var s = vec2f(0.0);
  for (var e = lid; e < NP.D; e += 256u) {
    let g = dy[base + e] * gamma_at(affine_index(r, e));
    s += vec2f(g, g * (x[base + e] - mean) * rstd);
  }
  let m = lane_sum(lid, s) / f32(NP.D);
  for (var e = lid; e < NP.D; e += 256u) {
    let g = dy[base + e] * gamma_at(affine_index(r, e));
    dx[base + e] = rstd * (g - m.x - (x[base + e] - mean) * rstd * m.y);
  }
}

// Thread (s, a), s = sample chunk · Q + span: Σ over its samples and its span of a's A values.
@compute @workgroup_size(256)
fn norm_backward_weight(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                        @builtin(local_invocation_index) lid: u32) {
  let k = flat256(wid, nwg, lid);
  let S = ((NW.N + NW.chunk - 1u) / NW.chunk) * NW.Q;
  if (k >= S * NW.P) { return; }
  let a = k % NW.P;
  let s = k / NW.P;
  let n0 = (s / NW.Q) * NW.chunk;
  let q0 = (s % NW.Q) * NW.span;
  let per = NW.G * NW.D;  // values per sample
  var sw = 0.0;
  var sb = 0.0;
  for (var n = n0; n < min(n0 + NW.chunk, NW.N); n++) {
    for (var q = q0; q < min(q0 + NW.span, NW.A); q++) {
      let t = a * NW.A + q;
      let r = n * NW.G + t / NW.D;
      let i = n * per + t;
      sw += dy[i] * (x[i] - stats_saved[2u * r]) * stats_saved[2u * r + 1u];
      sb += dy[i];
    }
  }
  partial_w[k] = sw;
  partial_b[k] = sb;
}
