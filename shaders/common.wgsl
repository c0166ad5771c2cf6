// Shared by several kernel files (the wrappers prepend it to their source; WGSL has no include):
// sentinels, the per-step uniform, the PCG hash behind dropout masks and augmentation, a finite test.

// Sentinels shared by the kernels: "no index yet / none found" (maxpool's argmax before the first
// value, the status words of sgd.wgsl: STATUS_OK on the host) and the lowest finite f32.
const NO_INDEX: u32 = 0xffffffffu;
const F32_LOWEST: f32 = -3.4028234663852886e38;

// Written by the host before each step (see packStep in src/engine/model.ts).
struct Step { seed: u32, index: u32, offset: u32, count: u32, lr: f32, momentum: f32 }

// PCG output hash (O'Neill); a bijection on u32.
fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

// Dropout's mask: element i of layer `layer` at step seed `seed` is kept when u ≥ p, with
// u = (pcg(pcg(seed + pcg(layer)) ^ i) >> 8) / 2^24 (reference: src/engine/reference/dropout.ts).
fn dropout_keep(seed: u32, layer: u32, i: u32, p: f32) -> bool {
  let key = pcg(seed + pcg(layer));
  return f32(pcg(key ^ i) >> 8u) * (1.0 / 16777216.0) >= p;
}

fn finite(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7f800000u) != 0x7f800000u;
}

// Flat index of a thread in a 256-wide workgroup of a grid folded into 2-D (see grid1d).
fn flat256(wid: vec3u, nwg: vec3u, lid: u32) -> u32 {
  return (wid.y * nwg.x + wid.x) * 256u + lid;
}

// ⌈a / b⌉ for a possibly negative a and b > 0, clamped at 0 (the first pooling window holding a cell).
fn ceil_div0(a: i32, b: i32) -> i32 {
  if (a <= 0) { return 0; }
  return (a + b - 1) / b;
}

// log(1 + u) for u ≥ 0, accurate to a few ulp of the result even when u is far below 2^-24:
// WGSL's log may be off by 2^-21 absolute on [0.5, 2], more than a small u itself. Below u = 1
// the series 2·atanh(z), z = u/(2 + u) ≤ 1/3, whose first dropped term is < 2^-26 of the sum.
fn log1p_acc(u: f32) -> f32 {
  if (!(u < 1.0)) { return log(1.0 + u); }
  let z = u / (2.0 + u);
  let q = z * z;
  let t = 1.0 / 13.0 + q * (1.0 / 15.0);
  return 2.0 * z * (1.0 + q * (1.0 / 3.0 + q * (1.0 / 5.0 + q * (1.0 / 7.0 + q * (1.0 / 9.0 + q * (1.0 / 11.0 + q * t))))));
}
