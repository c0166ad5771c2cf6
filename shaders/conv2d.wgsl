// Conv2d, stride 1, zero padding, NCHW activations, OIHW weights; any kernel size.
//   forward          y[n,o,i,j]  = b[o] + Σ_c Σ_p Σ_q x[n,c,i+p-PH,j+q-PW] · w[o,c,p,q]
//   backward_input   dx[n,c,h,v] = Σ_o Σ_p Σ_q dy[n,o,h+PH-p,v+PW-q] · w[o,c,p,q]
//   backward_weight  dw[o,c,p,q] = Σ_n Σ_i Σ_j dy[n,o,i,j] · x[n,c,i+p-PH,j+q-PW]
//   backward_bias    db[o]       = Σ_n Σ_i Σ_j dy[n,o,i,j]
// v3 (v1 and v2 are in shaders/dev/):
//   forward / backward_input: a thread computes 4 neighbouring pixels of a row × 8 channels, so
//     each weight it loads is used 4 times and each input value 8 times.
//   backward_weight: a thread computes all KH×KW weights of one (output, input) channel pair over a
//     chunk of output rows (one dy load serves KH×KW products); the kernel size is a pipeline
//     constant so the accumulators stay in registers. Kernels larger than 7×7 use
//     backward_weight_any, one thread per weight element. A chunk is at most 256 output pixels
//     (v4), whatever the batch; the partial sums per chunk are added by reduce_segments
//     (shaders/reduce.wgsl), one dispatch for all of a step's layers: no atomics, deterministic.
// (common.wgsl is prepended: flat256.)

override HAS_BIAS: bool = false;
override KHc: u32 = 3u;  // backward_weight: the kernel size, fixed per pipeline
override KWc: u32 = 3u;

// Each entry's own parameter block: the geometry, then what that entry adds.
struct ConvParams {                    // forward, forward_stats, backward_input
  N: u32, C: u32, H: u32, W: u32,      // input
  O: u32, OH: u32, OW: u32,            // output
  KH: u32, KW: u32, PH: u32, PW: u32,  // kernel, padding
}

struct ConvSplitParams {               // backward_weight, backward_weight_any, backward_bias
  N: u32, C: u32, H: u32, W: u32, O: u32, OH: u32, OW: u32, KH: u32, KW: u32, PH: u32, PW: u32,
  S: u32, chunk: u32,                  // chunks, output rows (n, i) per chunk
}

struct ConvBackwardParams {            // backward (fused)
  N: u32, C: u32, H: u32, W: u32, O: u32, OH: u32, OW: u32, KH: u32, KW: u32, PH: u32, PW: u32,
  S: u32, chunk: u32,
  G: u32,                              // workgroups of dx per block of 8 input channels
}

// A plan for a GPU takes B = 2, T = 1 for small outputs (ops/conv2d.ts replaces these two lines),
// so that small-spatial layers still launch enough threads.
const B = 8u;  // channels per thread (forward: output channels; backward_input: input channels)
const T = 4u;  // neighbouring pixels of a row per thread

@group(0) @binding(0) var<uniform> P: ConvParams;
@group(0) @binding(0) var<uniform> PS: ConvSplitParams;
@group(0) @binding(0) var<uniform> PB: ConvBackwardParams;

// forward: (P, x, w, y, b); grid: x, y over (image, row, group of 4 columns), z over blocks of 8 output channels.
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read> b: array<f32>;

@compute @workgroup_size(256)
fn conv2d_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                  @builtin(local_invocation_index) lid: u32) {
  let t = flat256(vec3u(wid.xy, 0u), nwg, lid);
  if (t >= P.N * P.OH * ((P.OW + T - 1u) / T)) { return; }
  store_tile(t, wid.z * B, forward_tile(t, wid.z * B));
}

