// batchnorm v2 (kept for bench:kernels; v3 in shaders/batchnorm.wgsl folds the finalize kernels
// into bn_apply and bn_apply_grad). BatchNorm2d with PyTorch's semantics, optionally followed by ReLU and Dropout inside the same
// kernels (the plan fuses BatchNorm2d → ReLU → Dropout). Per channel c over the n = N·HW values:
//   train forward
//     bn_partial_stats   one workgroup per (channel, chunk of images, ≥ ~1024 values): count, mean
//                        and M2 of its values (two passes, no E[x²] − E[x]² cancellation)
//     bn_finalize_stats  one thread per channel: Chan's merge → mean and invstd = 1/sqrt(var + eps)
//                        (saved for backward; var biased), and [mean, unbiased var] in `batch_stats`
//                        for bn_running_update, which runs after the step's finite check
//     bn_apply           y = dropout(relu((x − mean)·invstd·γ + β)), elementwise
//   eval forward         bn_apply with the running statistics
//   backward             g = dy·mask/(1 − p)·[y_bn > 0] is recomputed, never stored; x̂ = (x − mean)·invstd
//     bn_partial_grads   per (channel, chunk of images): Σ g and Σ g·x̂
//     bn_finalize_grads  per channel: dβ = Σ g, dγ = Σ g·x̂
//     bn_apply_grad      dx = γ·invstd·(g − dβ/n − x̂·dγ/n) (train), γ·invstd·g (eval)
// (common.wgsl is prepended: Step, dropout_keep, flat256.)

override TRAIN: bool = true;     // statistics: [mean, invstd] of the batch, or running [mean, var]
override RELU: bool = false;
override DROPOUT: bool = false;

struct Params { N: u32, C: u32, HW: u32, layer: u32, S: u32, chunk: u32, eps: f32, p: f32, scale: f32 }

@group(0) @binding(0) var<uniform> P: Params;

var<workgroup> red: array<f32, 64>;
var<workgroup> red2: array<f32, 64>;

// Sums v (and w) over the 64 threads of the workgroup.
fn reduce2(lid: u32, v: f32, w: f32) -> vec2f {
  red[lid] = v;
  red2[lid] = w;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s >>= 1u) {
    if (lid < s) {
      red[lid] += red[lid + s];
      red2[lid] += red2[lid + s];
    }
    workgroupBarrier();
  }
  let r = vec2f(red[0], red2[0]);
  workgroupBarrier();
  return r;
}

// ---- forward ----------------------------------------------------------------------------

// The values of channel c in chunk s of the batch: images [s·chunk, …), HW values each; t counts
// them, and at(t) is where value t lives in the NCHW tensor.
fn chunk_len(s: u32) -> u32 {
  return (min(P.N, (s + 1u) * P.chunk) - s * P.chunk) * P.HW;
}

fn at(c: u32, s: u32, t: u32) -> u32 {
  return ((s * P.chunk + t / P.HW) * P.C + c) * P.HW + t % P.HW;
}

// bn_partial_stats: (P, x, partial[(c·S + s)·3 + {count, mean, M2}])
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> partial: array<f32>;

@compute @workgroup_size(64)
fn bn_partial_stats(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = wid.x;
  let s = wid.y;
  let n = chunk_len(s);
  var sum = 0.0;
  for (var t = lid; t < n; t += 64u) { sum += x[at(c, s, t)]; }
  let mean = reduce2(lid, sum, 0.0).x / f32(n);
  var m2 = 0.0;
  for (var t = lid; t < n; t += 64u) { let d = x[at(c, s, t)] - mean; m2 = fma(d, d, m2); }
  let M2 = reduce2(lid, m2, 0.0).x;
  if (lid == 0u) {
    let o = 3u * (c * P.S + s);
    partial[o] = f32(n);
    partial[o + 1u] = mean;
    partial[o + 2u] = M2;
  }
}

// bn_finalize_stats: (P, partial, saved = [mean.., invstd..], batch_stats = [mean.., unbiased var..])
@group(0) @binding(1) var<storage, read> partial_in: array<f32>;
@group(0) @binding(2) var<storage, read_write> saved: array<f32>;
@group(0) @binding(3) var<storage, read_write> batch_stats: array<f32>;

@compute @workgroup_size(64)
fn bn_finalize_stats(@builtin(global_invocation_id) gid: vec3u) {
  let c = gid.x;
  if (c >= P.C) { return; }
  let count = P.N * P.HW;
  var s = 0.0;
  for (var k = 0u; k < P.S; k++) { let o = 3u * (c * P.S + k); s = fma(partial_in[o], partial_in[o + 1u], s); }
  let mean = s / f32(count);
  // Chan et al.: M2 = Σ M2_k + Σ n_k·(mean_k − mean)².
  var m2 = 0.0;
  for (var k = 0u; k < P.S; k++) {
    let o = 3u * (c * P.S + k);
    let d = partial_in[o + 1u] - mean;
    m2 += partial_in[o + 2u] + partial_in[o] * d * d;
  }
  saved[c] = mean;
  saved[P.C + c] = inverseSqrt(m2 / f32(count) + P.eps);
  batch_stats[c] = mean;
  batch_stats[P.C + c] = m2 / f32(max(count, 2u) - 1u);
}

