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
from torch.utils.data import DataLoader, TensorDataset

run_dir, proj, data = sys.argv[1:4]
sys.path.insert(0, proj)
import utils  # noqa: E402
from model import Net  # noqa: E402

torch.set_num_threads(1)
cfg = json.load(open(os.path.join(proj, "config.json")))
tr_x, tr_y, _, _ = utils.load_mnist(data)
n = cfg["trainLimit"]
tr_x, tr_y = tr_x[:n], tr_y[:n]


def run(dtype):
    """The run's epoch through utils.train (the notebook's sample order), in dtype."""
    m = Net()
    m.load_state_dict(utils.read_safetensors(os.path.join(run_dir, "init.safetensors")), strict=True)
    m.to(dtype)
    loader = DataLoader(TensorDataset(tr_x, tr_y), batch_size=cfg["batch"], sampler=utils.NotebookSampler(n, cfg["seed"]))
    opt = torch.optim.SGD(m.parameters(), lr=cfg["lr"], momentum=cfg["momentum"], weight_decay=cfg["weightDecay"])
    tf = utils.Transforms(cfg["augment"])
    utils.train(m, "cpu", loader, opt, None, False, lambda im, train: tf(im, train).to(dtype), 1, show=False)
    return {k: v.double() for k, v in m.state_dict().items() if v.dtype.is_floating_point and "running" not in k}


f32, f64 = run(torch.float32), run(torch.float64)
ours = {k: v.double() for k, v in utils.read_safetensors(os.path.join(run_dir, "weights.safetensors")).items() if k in f32}


def dist(p, q):
    return max(((p[k] - q[k]).norm() / q[k].norm()).item() for k in p if not k.endswith("bias"))


print(json.dumps({"steps": len(range(0, n, cfg["batch"])), "torch32_vs_torch64": dist(f32, f64), "ours_vs_torch64": dist(ours, f64), "ours_vs_torch32": dist(ours, f32)}))
