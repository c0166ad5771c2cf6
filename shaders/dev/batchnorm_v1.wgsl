// batchnorm v1 (one workgroup per channel; kept for comparison in bench:kernels; the engine uses shaders/batchnorm.wgsl).
// BatchNorm2d with PyTorch's semantics. Per channel c over the n = N·H·W values:
//   train  mean, var = batch mean and biased variance; y = (x - mean)·invstd·γ + β,
//          invstd = 1/sqrt(var + eps); the batch statistics (mean, unbiased variance) go to
//          `batch_stats` (the engine's bn_running_update folds them into the running statistics).
//   (v1 is kept for train mode only; eval mode and the running update are in shaders/batchnorm.wgsl.)
//   backward (train)  dβ = Σ dy, dγ = Σ dy·x̂, dx = γ·invstd·(dy - dβ/n - x̂·dγ/n)
//   backward (eval)   dβ = Σ dy, dγ = Σ dy·x̂, dx = γ·invstd·dy
// Reductions: one workgroup per channel, two passes for the variance (no E[x²] - E[x]² cancellation).

override TRAIN: bool = true;   // backward: batch statistics (train) or running statistics (eval)
override HAS_DX: bool = true;  // backward: the first layer of a network needs no dx

struct Params { N: u32, C: u32, HW: u32, eps: f32 }

@group(0) @binding(0) var<uniform> P: Params;

var<workgroup> red: array<f32, 256>;

fn reduce_sum(lid: u32, v: f32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] += red[lid + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

fn at(t: u32, c: u32) -> u32 {
  return ((t / P.HW) * P.C + c) * P.HW + t % P.HW;
}

// forward train: (P, x, gamma, beta, y, saved = [mean, invstd] per channel, batch_stats = [mean.., var_unbiased..])
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> beta: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> saved: array<f32>;
@group(0) @binding(6) var<storage, read_write> batch_stats: array<f32>;

@compute @workgroup_size(256)
fn bn_forward_train(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = wid.x;
  let n = P.N * P.HW;
  var s = 0.0;
  for (var t = lid; t < n; t += 256u) { s += x[at(t, c)]; }
  let mean = reduce_sum(lid, s) / f32(n);
  var s2 = 0.0;
  for (var t = lid; t < n; t += 256u) { let d = x[at(t, c)] - mean; s2 = fma(d, d, s2); }
  let m2 = reduce_sum(lid, s2);
  let invstd = inverseSqrt(m2 / f32(n) + P.eps);
  let g = gamma[c] * invstd;
  let sh = beta[c] - mean * g;
  for (var t = lid; t < n; t += 256u) { let k = at(t, c); y[k] = fma(x[k], g, sh); }
  if (lid == 0u) {
    saved[c] = mean;
    saved[P.C + c] = invstd;
    batch_stats[c] = mean;
    batch_stats[P.C + c] = m2 / f32(max(n, 2u) - 1u);
  }
}

// backward: (P, x, gamma, dy, dx, stats, dgamma, dbeta); stats = saved (TRAIN) or running (eval).
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
@group(0) @binding(5) var<storage, read> stats: array<f32>;
@group(0) @binding(6) var<storage, read_write> dgamma: array<f32>;
@group(0) @binding(7) var<storage, read_write> dbeta: array<f32>;

@compute @workgroup_size(256)
fn bn_backward(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = wid.x;
  let n = P.N * P.HW;
  let mean = stats[c];
  var invstd: f32;
  if (TRAIN) { invstd = stats[P.C + c]; } else { invstd = inverseSqrt(stats[P.C + c] + P.eps); }
  var sdy = 0.0;
  var sdyx = 0.0;
  for (var t = lid; t < n; t += 256u) {
    let k = at(t, c);
    let g = dy[k];
    sdy += g;
    sdyx = fma(g, (x[k] - mean) * invstd, sdyx);
  }
  let db = reduce_sum(lid, sdy);
  let dg = reduce_sum(lid, sdyx);
  if (lid == 0u) { dgamma[c] = dg; dbeta[c] = db; }
  if (!HAS_DX) { return; }
  let gi = gamma[c] * invstd;
  let inv_n = 1.0 / f32(n);
  for (var t = lid; t < n; t += 256u) {
    let k = at(t, c);
    if (TRAIN) {
      let xh = (x[k] - mean) * invstd;
      dx[k] = gi * (dy[k] - db * inv_n - xh * dg * inv_n);
    } else {
      dx[k] = gi * dy[k];
    }
  }
}
