// The end of a training step, over every parameter and running statistic of the model at once
// (parameters, gradients and momenta each live in one flat buffer, running statistics in another).
//   update_check  computes, without writing, what the step would make of every value: SGD's new
//                 weight and momentum (d = g + wd·w; v' = μ·v + d; w' = w − lr·v') and BatchNorm's
//                 new running statistics (r' = (1 − m)·r + m·batch); flags the first non-finite
//                 gradient, weight/momentum and running statistic in `status`.
//   update_apply  writes them, unless status shows anything bad (the loss kernels flag a
//                 non-finite loss or a label out of range); then nothing is written and status[2]
//                 latches the step's index, so the weights from before the bad step are kept.
// lr and μ come from the step uniform, so schedulers need no rebuild. n_update = 0 checks the
// gradients only (a gradient step without an update); n_running = 0 leaves the statistics alone.
// status (u32 × 8, "none" = NO_INDEX): [0] first non-finite gradient, [1] loss not finite (0/1),
// [2] first skipped step, [3] first weight or momentum the update would make non-finite,
// [4] first running statistic it would make non-finite, [5] first sample whose label is out of
// range, [6–7] unused. Decoded by Model.decodeStatus.

// (common.wgsl is prepended: Step, NO_INDEX, finite, flat256.)

struct UpdateParams { n: u32, n_update: u32, n_running: u32, weight_decay: f32 }

@group(0) @binding(0) var<uniform> U: UpdateParams;
@group(0) @binding(1) var<uniform> S: Step;
@group(0) @binding(3) var<storage, read> g: array<f32>;
@group(0) @binding(6) var<storage, read> batch_stats: array<f32>;
@group(0) @binding(7) var<storage, read> bn_momentum: array<f32>;
@group(0) @binding(8) var<storage, read_write> status: array<atomic<u32>>;

// update_check: (U, S, w, g, v, running, batch, bn_momentum, status)
@group(0) @binding(2) var<storage, read> w_now: array<f32>;
@group(0) @binding(4) var<storage, read> v_now: array<f32>;
@group(0) @binding(5) var<storage, read> run_now: array<f32>;

@compute @workgroup_size(256)
fn update_check(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                @builtin(local_invocation_index) lid: u32) {
  let i = flat256(wid, nwg, lid);
  if (i < U.n) {
    let gi = g[i];
    if (!finite(gi)) {
      atomicMin(&status[0], i);
    } else if (i < U.n_update) {
      let d = gi + U.weight_decay * w_now[i];
      let m = S.momentum * v_now[i] + d;
      if (!finite(m) || !finite(w_now[i] - S.lr * m)) { atomicMin(&status[3], i); }
    }
  }
  if (i < U.n_running) {
    let k = bn_momentum[i];
    if (!finite((1.0 - k) * run_now[i] + k * batch_stats[i])) { atomicMin(&status[4], i); }
  }
}

// update_apply: (U, S, w, g, v, running, batch, bn_momentum, status)
@group(0) @binding(2) var<storage, read_write> w: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@group(0) @binding(5) var<storage, read_write> run_stats: array<f32>;

@compute @workgroup_size(256)
fn update_apply(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                @builtin(local_invocation_index) lid: u32) {
  let i = flat256(wid, nwg, lid);
  let bad = atomicLoad(&status[0]) != NO_INDEX || atomicLoad(&status[1]) != 0u || atomicLoad(&status[3]) != NO_INDEX ||
            atomicLoad(&status[4]) != NO_INDEX || atomicLoad(&status[5]) != NO_INDEX;
  if (bad) {
    if (i == 0u) { atomicMin(&status[2], S.index); }
    return;
  }
  if (i < U.n_update) {
    // The same arithmetic as update_check, so what was checked is what is written.
    let d = g[i] + U.weight_decay * w[i];
    let m = S.momentum * v[i] + d;
    v[i] = m;
    w[i] = w[i] - S.lr * m;
  }
  if (i < U.n_running) {
    let k = bn_momentum[i];
    run_stats[i] = (1.0 - k) * run_stats[i] + k * batch_stats[i];
  }
}

// tie_grads: (T, pairs, grads); for each (a, b, keep) in pairs: g[a] = g[b] = (g[a] + g[b])·keep.
// Two parameters that are one shared value in the model (the toy network's b1 used by both hidden
// neurons) get the summed gradient, as autograd gives a shared tensor; keep = 0 freezes them.
struct TieParams { count: u32 }

@group(0) @binding(0) var<uniform> T: TieParams;
@group(0) @binding(1) var<storage, read> pairs: array<u32>;
@group(0) @binding(2) var<storage, read_write> tied: array<f32>;

@compute @workgroup_size(64)
fn tie_grads(@builtin(global_invocation_id) gid: vec3u) {
  let k = gid.x;
  if (k >= T.count) { return; }
  let a = pairs[3u * k];
  let b = pairs[3u * k + 1u];
  let s = (tied[a] + tied[b]) * f32(pairs[3u * k + 2u]);
  tied[a] = s;
  tied[b] = s;
}
