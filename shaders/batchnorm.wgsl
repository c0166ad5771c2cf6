// BatchNorm2d with PyTorch's semantics, optionally followed by ReLU and Dropout inside the same
// kernels (the plan fuses BatchNorm2d → ReLU → Dropout). Per channel c over the n = N·HW values:
//   train forward (2 dispatches)
//     bn_partial_stats   one workgroup per (channel, chunk of images, ≥ ~1024 values): count, mean
//                        and M2 of its values (two passes, no E[x²] − E[x]² cancellation)
//     bn_apply           one workgroup per (channel, block of 256·E values): merges the channel's
//                        partials (Chan), then y = dropout(relu((x − mean)·invstd·γ + β)); block 0
//                        writes [mean, invstd] (saved for backward) and [mean, unbiased var]
//                        (`batch_stats`, for the running update at the end of the step: update_apply in sgd.wgsl)
//   eval forward         bn_apply with the running statistics (no merge)
//   backward (2 dispatches): g = dy·mask/(1 − p)·[y_bn > 0] is recomputed, never stored; x̂ = (x − mean)·invstd
//     bn_partial_grads   per (channel, chunk of images): Σ g and Σ g·x̂
//     bn_apply_grad      per (channel, block): merges the partial sums; block 0 writes dβ = Σ g,
//                        dγ = Σ g·x̂; dx = γ·invstd·(g − dβ/n − x̂·dγ/n) (train), γ·invstd·g (eval)
// float32's limit: a train channel whose spread is tiny beside its mean (1e-2 about 3) has a batch
// mean off by up to half a float32 step, which moves dx by ~γ·invstd²·that (PyTorch float32 too).
// v2 (shaders/dev/batchnorm_v2.wgsl) ran the merges as separate one-workgroup finalize kernels.
// (common.wgsl is prepended: Step, dropout_keep, flat256.)

override TRAIN: bool = true;     // statistics: [mean, invstd] of the batch, or running [mean, var]
override RELU: bool = false;
override DROPOUT: bool = false;
override HAS_DX: bool = true;    // bn_apply_grad: write dx (false for a first layer: dγ, dβ only)

// S, chunk: partial chunks and images per chunk; E: values per thread of bn_apply / bn_apply_grad.
struct Params { N: u32, C: u32, HW: u32, layer: u32, S: u32, chunk: u32, E: u32, eps: f32, p: f32, scale: f32 }

@group(0) @binding(0) var<uniform> P: Params;

var<workgroup> red: array<f32, 256>;
var<workgroup> red2: array<f32, 256>;

// Sums v (and w) over the 64 threads of a workgroup (reduce256: 256); every thread gets the sums.
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

