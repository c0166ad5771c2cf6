"""How far float32 rounding alone moves a run: PyTorch float32 and float64 from the same start.

    /usr/bin/python3 scripts/precision_drift.py RUN_DIR PROJECT_DIR DATA_DIR

RUN_DIR is a `npm run train` run (init.safetensors, weights.safetensors); PROJECT_DIR its
`export:pytorch` project. Trains the run's one epoch (no dropout, transforms off) in PyTorch float32 and
float64 from init.safetensors and prints the largest relative difference of a weight tensor (biases left
out: they start at 0): PyTorch f32 against f64, ours against f64, ours against PyTorch f32.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

run_dir, proj, data = sys.argv[1:4]
sys.path.insert(0, proj)
import utils  # noqa: E402
from model import Net  # noqa: E402

torch.set_num_threads(1)
cfg = json.load(open(os.path.join(proj, "config.json")))
tr_x, tr_y, _, _ = utils.load_mnist(data)
n = cfg["trainLimit"]
tr_x, tr_y = tr_x[:n], tr_y[:n]
order = utils.permutation(n, (cfg["seed"] * 1000003) & utils.M32)
tf = utils.Transforms(cfg["augment"])


def run(dtype):
    m = Net()
    m.load_state_dict(utils.read_safetensors(os.path.join(run_dir, "init.safetensors")), strict=True)
    m.to(dtype).train()
    opt = torch.optim.SGD(m.parameters(), lr=cfg["lr"], momentum=cfg["momentum"])
    for s in range(n // cfg["batch"]):
        idx = order[s * cfg["batch"]:(s + 1) * cfg["batch"]]
        opt.zero_grad()
        F.nll_loss(m(tf(tr_x[idx], train=True).to(dtype)), tr_y[idx]).backward()
        opt.step()
    return {k: v.double() for k, v in m.state_dict().items() if v.dtype.is_floating_point and "running" not in k}


f32, f64 = run(torch.float32), run(torch.float64)
ours = {k: v.double() for k, v in utils.read_safetensors(os.path.join(run_dir, "weights.safetensors")).items() if k in f32}


def dist(p, q):
    return max(((p[k] - q[k]).norm() / q[k].norm()).item() for k in p if not k.endswith("bias"))


print(json.dumps({"steps": n // cfg["batch"], "torch32_vs_torch64": dist(f32, f64), "ours_vs_torch64": dist(ours, f64), "ours_vs_torch32": dist(ours, f32)}))
