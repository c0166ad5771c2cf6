// Batch assembly on the GPU, from the whole data set kept resident as uint8:
//   gather sample order[offset + b] → (train) RandomApply(CenterCrop(C) + Resize(28), p) then
//   RandomRotation(±max_angle), one affine map sampled bilinearly with zero fill → Normalize.
// One thread per output pixel; the thread for pixel 0 also writes the label.
// The per-sample random numbers come from the step seed, so a step can be replayed exactly.

// (common.wgsl is prepended: Step, pcg.)

struct Params { N: u32, train: u32, crop: u32, side: u32, max_angle: f32, crop_p: f32, mean: f32, inv_std: f32 }

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<uniform> S: Step;
@group(0) @binding(2) var<storage, read> images: array<u32>;  // uint8 pixels, 4 per word
@group(0) @binding(3) var<storage, read> labels: array<u32>;
@group(0) @binding(4) var<storage, read> order: array<u32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
@group(0) @binding(6) var<storage, read_write> out_labels: array<u32>;

fn unit(h: u32) -> f32 {
  return f32(h >> 8u) * (1.0 / 16777216.0);
}

fn pixel(base: u32, x: i32, y: i32) -> f32 {
  let side = i32(P.side);
  if (x < 0 || y < 0 || x >= side || y >= side) { return 0.0; }
  let k = base + u32(y * side + x);
  return f32((images[k >> 2u] >> ((k & 3u) * 8u)) & 0xffu);
}

@compute @workgroup_size(256)
fn augment(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
           @builtin(local_invocation_index) lid: u32) {
  let area = P.side * P.side;
  let t = (wid.y * nwg.x + wid.x) * 256u + lid;
  if (t >= P.N * area) { return; }
  let b = t / area;
  let k = t % area;
  let src = order[S.offset + b];
  let base = src * area;
  if (k == 0u) { out_labels[b] = labels[src]; }
  var v: f32;
  if (P.train == 0u) {
    v = pixel(base, i32(k % P.side), i32(k / P.side));
  } else {
    let key = pcg(S.seed ^ 0x2545f491u);
    let angle = (2.0 * unit(pcg(key ^ (2u * b))) - 1.0) * P.max_angle;
    let crop = unit(pcg(key ^ (2u * b + 1u))) < P.crop_p;
    let side = f32(P.side);
    let c = 0.5 * side;
    // Output pixel centre, rotated back into the pre-rotation image (continuous coordinates).
    let px = f32(k % P.side) + 0.5 - c;
    let py = f32(k / P.side) + 0.5 - c;
    let cs = cos(angle);
    let sn = sin(angle);
    var qx = cs * px - sn * py + c;
    var qy = sn * px + cs * py + c;
    if (crop) {
      // The pre-rotation image is the centre crop of size C resized to side × side.
      let s = f32(P.crop) / side;
      let off = 0.5 * (side - f32(P.crop));
      qx = off + qx * s;
      qy = off + qy * s;
    }
    let ux = qx - 0.5;
    let uy = qy - 0.5;
    let x0 = floor(ux);
    let y0 = floor(uy);
    let fx = ux - x0;
    let fy = uy - y0;
    let ix = i32(x0);
    let iy = i32(y0);
    v = mix(mix(pixel(base, ix, iy), pixel(base, ix + 1, iy), fx),
            mix(pixel(base, ix, iy + 1), pixel(base, ix + 1, iy + 1), fx), fy);
  }
  out[t] = (v * (1.0 / 255.0) - P.mean) * P.inv_std;
}