fn reduce256(lid: u32, v: f32, w: f32) -> vec2f {
  red[lid] = v;
  red2[lid] = w;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
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

// The layer's `aux` scratch: [mean.., invstd..] (written by bn_apply in both modes, so backward
// reads one layout), then from 2·C the partial gradient sums of bn_partial_grads.

// The values of channel c in blocks of 256·E: block b, thread lid, step i holds value t (or none).
fn block_value(b: u32, lid: u32, i: u32) -> u32 {
  return (b * P.E + i) * 256u + lid;
}

fn chan_index(c: u32, t: u32) -> u32 {
  return ((t / P.HW) * P.C + c) * P.HW + t % P.HW;
}

@group(0) @binding(1) var<uniform> S: Step;
@group(0) @binding(2) var<storage, read> xa: array<f32>;
@group(0) @binding(3) var<storage, read> gamma: array<f32>;
@group(0) @binding(4) var<storage, read> beta: array<f32>;

// The normalised value before ReLU: one formula for forward and backward, so the ReLU mask that
// backward recomputes is bit for bit the one forward applied (ms = [mean, invstd]). (v − mean)
// first: v·g + (β − mean·g) cancels when a near-constant channel has a large mean (variance 1e-4
// about 3 lost 1e-5 of y, test batchnorm_*_near_zero_var); v − mean is exact there (Sterbenz).
fn bn_y(v: f32, c: u32, ms: vec2f) -> f32 {
  return fma(v - ms.x, gamma[c] * ms.y, beta[c]);
}

// bn_apply: (P, S, x, gamma, beta, running, y, partial_m, aux_out, batch_out); grid (blocks, C).
// Train: the channel's mean and invstd come from merging the partials of bn_partial_stats.
@group(0) @binding(5) var<storage, read> running: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;
@group(0) @binding(7) var<storage, read> partial_m: array<f32>;
@group(0) @binding(8) var<storage, read_write> aux_out: array<f32>;
@group(0) @binding(9) var<storage, read_write> batch_out: array<f32>;

// Chan et al. over the S chunks of channel c: mean and M2 of all N·HW values, in two passes.
fn merge_stats(c: u32, lid: u32) -> vec2f {
  let count = f32(P.N * P.HW);
  var s = 0.0;
  for (var k = lid; k < P.S; k += 256u) { let o = 3u * (c * P.S + k); s = fma(partial_m[o], partial_m[o + 1u], s); }
  let mean = reduce256(lid, s, 0.0).x / count;
  var m2 = 0.0;
  for (var k = lid; k < P.S; k += 256u) {
    let o = 3u * (c * P.S + k);
    let d = partial_m[o + 1u] - mean;
    m2 += partial_m[o + 2u] + partial_m[o] * d * d;
  }
  return vec2f(mean, reduce256(lid, m2, 0.0).x);
}

@compute @workgroup_size(256)
fn bn_apply(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = wid.y;
  let count = P.N * P.HW;
  var ms: vec2f;
  if (TRAIN) {
    let m = merge_stats(c, lid);
    ms = vec2f(m.x, inverseSqrt(m.y / f32(count) + P.eps));
    if (wid.x == 0u && lid == 0u) {
      batch_out[c] = m.x;
      batch_out[P.C + c] = m.y / f32(max(count, 2u) - 1u);
    }
  } else {
    ms = vec2f(running[c], inverseSqrt(running[P.C + c] + P.eps));
  }
  if (wid.x == 0u && lid == 0u) {
    aux_out[c] = ms.x;
    aux_out[P.C + c] = ms.y;
  }
  for (var i = 0u; i < P.E; i++) {
    let t = block_value(wid.x, lid, i);
    if (t >= count) { break; }
    let k = chan_index(c, t);
    var v = bn_y(xa[k], c, ms);
    if (RELU) { v = select(v, 0.0, v <= 0.0); }
    if (DROPOUT) { v = select(0.0, v * P.scale, dropout_keep(S.seed, P.layer, k, P.p)); }
    y[k] = v;
  }
}

// ---- backward ---------------------------------------------------------------------------

// The gradient reaching the BatchNorm output, through Dropout and ReLU.
@group(0) @binding(5) var<storage, read> dy: array<f32>;

fn g_at(k: u32, c: u32, ms: vec2f) -> f32 {
  var g = dy[k];
  if (DROPOUT) { g = select(0.0, g * P.scale, dropout_keep(S.seed, P.layer, k, P.p)); }
  if (RELU) { g = select(0.0, g, bn_y(xa[k], c, ms) > 0.0); }
  return g;
}

// bn_partial_grads: (P, S, x, gamma, beta, dy, aux); per (channel, chunk):
// aux[2C + (c·S + s)·2 + {0, 1}] = {Σg, Σg·x̂}.
@group(0) @binding(6) var<storage, read_write> aux_rw: array<f32>;

@compute @workgroup_size(64)
fn bn_partial_grads(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = wid.x;
  let s = wid.y;
  let n = chunk_len(s);
  let ms = vec2f(aux_rw[c], aux_rw[P.C + c]);
  var sg = 0.0;
  var sgx = 0.0;
  for (var t = lid; t < n; t += 64u) {
    let k = at(c, s, t);
    let g = g_at(k, c, ms);
    sg += g;
    sgx = fma(g, (xa[k] - ms.x) * ms.y, sgx);
  }
  let r = reduce2(lid, sg, sgx);
  if (lid == 0u) {
    aux_rw[2u * P.C + 2u * (c * P.S + s)] = r.x;
    aux_rw[2u * P.C + 2u * (c * P.S + s) + 1u] = r.y;
  }
}

// bn_apply_grad: (P, S, x, gamma, beta, dy, aux, dx, dgamma, dbeta); grid (blocks, C). Each
// workgroup adds its channel's partial sums; block 0 writes dβ = Σg and dγ = Σg·x̂.
@group(0) @binding(6) var<storage, read> aux: array<f32>;
@group(0) @binding(7) var<storage, read_write> dx: array<f32>;
@group(0) @binding(8) var<storage, read_write> dgamma: array<f32>;
@group(0) @binding(9) var<storage, read_write> dbeta: array<f32>;

@compute @workgroup_size(256)
fn bn_apply_grad(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = wid.y;
  var sg = 0.0;
  var sgx = 0.0;
  for (var k = lid; k < P.S; k += 256u) {
    sg += aux[2u * P.C + 2u * (c * P.S + k)];
    sgx += aux[2u * P.C + 2u * (c * P.S + k) + 1u];
  }
  let sums = reduce256(lid, sg, sgx);
  if (wid.x == 0u && lid == 0u) {
    dbeta[c] = sums.x;
    dgamma[c] = sums.y;
  }
  if (!HAS_DX) { return; }
  let ms = vec2f(aux[c], aux[P.C + c]);
  let gi = gamma[c] * ms.y;
  let count = P.N * P.HW;
  let inv_n = 1.0 / f32(count);
  for (var i = 0u; i < P.E; i++) {
    let t = block_value(wid.x, lid, i);
    if (t >= count) { break; }
    let k = chan_index(c, t);
    let g = g_at(k, c, ms);
    if (TRAIN) {
      let xh = (xa[k] - ms.x) * ms.y;
      dx[k] = gi * (g - sums.x * inv_n - xh * sums.y * inv_n);
    } else {
      dx[k] = gi * g;
    }
  }
}
