// v1 of the update guard and step (kept to measure update_check/update_apply against): the
// finite check covers gradients only, and SGD runs as its own dispatch.
//   find_nonfinite  status[0] = min index of a NaN/Inf gradient (0xffffffff when none)
//   sgd_step        PyTorch's SGD: d = g + wd·w; v = μ·v + d; w -= lr·v, skipped on a bad status
//   bn_running_update  running = (1 − m)·running + m·batch, skipped on a bad status (it lived in
//                      batchnorm.wgsl; update_apply now does it with SGD, after checking the result)
// (common.wgsl is prepended: Step, finite, flat256.)

struct Params { n: u32, weight_decay: f32 }

@group(0) @binding(0) var<uniform> P: Params;

// find_nonfinite: (P, grads, status)
@group(0) @binding(1) var<storage, read> grads: array<f32>;
@group(0) @binding(2) var<storage, read_write> status: array<atomic<u32>>;

@compute @workgroup_size(256)
fn find_nonfinite(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                  @builtin(local_invocation_index) lid: u32) {
  let i = flat256(wid, nwg, lid);
  if (i >= P.n) { return; }
  if (!finite(grads[i])) { atomicMin(&status[0], i); }
}

// sgd_step: (P, S, w, g, v, status)
@group(0) @binding(1) var<uniform> S: Step;
@group(0) @binding(2) var<storage, read_write> w: array<f32>;
@group(0) @binding(3) var<storage, read> g: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@group(0) @binding(5) var<storage, read_write> status_now: array<atomic<u32>>;

@compute @workgroup_size(256)
fn sgd_step(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
            @builtin(local_invocation_index) lid: u32) {
  let i = flat256(wid, nwg, lid);
  let bad = atomicLoad(&status_now[0]) != 0xffffffffu || atomicLoad(&status_now[1]) != 0u;
  if (bad) {
    if (i == 0u) { atomicMin(&status_now[2], S.index); }
    return;
  }
  if (i >= P.n) { return; }
  let d = g[i] + P.weight_decay * w[i];
  let m = S.momentum * v[i] + d;
  v[i] = m;
  w[i] = w[i] - S.lr * m;
}

// bn_running_update: (R, batch, momentum, running, status); R.n = element count.
struct RunningParams { n: u32 }

@group(0) @binding(0) var<uniform> R: RunningParams;
@group(0) @binding(1) var<storage, read> batch: array<f32>;
@group(0) @binding(2) var<storage, read> momentum: array<f32>;
@group(0) @binding(3) var<storage, read_write> run_stats: array<f32>;
@group(0) @binding(4) var<storage, read> run_status: array<u32>;

@compute @workgroup_size(256)
fn bn_running_update(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                     @builtin(local_invocation_index) lid: u32) {
  let k = flat256(wid, nwg, lid);
  if (k >= R.n || run_status[0] != NO_INDEX || run_status[1] != 0u) { return; }
  let m = momentum[k];
  run_stats[k] = (1.0 - m) * run_stats[k] + m * batch[k];
}
