// Heads and losses.
//   log_softmax  y[b,:] = (x[b,:] - m) - log1p(u),  m = x[b,a] the row's max (a its first index),
//                u = Σ_{c≠a} exp(x[b,c] - m);  dx = dy - exp(y)·Σ dy, at a as dy_a·T - p_a·Σ_{c≠a} dy_c
//                with T = Σ_{c≠a} p_c = 1 - p_a. A sure row (p_a = 1 - 1e-7 rounds to 1) keeps its
//                tail that way: m + log(Σ exp) would lose u below log's error, and dy_a - p_a·dy_a
//                cancel to 0 where the true gradient is -T·dy_a.
//   nll          L = -(1/B) Σ_b y[b, t_b];  dy[b,c] = -1/B at c = t_b, else 0; also counts
//                argmax(y[b,:]) == t_b and adds (L·B, correct, B) to the running `stats`
//   half_sse     E = Σ ½(t - y)² over batch and outputs;  dy = y - t
// Both losses write L to out[0] and raise status[1] when L is NaN/Inf; nll puts the first sample
// whose label is ≥ C in status[5] (see sgd.wgsl for the status layout).

// (common.wgsl is prepended: finite, log1p_acc.)

struct Params { B: u32, C: u32 }

@group(0) @binding(0) var<uniform> P: Params;

// log_softmax forward: (P, x, y); backward: (P, y, dy, dx). One thread per row.
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn log_softmax_forward(@builtin(global_invocation_id) gid: vec3u) {
  let b = gid.x;
  if (b >= P.B) { return; }
  let base = b * P.C;
  var a = 0u;
  for (var c = 1u; c < P.C; c++) { if (x[base + c] > x[base + a]) { a = c; } }
  let m = x[base + a];
  var u = 0.0;
  for (var c = 0u; c < P.C; c++) { if (c != a) { u += exp(x[base + c] - m); } }
  let l = log1p_acc(u);
  for (var c = 0u; c < P.C; c++) { y[base + c] = (x[base + c] - m) - l; }
}

@group(0) @binding(1) var<storage, read> y_saved: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(64)
fn log_softmax_backward(@builtin(global_invocation_id) gid: vec3u) {
  let b = gid.x;
  if (b >= P.B) { return; }
  let base = b * P.C;
  var a = 0u;
  for (var c = 1u; c < P.C; c++) { if (y_saved[base + c] > y_saved[base + a]) { a = c; } }
  var s = 0.0;   // Σ dy
  var sa = 0.0;  // Σ_{c≠a} dy
  var t = 0.0;   // Σ_{c≠a} p = 1 - p_a without the cancellation
  for (var c = 0u; c < P.C; c++) {
    s += dy[base + c];
    if (c != a) { sa += dy[base + c]; t += exp(y_saved[base + c]); }
  }
  for (var c = 0u; c < P.C; c++) {
    let p = exp(y_saved[base + c]);
    dx[base + c] = select(dy[base + c] - p * s, dy[base + c] * t - p * sa, c == a);
  }
}

var<workgroup> red: array<f32, 256>;
var<workgroup> hits: array<u32, 256>;

// nll: (P, logp, labels, dlogp, out, stats, status), one workgroup.
@group(0) @binding(1) var<storage, read> logp: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read_write> dlogp: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<storage, read_write> stats: array<f32>;
@group(0) @binding(6) var<storage, read_write> status: array<atomic<u32>>;

@compute @workgroup_size(256)
fn nll_loss(@builtin(local_invocation_index) lid: u32) {
  let g = -1.0 / f32(P.B);
  var s = 0.0;
  var right = 0u;
  for (var b = lid; b < P.B; b += 256u) {
    let base = b * P.C;
    let t = labels[b];
    // A label with no output to match is refused (status[5], the step is not applied), never clamped.
    if (t >= P.C) { atomicMin(&status[5], b); }
    if (t < P.C) { s += logp[base + t]; }
    var best = 0u;
    for (var c = 0u; c < P.C; c++) {
      dlogp[base + c] = select(0.0, g, c == t);
      if (logp[base + c] > logp[base + best]) { best = c; }
    }
    if (best == t) { right++; }
  }
  red[lid] = s;
  hits[lid] = right;
  workgroupBarrier();
  for (var k = 128u; k > 0u; k >>= 1u) {
    if (lid < k) { red[lid] += red[lid + k]; hits[lid] += hits[lid + k]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let loss = -red[0] / f32(P.B);
    out[0] = loss;
    stats[0] -= red[0];  // L·B
    stats[1] += f32(hits[0]);
    stats[2] += f32(P.B);
    if (!finite(loss)) { atomicStore(&status[1], 1u); }
  }
}

// half_sse: (P, y, target, dy, out, status), one workgroup; C = outputs per row.
@group(0) @binding(1) var<storage, read> pred: array<f32>;
@group(0) @binding(2) var<storage, read> goal: array<f32>;
@group(0) @binding(3) var<storage, read_write> dpred: array<f32>;
@group(0) @binding(5) var<storage, read_write> sse_status: array<u32>;

@compute @workgroup_size(256)
fn half_sse_loss(@builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var k = lid; k < P.B * P.C; k += 256u) {
    let d = pred[k] - goal[k];
    dpred[k] = d;
    s = fma(0.5 * d, d, s);
  }
  red[lid] = s;
  workgroupBarrier();
  for (var k = 128u; k > 0u; k >>= 1u) {
    if (lid < k) { red[lid] += red[lid + k]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    out[0] = red[0];
    if (!finite(red[0])) { sse_status[1] = 1u; }
  }
}