// 4 neighbouring output pixels × 8 output channels of thread t, bias added.
fn forward_tile(t: u32, o0: u32) -> array<array<f32, T>, B> {
  let segs = (P.OW + T - 1u) / T;
  let j0 = (t % segs) * T;
  let i = (t / segs) % P.OH;
  let n = t / (segs * P.OH);
  let kk = P.KH * P.KW;
  var acc: array<array<f32, T>, B>;
  for (var c = 0u; c < P.C; c++) {
    for (var p = 0u; p < P.KH; p++) {
      let h = i32(i + p) - i32(P.PH);
      if (h < 0 || h >= i32(P.H)) { continue; }
      let row = ((n * P.C + c) * P.H + u32(h)) * P.W;
      for (var q = 0u; q < P.KW; q++) {
        var xv: array<f32, T>;
        for (var u = 0u; u < T; u++) {
          let v = i32(j0 + u + q) - i32(P.PW);
          let inside = v >= 0 && v < i32(P.W);
          xv[u] = select(0.0, x[row + u32(clamp(v, 0, i32(P.W) - 1))], inside);
        }
        let wbase = (o0 * P.C + c) * kk + p * P.KW + q;
        for (var k = 0u; k < B; k++) {
          if (o0 + k >= P.O) { break; }
          let wv = w[wbase + k * P.C * kk];
          for (var u = 0u; u < T; u++) { acc[k][u] = fma(xv[u], wv, acc[k][u]); }
        }
      }
    }
  }
  if (HAS_BIAS) {
    for (var k = 0u; k < B; k++) {
      if (o0 + k >= P.O) { break; }
      let bias = b[o0 + k];
      for (var u = 0u; u < T; u++) { acc[k][u] += bias; }
    }
  }
  return acc;
}

fn store_tile(t: u32, o0: u32, acc: array<array<f32, T>, B>) {
  let segs = (P.OW + T - 1u) / T;
  let j0 = (t % segs) * T;
  let i = (t / segs) % P.OH;
  let n = t / (segs * P.OH);
  for (var k = 0u; k < B; k++) {
    let o = o0 + k;
    if (o >= P.O) { break; }
    let base = ((n * P.O + o) * P.OH + i) * P.OW;
    for (var u = 0u; u < T; u++) {
      if (j0 + u < P.OW) { y[base + j0 + u] = acc[k][u]; }
    }
  }
}

// forward_stats: (P, x, w, y, b, stats); forward, and the BatchNorm that follows gets its partial
// statistics from here instead of reading y again: per workgroup (xy index s of S = nwg.x·nwg.y)
// and output channel o, stats[(o·S + s)·3 + {0, 1, 2}] = count, mean and M2 of the workgroup's
// outputs of channel o (two passes over the registers; padding workgroups write count 0).
@group(0) @binding(5) var<storage, read_write> stats: array<f32>;

var<workgroup> red_c: array<array<f32, 256>, B>;  // per channel of the thread's block
var<workgroup> red_n: array<f32, 256>;

// Sums v[k] (k < B) and n over the workgroup into red_c[k][0] and red_n[0].
fn reduce_tile(lid: u32, v: array<f32, B>, n: f32) {
  for (var k = 0u; k < B; k++) { red_c[k][lid] = v[k]; }
  red_n[lid] = n;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (lid < s) {
      for (var k = 0u; k < B; k++) { red_c[k][lid] += red_c[k][lid + s]; }
      red_n[lid] += red_n[lid + s];
    }
    workgroupBarrier();
  }
}

@compute @workgroup_size(256)
fn conv2d_forward_stats(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                        @builtin(local_invocation_index) lid: u32) {
  let segs = (P.OW + T - 1u) / T;
  let t = flat256(vec3u(wid.xy, 0u), nwg, lid);
  let o0 = wid.z * B;
  let valid = t < P.N * P.OH * segs;
  var acc: array<array<f32, T>, B>;
  var cnt = 0.0;
  if (valid) {
    acc = forward_tile(t, o0);
    store_tile(t, o0, acc);
    cnt = f32(min(T, P.OW - (t % segs) * T));
  }
  var s: array<f32, B>;
  for (var k = 0u; k < B; k++) {
    for (var u = 0u; u < T; u++) { if (f32(u) < cnt) { s[k] += acc[k][u]; } }
  }
  reduce_tile(lid, s, cnt);
  let n = red_n[0];
  let inv = select(0.0, 1.0 / n, n > 0.0);
  var mean: array<f32, B>;
  for (var k = 0u; k < B; k++) { mean[k] = red_c[k][0] * inv; }
  workgroupBarrier();  // every thread has read the sums before they are overwritten
  var m: array<f32, B>;
  for (var k = 0u; k < B; k++) {
    for (var u = 0u; u < T; u++) {
      if (f32(u) < cnt) { let d = acc[k][u] - mean[k]; m[k] = fma(d, d, m[k]); }
    }
  }
  reduce_tile(lid, m, 0.0);
  if (lid < B && o0 + lid < P.O) {
    let S = nwg.x * nwg.y;
    let o = 3u * ((o0 + lid) * S + wid.y * nwg.x + wid.x);
    stats[o] = n;
    stats[o + 1u] = mean[lid];
    stats[o + 2u] = red_c[lid][0];
  }
}

