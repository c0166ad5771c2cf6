// The classifier head as one unit: AdaptiveAvgPool2d(1) → 1×1 Conv2d (or Flatten → Linear) →
// LogSoftmax, per sample n:
//   pooled[n,c] = mean_hw x[n,c,:];  z[n,o] = b[o] + Σ_c W[o,c]·pooled[n,c];  y = log_softmax(z)
//   backward, from dy = ∂L/∂y (the loss kernel's output):
//     dz[n,o] = dy[n,o] − exp(y[n,o])·Σ_o' dy[n,o']
// with loss.wgsl's care for a sure sample: y = (z − m) − log1p(Σ_{o≠a} exp(z_o − m)) and, at the
// argmax a, dz = dy_a·Σ_{o≠a} p_o − p_a·Σ_{o≠a} dy_o (never 1 − p_a by subtraction).
//     dx[n,c,hw] = Σ_o dz[n,o]·W[o,c] / HW;   dW[o,c] = Σ_n dz[n,o]·pooled[n,c];   db[o] = Σ_n dz[n,o]
// A workgroup takes SPW samples (SPW·max(C, O) ≤ 256) through every stage in workgroup memory;
// the weight and bias gradients leave as one partial sum per workgroup, added by reduce_segments.
// One dispatch forward, one backward (instead of gap, conv, log_softmax and their backward with
// the conv's weight gradient: 3 + 4).

// (common.wgsl is prepended: log1p_acc.)

override HAS_BIAS: bool = false;

struct HeadParams { N: u32, C: u32, HW: u32, O: u32, SPW: u32 }
struct HeadGradParams { N: u32, C: u32, HW: u32, O: u32, SPW: u32 }

var<workgroup> sp: array<f32, 256>;  // pooled values of the workgroup's samples, [SPW, C]
var<workgroup> sz: array<f32, 256>;  // logits (forward) or their gradient (backward), [SPW, O]
var<workgroup> sd: array<f32, 256>;  // backward: ∂L/∂pooled / HW, [SPW, C]

// head_forward: (P, x, w, b, pooled, y)
@group(0) @binding(0) var<uniform> P: HeadParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> pooled: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(256)
fn head_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                @builtin(local_invocation_index) lid: u32) {
  let n0 = (wid.y * nwg.x + wid.x) * P.SPW;
  if (lid < P.SPW * P.C) {
    let n = n0 + lid / P.C;
    let c = lid % P.C;
    var s = 0.0;
    if (n < P.N) {
      let base = (n * P.C + c) * P.HW;
      for (var t = 0u; t < P.HW; t++) { s += x[base + t]; }
      s = s / f32(P.HW);
      pooled[n * P.C + c] = s;
    }
    sp[lid] = s;
  }
  workgroupBarrier();
  if (lid < P.SPW * P.O) {
    let j = lid / P.O;
    let o = lid % P.O;
    var a = 0.0;
    for (var c = 0u; c < P.C; c++) { a = fma(sp[j * P.C + c], w[o * P.C + c], a); }
    if (HAS_BIAS) { a += b[o]; }
    sz[lid] = a;
  }
  workgroupBarrier();
  if (lid < P.SPW * P.O) {
    let j = lid / P.O;
    let n = n0 + j;
    if (n < P.N) {
      let r = j * P.O;
      var a = 0u;
      for (var k = 1u; k < P.O; k++) { if (sz[r + k] > sz[r + a]) { a = k; } }
      let m = sz[r + a];
      var u = 0.0;
      for (var k = 0u; k < P.O; k++) { if (k != a) { u += exp(sz[r + k] - m); } }
      y[n * P.O + lid % P.O] = (sz[lid] - m) - log1p_acc(u);
    }
  }
}

// head_backward: (Q, dy, y, pooled, w, dx, partial_w [S, O, C], partial_b [S, O]); S = workgroups.
@group(0) @binding(0) var<uniform> Q: HeadGradParams;
@group(0) @binding(1) var<storage, read> dlogp: array<f32>;
@group(0) @binding(2) var<storage, read> logp: array<f32>;
@group(0) @binding(3) var<storage, read> pooled_in: array<f32>;
@group(0) @binding(4) var<storage, read> w_in: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;
@group(0) @binding(6) var<storage, read_write> partial_w: array<f32>;
@group(0) @binding(7) var<storage, read_write> partial_b: array<f32>;

@compute @workgroup_size(256)
fn head_backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                 @builtin(local_invocation_index) lid: u32) {
  let g = wid.y * nwg.x + wid.x;
  let n0 = g * Q.SPW;
  if (lid < Q.SPW * Q.O) {
    let n = n0 + lid / Q.O;
    var d = 0.0;
    if (n < Q.N) {
      let r = n * Q.O;
      var a = 0u;
      for (var k = 1u; k < Q.O; k++) { if (logp[r + k] > logp[r + a]) { a = k; } }
      var s = 0.0;
      var sa = 0.0;
      var t = 0.0;
      for (var k = 0u; k < Q.O; k++) {
        s += dlogp[r + k];
        if (k != a) { sa += dlogp[r + k]; t += exp(logp[r + k]); }
      }
      let o = lid % Q.O;
      let p = exp(logp[r + o]);
      d = select(dlogp[r + o] - p * s, dlogp[r + o] * t - p * sa, o == a);
    }
    sz[lid] = d;
  }
  if (lid < Q.SPW * Q.C) {
    let n = n0 + lid / Q.C;
    sp[lid] = select(0.0, pooled_in[min(n, Q.N - 1u) * Q.C + lid % Q.C], n < Q.N);
  }
  workgroupBarrier();
  if (lid < Q.SPW * Q.C) {
    let j = lid / Q.C;
    let c = lid % Q.C;
    var a = 0.0;
    for (var o = 0u; o < Q.O; o++) { a = fma(sz[j * Q.O + o], w_in[o * Q.C + c], a); }
    sd[lid] = a / f32(Q.HW);
  }
  let nw = Q.O * Q.C;
  for (var e = lid; e < nw; e += 256u) {
    let o = e / Q.C;
    let c = e % Q.C;
    var a = 0.0;
    for (var j = 0u; j < Q.SPW; j++) { a = fma(sz[j * Q.O + o], sp[j * Q.C + c], a); }
    partial_w[g * nw + e] = a;
  }
  if (HAS_BIAS) {
    for (var o = lid; o < Q.O; o += 256u) {
      var a = 0.0;
      for (var j = 0u; j < Q.SPW; j++) { a += sz[j * Q.O + o]; }
      partial_b[g * Q.O + o] = a;
    }
  }
  workgroupBarrier();
  let per = Q.C * Q.HW;
  let count = min(Q.SPW, Q.N - min(n0, Q.N)) * per;
  for (var e = lid; e < count; e += 256u) { dx[n0 * per + e] = sd[e / Q.HW]; }
}
