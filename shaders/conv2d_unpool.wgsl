// Replaces conv2d.wgsl's dy_at where a convolution feeds a K×K max pool computed with it
// (conv1x1_pool): `dy` is then the pool's gradient [N, O, POH, POW], and the convolution's own
// gradient at output index k is dy at k's window when k is that window's maximum (pool_arg, as
// conv1x1_pool kept it), else 0 — what maxpool_backward would have written, never stored.
struct UnpoolParams { K: u32, OH: u32, OW: u32, POH: u32, POW: u32 }

@group(0) @binding(6) var<storage, read> pool_arg: array<u32>;
@group(0) @binding(7) var<uniform> UP: UnpoolParams;

fn dy_at(k: u32) -> f32 {
  let w = k % UP.OW;
  let h = (k / UP.OW) % UP.OH;
  let no = k / (UP.OW * UP.OH);
  let i = h / UP.K;
  let j = w / UP.K;
  if (i >= UP.POH || j >= UP.POW) { return 0.0; }
  let p = (no * UP.POH + i) * UP.POW + j;
  return select(0.0, dy[p], pool_arg[p] == k);
}