// conv1x1_pool: (PP, x, w, y, b, arg); a 1×1 convolution followed by a K×K max pool (stride K,
// floor): y[n,o,i,j] = max over the window of the convolution's outputs, which are never stored;
// arg[n,o,i,j] = the flat index of the winner in the convolution's [N, O, H, W] output (first
// maximum; NaN wins), as maxpool_forward keeps it. One thread per (image, pooled pixel) × 8
// output channels (grid z).
struct ConvPoolParams { N: u32, C: u32, H: u32, W: u32, O: u32, K: u32, POH: u32, POW: u32 }

@group(0) @binding(0) var<uniform> PP: ConvPoolParams;
@group(0) @binding(5) var<storage, read_write> arg_out: array<u32>;

@compute @workgroup_size(256)
fn conv1x1_pool(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                @builtin(local_invocation_index) lid: u32) {
  let t = flat256(vec3u(wid.xy, 0u), nwg, lid);
  if (t >= PP.N * PP.POH * PP.POW) { return; }
  let o0 = wid.z * B;
  let j = t % PP.POW;
  let i = (t / PP.POW) % PP.POH;
  let n = t / (PP.POW * PP.POH);
  let hw = PP.H * PP.W;
  var best: array<f32, B>;
  var besti: array<u32, B>;
  for (var k = 0u; k < B; k++) { besti[k] = NO_INDEX; best[k] = F32_LOWEST; }
  for (var p = 0u; p < PP.K; p++) {
    for (var q = 0u; q < PP.K; q++) {
      let pix = (i * PP.K + p) * PP.W + j * PP.K + q;
      var acc: array<f32, B>;
      for (var k = 0u; k < B; k++) { acc[k] = 0.0; }  // each window pixel starts from zero
      for (var c = 0u; c < PP.C; c++) {
        let xv = x[(n * PP.C + c) * hw + pix];
        for (var k = 0u; k < B; k++) {
          if (o0 + k >= PP.O) { break; }
          acc[k] = fma(xv, w[(o0 + k) * PP.C + c], acc[k]);
        }
      }
      for (var k = 0u; k < B; k++) {
        if (o0 + k >= PP.O) { break; }
        var v = acc[k];
        if (HAS_BIAS) { v += b[o0 + k]; }
        if (besti[k] == NO_INDEX || v > best[k] || v != v) {
          best[k] = v;
          besti[k] = (n * PP.O + o0 + k) * hw + pix;
        }
      }
    }
  }
  for (var k = 0u; k < B; k++) {
    let o = o0 + k;
    if (o >= PP.O) { break; }
    let oi = ((n * PP.O + o) * PP.POH + i) * PP.POW + j;
    y[oi] = best[k];
    arg_out[oi] = besti[k];
  }
}

// backward_input: (P, dy, w, dx); grid: x, y over (image, row, group of 4 columns) of the input,
// z over blocks of 8 input channels.
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

// The gradient at flat output index k. Where the convolution feeds a max pool computed with it
// (conv1x1_pool), ops/conv2d.ts swaps this function for shaders/conv2d_unpool.wgsl's, which reads
// the pool's gradient and routes it to each window's maximum.
fn dy_at(k: u32) -> f32 { return dy[k]; }

