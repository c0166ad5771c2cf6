// Conv2d with stride (SH, SW), dilation (DH, DW) and groups G, zero padding, NCHW / OIHW with
// weights [O, C/G, KH, KW]; a plan uses it only where one of them is not 1 (conv2d.wgsl and
// gemm_conv2d.wgsl keep the common case). Output channel o sees input channels of its group
// g = o / (O/G): c = g·(C/G) + cg. Output (i, j)'s tap (p, q) reads input (i·SH + p·DH − PH, j·SW + q·DW − PW).
//   forward          y[n,o,i,j]   = b[o] + Σ_cg Σ_p Σ_q x[n,c,i·SH+p·DH−PH, j·SW+q·DW−PW] · w[o,cg,p,q]
//   backward_input   dx[n,c,h,v]  = Σ_{o in c's group} Σ_p Σ_q dy[n,o,i,j] · w[o,cg,p,q] over the (i, j)
//                    with i·SH = h + PH − p·DH (j likewise): a gather, one thread per input element, no atomics.
//   backward_weight  dw[o,cg,p,q] = Σ_n Σ_i Σ_j dy[n,o,i,j] · x[n,c,…]: one thread per weight element
//                    and chunk of `chunk` output rows (n, i); the chunks' partial sums are added by
//                    reduce_segments (shaders/reduce.wgsl), deterministic.
// Per thread: C/G·KH·KW products (forward), O/G·KH·KW taps (backward_input), chunk·OW (weight).
// (common.wgsl is prepended: flat256.)

override HAS_BIAS: bool = false;

struct GeneralParams {                  // forward, backward_input
  N: u32, C: u32, H: u32, W: u32,       // input
  O: u32, OH: u32, OW: u32,             // output
  KH: u32, KW: u32, PH: u32, PW: u32,   // kernel, padding
  SH: u32, SW: u32, DH: u32, DW: u32,   // stride, dilation
  G: u32,                               // groups
}

struct GeneralSplitParams {             // backward_weight
  N: u32, C: u32, H: u32, W: u32, O: u32, OH: u32, OW: u32, KH: u32, KW: u32, PH: u32, PW: u32,
  SH: u32, SW: u32, DH: u32, DW: u32, G: u32,
  S: u32, chunk: u32,                   // chunks, output rows (n, i) per chunk
}

@group(0) @binding(0) var<uniform> P: GeneralParams;
@group(0) @binding(0) var<uniform> PS: GeneralSplitParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read> b: array<f32>;
@group(0) @binding(5) var<storage, read> dy: array<f32>;
@group(0) @binding(6) var<storage, read_write> dx: array<f32>;
@group(0) @binding(7) var<storage, read_write> partial: array<f32>;

@compute @workgroup_size(256)
fn conv2d_general_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                          @builtin(local_invocation_index) lid: u32) {
  let t = flat256(wid, nwg, lid);
  if (t >= P.N * P.O * P.OH * P.OW) { return; }
  let j = t % P.OW;
  let i = (t / P.OW) % P.OH;
  let o = (t / (P.OW * P.OH)) % P.O;
  let n = t / (P.OW * P.OH * P.O);
  let Cg = P.C / P.G;
  let c0 = (o / (P.O / P.G)) * Cg;
  let h0 = i32(i * P.SH) - i32(P.PH);
  let v0 = i32(j * P.SW) - i32(P.PW);
  var acc = 0.0;
  if (HAS_BIAS) { acc = b[o]; }
  for (var cg = 0u; cg < Cg; cg++) {
    let xc = (n * P.C + c0 + cg) * P.H;
    let wc = (o * Cg + cg) * P.KH;
    for (var p = 0u; p < P.KH; p++) {
      let h = h0 + i32(p * P.DH);
      if (h < 0 || h >= i32(P.H)) { continue; }
      for (var q = 0u; q < P.KW; q++) {
        let v = v0 + i32(q * P.DW);
        if (v < 0 || v >= i32(P.W)) { continue; }
        acc += x[(xc + u32(h)) * P.W + u32(v)] * w[(wc + p) * P.KW + q];
      }
    }
  }
  y[t] = acc;
}

/** Output index i·S = t (t = h + PH − p·D): i when t ≥ 0 is a multiple of S below OUT·S, else -1. */
fn tap(t: i32, S: u32, OUT: u32) -> i32 {
  if (t < 0 || u32(t) % S != 0u) { return -1; }
  let i = u32(t) / S;
  return select(-1, i32(i), i < OUT);
}

@compute @workgroup_size(256)
fn conv2d_general_backward_input(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                                 @builtin(local_invocation_index) lid: u32) {
  let t = flat256(wid, nwg, lid);
  if (t >= P.N * P.C * P.H * P.W) { return; }
  let v = t % P.W;
  let h = (t / P.W) % P.H;
  let c = (t / (P.W * P.H)) % P.C;
  let n = t / (P.W * P.H * P.C);
  let Cg = P.C / P.G;
  let Og = P.O / P.G;
  let o0 = (c / Cg) * Og;
  let cg = c % Cg;
  var g = 0.0;
  for (var p = 0u; p < P.KH; p++) {
    let i = tap(i32(h + P.PH) - i32(p * P.DH), P.SH, P.OH);
    if (i < 0) { continue; }
    for (var q = 0u; q < P.KW; q++) {
      let j = tap(i32(v + P.PW) - i32(q * P.DW), P.SW, P.OW);
      if (j < 0) { continue; }
      for (var og = 0u; og < Og; og++) {
        let o = o0 + og;
        g += dy[((n * P.O + o) * P.OH + u32(i)) * P.OW + u32(j)] * w[((o * Cg + cg) * P.KH + p) * P.KW + q];
      }
    }
  }
  dx[t] = g;
}

@compute @workgroup_size(256)
fn conv2d_general_backward_weight(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                                  @builtin(local_invocation_index) lid: u32) {
  let Cg = PS.C / PS.G;
  let nw = PS.O * Cg * PS.KH * PS.KW;
  let t = flat256(wid, nwg, lid);
  if (t >= nw * PS.S) { return; }
  let e = t % nw;
  let s = t / nw;
  let q = e % PS.KW;
  let p = (e / PS.KW) % PS.KH;
  let cg = (e / (PS.KW * PS.KH)) % Cg;
  let o = e / (PS.KW * PS.KH * Cg);
  let c = (o / (PS.O / PS.G)) * Cg + cg;
  var acc = 0.0;
  let r1 = min((s + 1u) * PS.chunk, PS.N * PS.OH);
  for (var r = s * PS.chunk; r < r1; r++) {
    let n = r / PS.OH;
    let i = r % PS.OH;
    let h = i32(i * PS.SH + p * PS.DH) - i32(PS.PH);
    if (h < 0 || h >= i32(PS.H)) { continue; }
    let xr = ((n * PS.C + c) * PS.H + u32(h)) * PS.W;
    let yr = ((n * PS.O + o) * PS.OH + i) * PS.OW;
    for (var j = 0u; j < PS.OW; j++) {
      let v = i32(j * PS.SW + q * PS.DW) - i32(PS.PW);
      if (v < 0 || v >= i32(PS.W)) { continue; }
      acc += dy[yr + j] * x[xr + u32(v)];
    }
  }
  partial[s * nw + e] = acc;
}
