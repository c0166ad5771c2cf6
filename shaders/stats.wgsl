// Training dynamics, reduced on the GPU inside the step: for each parameter tensor ("slot") of
// the flat buffers, Σ g², Σ w² and Σ v² (v: the momentum buffer, so the step's update is lr·v).
//   slot_norms   one workgroup per slot, 256 threads striding over it, a tree sum at the end;
//                out[3·k + 0..2] = (Σ g², Σ w², Σ v²) of slot k
// One dispatch for the whole model; the host reads `out` once every few steps.

struct NormParams { count: u32 }

@group(0) @binding(0) var<uniform> P: NormParams;
@group(0) @binding(1) var<storage, read> slots: array<vec2u>;   // (offset, size) in floats
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read> w: array<f32>;
@group(0) @binding(4) var<storage, read> v: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;

var<workgroup> sg: array<f32, 256>;
var<workgroup> sw: array<f32, 256>;
var<workgroup> sv: array<f32, 256>;

@compute @workgroup_size(256)
fn slot_norms(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let k = wid.x;
  if (k >= P.count) { return; }
  let s = slots[k];
  var a = 0.0;
  var b = 0.0;
  var c = 0.0;
  for (var i = lid; i < s.y; i += 256u) {
    let j = s.x + i;
    a = fma(g[j], g[j], a);
    b = fma(w[j], w[j], b);
    c = fma(v[j], v[j], c);
  }
  sg[lid] = a;
  sw[lid] = b;
  sv[lid] = c;
  workgroupBarrier();
  for (var h = 128u; h > 0u; h >>= 1u) {
    if (lid < h) {
      sg[lid] += sg[lid + h];
      sw[lid] += sw[lid + h];
      sv[lid] += sv[lid + h];
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    out[3u * k] = sg[0];
    out[3u * k + 1u] = sw[0];
    out[3u * k + 2u] = sv[0];
  }
}