@compute @workgroup_size(256)
fn conv2d_backward_input(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                         @builtin(local_invocation_index) lid: u32) {
  let t = flat256(vec3u(wid.xy, 0u), nwg, lid);
  if (t >= P.N * P.H * ((P.W + T - 1u) / T)) { return; }
  input_grad(P, t, wid.z * B);
}

// dx for thread t of (image, row, group of 4 columns), input channels c0..c0+7.
fn input_grad(g: ConvParams, t: u32, c0: u32) {
  let segs = (g.W + T - 1u) / T;
  let v0 = (t % segs) * T;
  let h = (t / segs) % g.H;
  let n = t / (segs * g.H);
  let kk = g.KH * g.KW;
  var acc: array<array<f32, T>, B>;
  for (var o = 0u; o < g.O; o++) {
    for (var p = 0u; p < g.KH; p++) {
      let i = i32(h + g.PH) - i32(p);
      if (i < 0 || i >= i32(g.OH)) { continue; }
      let row = ((n * g.O + o) * g.OH + u32(i)) * g.OW;
      for (var q = 0u; q < g.KW; q++) {
        var gv: array<f32, T>;
        for (var u = 0u; u < T; u++) {
          let j = i32(v0 + u + g.PW) - i32(q);
          let inside = j >= 0 && j < i32(g.OW);
          gv[u] = select(0.0, dy_at(row + u32(clamp(j, 0, i32(g.OW) - 1))), inside);
        }
        let wbase = (o * g.C + c0) * kk + p * g.KW + q;
        for (var k = 0u; k < B; k++) {
          if (c0 + k >= g.C) { break; }
          let wv = w[wbase + k * kk];
          for (var u = 0u; u < T; u++) { acc[k][u] = fma(gv[u], wv, acc[k][u]); }
        }
      }
    }
  }
  for (var k = 0u; k < B; k++) {
    let c = c0 + k;
    if (c >= g.C) { break; }
    let base = ((n * g.C + c) * g.H + h) * g.W;
    for (var u = 0u; u < T; u++) {
      if (v0 + u < g.W) { dx[base + v0 + u] = acc[k][u]; }
    }
  }
}

// backward_weight: (P, dy, -, -, x, partial); one thread per (output channel o, input channel c, chunk s):
// partial[s·nw + ((o·C + c)·KH + p)·KW + q] over output rows [s·chunk, (s+1)·chunk) of the N·OH rows.
@group(0) @binding(4) var<storage, read> x_saved: array<f32>;
@group(0) @binding(5) var<storage, read_write> partial: array<f32>;

@compute @workgroup_size(256)
fn conv2d_backward_weight(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                          @builtin(local_invocation_index) lid: u32) {
  let t = flat256(wid, nwg, lid);
  if (t >= PS.O * PS.C * PS.S) { return; }
  weight_grad(PS, t);
}

// backward (fused): (P, dy, w, dx, x, partial); dx and dw's first stage in one dispatch, which
// share nothing but dy: workgroups [0, G·⌈C/8⌉) compute dx as backward_input does, the rest the
// weight partials as backward_weight does (no barriers, so a workgroup may take either branch).
@compute @workgroup_size(256)
fn conv2d_backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                   @builtin(local_invocation_index) lid: u32) {
  let g = wid.y * nwg.x + wid.x;
  let dxg = PB.G * ((PB.C + B - 1u) / B);
  if (g < dxg) {
    let t = (g % PB.G) * 256u + lid;
    let geom = ConvParams(PB.N, PB.C, PB.H, PB.W, PB.O, PB.OH, PB.OW, PB.KH, PB.KW, PB.PH, PB.PW);
    if (t < PB.N * PB.H * ((PB.W + T - 1u) / T)) { input_grad(geom, t, (g / PB.G) * B); }
  } else {
    let t = (g - dxg) * 256u + lid;
    let split = ConvSplitParams(PB.N, PB.C, PB.H, PB.W, PB.O, PB.OH, PB.OW, PB.KH, PB.KW, PB.PH, PB.PW, PB.S, PB.chunk);
    if (t < PB.O * PB.C * PB.S) { weight_grad(split, t); }
  }
}