// Per-channel mean and invstd, from the batch (TRAIN) or the running statistics (eval).
@group(0) @binding(5) var<storage, read> stats: array<f32>;

fn mean_invstd(c: u32) -> vec2f {
  if (TRAIN) { return vec2f(stats[c], stats[P.C + c]); }
  return vec2f(stats[c], inverseSqrt(stats[P.C + c] + P.eps));
}

@group(0) @binding(3) var<storage, read> gamma: array<f32>;
@group(0) @binding(4) var<storage, read> beta: array<f32>;

// The normalised value before ReLU: one formula for forward and backward, so the ReLU mask that
// backward recomputes is bit for bit the one forward applied.
fn bn_y(v: f32, c: u32) -> f32 {
  let ms = mean_invstd(c);
  let g = gamma[c] * ms.y;
  return fma(v, g, beta[c] - ms.x * g);
}

// bn_apply: (P, S, x, gamma, beta, stats, y)
@group(0) @binding(1) var<uniform> S: Step;
@group(0) @binding(2) var<storage, read> xa: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(256)
fn bn_apply(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
            @builtin(local_invocation_index) lid: u32) {
  let k = flat256(wid, nwg, lid);
  if (k >= P.N * P.C * P.HW) { return; }
  var v = bn_y(xa[k], (k / P.HW) % P.C);
  if (RELU) { v = select(v, 0.0, v <= 0.0); }
  if (DROPOUT) { v = select(0.0, v * P.scale, dropout_keep(S.seed, P.layer, k, P.p)); }
  y[k] = v;
}

// ---- backward ---------------------------------------------------------------------------

// The gradient reaching the BatchNorm output, through Dropout and ReLU.
@group(0) @binding(6) var<storage, read> dy: array<f32>;

fn g_at(k: u32, c: u32) -> f32 {
  var g = dy[k];
  if (DROPOUT) { g = select(0.0, g * P.scale, dropout_keep(S.seed, P.layer, k, P.p)); }
  if (RELU) { g = select(0.0, g, bn_y(xa[k], c) > 0.0); }
  return g;
}

// bn_partial_grads: (P, S, x, gamma, beta, stats, dy, partial_g[(c·S + s)·3 + {Σg, Σg·x̂, unused}])
@group(0) @binding(7) var<storage, read_write> partial_g: array<f32>;

@compute @workgroup_size(64)
fn bn_partial_grads(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = wid.x;
  let s = wid.y;
  let n = chunk_len(s);
  let ms = mean_invstd(c);
  var sg = 0.0;
  var sgx = 0.0;
  for (var t = lid; t < n; t += 64u) {
    let k = at(c, s, t);
    let g = g_at(k, c);
    sg += g;
    sgx = fma(g, (xa[k] - ms.x) * ms.y, sgx);
  }
  let r = reduce2(lid, sg, sgx);
  if (lid == 0u) {
    partial_g[3u * (c * P.S + s)] = r.x;
    partial_g[3u * (c * P.S + s) + 1u] = r.y;
  }
}

// bn_finalize_grads: (P, partial, dgamma, dbeta, sums = [Σg.., Σg·x̂..])
@group(0) @binding(2) var<storage, read_write> dgamma: array<f32>;
@group(0) @binding(3) var<storage, read_write> dbeta: array<f32>;
@group(0) @binding(4) var<storage, read_write> sums: array<f32>;

@compute @workgroup_size(64)
fn bn_finalize_grads(@builtin(global_invocation_id) gid: vec3u) {
  let c = gid.x;
  if (c >= P.C) { return; }
  var sg = 0.0;
  var sgx = 0.0;
  for (var k = 0u; k < P.S; k++) {
    sg += partial_in[3u * (c * P.S + k)];
    sgx += partial_in[3u * (c * P.S + k) + 1u];
  }
  dbeta[c] = sg;
  dgamma[c] = sgx;
  sums[c] = sg;
  sums[P.C + c] = sgx;
}

// bn_apply_grad: (P, S, x, gamma, beta, stats, dy, sums, dx)
@group(0) @binding(7) var<storage, read> sums_in: array<f32>;
@group(0) @binding(8) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(256)
fn bn_apply_grad(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                 @builtin(local_invocation_index) lid: u32) {
  let k = flat256(wid, nwg, lid);
  if (k >= P.N * P.C * P.HW) { return; }
  let c = (k / P.HW) % P.C;
  let ms = mean_invstd(c);
  let g = g_at(k, c);
  let gi = gamma[c] * ms.y;
  if (TRAIN) {
    let inv_n = 1.0 / f32(P.N * P.HW);
    let xh = (xa[k] - ms.x) * ms.y;
    dx[k] = gi * (g - sums_in[c] * inv_n - xh * sums_in[P.C + c] * inv_n);
  } else {
    dx[k] = gi * g;
  }
}