// The KH×KW weight partials of thread t = (chunk s, channel pair (o, c)).
fn weight_grad(ps: ConvSplitParams, t: u32) {
  let pairs = ps.O * ps.C;
  let oc = t % pairs;
  let s = t / pairs;
  let o = oc / ps.C;
  let c = oc % ps.C;
  var acc: array<f32, 49>;
  let end = min(ps.N * ps.OH, (s + 1u) * ps.chunk);
  for (var r = s * ps.chunk; r < end; r++) {
    let n = r / ps.OH;
    let i = r % ps.OH;
    let ybase = ((n * ps.O + o) * ps.OH + i) * ps.OW;
    for (var j = 0u; j < ps.OW; j++) {
      let g = dy_at(ybase + j);
      for (var p = 0u; p < KHc; p++) {
        let h = i32(i + p) - i32(ps.PH);
        if (h < 0 || h >= i32(ps.H)) { continue; }
        let xrow = ((n * ps.C + c) * ps.H + u32(h)) * ps.W;
        for (var q = 0u; q < KWc; q++) {
          let v = i32(j + q) - i32(ps.PW);
          if (v < 0 || v >= i32(ps.W)) { continue; }
          acc[p * KWc + q] = fma(g, x_saved[xrow + u32(v)], acc[p * KWc + q]);
        }
      }
    }
  }
  let nw = pairs * KHc * KWc;
  for (var k = 0u; k < KHc * KWc; k++) { partial[s * nw + oc * KHc * KWc + k] = acc[k]; }
}

// backward_weight_any: (P, dy, -, -, x, partial); kernels larger than 7×7: one thread per (weight
// element e, chunk s), partial[s·nw + e].
@compute @workgroup_size(256)
fn conv2d_backward_weight_any(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                              @builtin(local_invocation_index) lid: u32) {
  let nw = PS.O * PS.C * PS.KH * PS.KW;
  let t = flat256(wid, nwg, lid);
  if (t >= nw * PS.S) { return; }
  let e = t % nw;
  let s = t / nw;
  let q = e % PS.KW;
  let p = (e / PS.KW) % PS.KH;
  let c = (e / (PS.KW * PS.KH)) % PS.C;
  let o = e / (PS.KW * PS.KH * PS.C);
  // Output columns j whose input column j + q - PW is inside the image.
  let j0 = u32(max(0, i32(PS.PW) - i32(q)));
  let j1 = u32(clamp(i32(PS.W) + i32(PS.PW) - i32(q), 0, i32(PS.OW)));
  let end = min(PS.N * PS.OH, (s + 1u) * PS.chunk);
  var acc = 0.0;
  for (var row = s * PS.chunk; row < end; row++) {
    let n = row / PS.OH;
    let i = row % PS.OH;
    let h = i32(i + p) - i32(PS.PH);
    if (h < 0 || h >= i32(PS.H)) { continue; }
    let ybase = ((n * PS.O + o) * PS.OH + i) * PS.OW;
    let xbase = ((n * PS.C + c) * PS.H + u32(h)) * PS.W + q - PS.PW;  // wraps below 0 only for j < j0
    for (var j = j0; j < j1; j++) {
      acc = fma(dy_at(ybase + j), x_saved[xbase + j], acc);
    }
  }
  partial[s * nw + e] = acc;
}

// backward_bias: (P, dy, partial); one thread per (output channel o, chunk s).
@group(0) @binding(2) var<storage, read_write> partial_b: array<f32>;

@compute @workgroup_size(256)
fn conv2d_backward_bias(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                        @builtin(local_invocation_index) lid: u32) {
  let t = flat256(wid, nwg, lid);
  if (t >= PS.O * PS.S) { return; }
  let o = t % PS.O;
  let s = t / PS.O;
  let end = min(PS.N * PS.OH, (s + 1u) * PS.chunk);
  var acc = 0.0;
  for (var row = s * PS.chunk; row < end; row++) {
    let base = (((row / PS.OH) * PS.O + o) * PS.OH + row % PS.OH) * PS.OW;
    for (var j = 0u; j < PS.OW; j++) { acc += dy_at(base + j); }
  }
  partial_b[s * PS.O + o] = acc;
}
