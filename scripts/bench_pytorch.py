#!/usr/bin/env python3
"""PyTorch eager training speed for the same model (built from the same JSON spec), for comparison
with `npm run bench` on the same machine.

  python3 scripts/bench_pytorch.py [--batches 128,512] [--steps 200] [--warmup 20] [--spec FILE] [--threads N] [--json FILE]

MNIST from public/data is kept on the device; each step is forward, F.nll_loss, backward and an
SGD-momentum step, as in the notebook (no augmentation: that is in PyTorch's favour). Uses CUDA
when available. Prints images/s and ms per step per batch size.
"""
import argparse
import gzip
import json
import os
import platform
import subprocess
import time
from datetime import datetime, timezone

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def build(spec):
    return nn.Sequential(*[getattr(nn, l["type"])(**{k: v for k, v in l.items() if k != "type"}) for l in spec])


def machine():
    model = platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            model = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30
    return "%d CPU cores (%s), %.0f GiB, %s" % (os.cpu_count(), model, gib, platform.system().lower())


def commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except Exception:
        return os.environ.get("GIT_COMMIT", "unknown")


def load(data_dir, device):
    def part(name):
        with open(os.path.join(data_dir, "mnist-%s.gz.bin" % name), "rb") as f:
            return gzip.decompress(f.read())
    x = torch.frombuffer(bytearray(part("train-images")), dtype=torch.uint8).reshape(-1, 1, 28, 28)
    y = torch.frombuffer(bytearray(part("train-labels")), dtype=torch.uint8).long()
    return ((x.float() / 255 - 0.1307) / 0.3081).to(device), y.to(device)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batches", default="128,512")
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--spec", default=os.path.join(ROOT, "src", "models", "mnist-default.json"))
    p.add_argument("--data", default=os.path.join(ROOT, "public", "data"))
    p.add_argument("--threads", type=int, help="torch.set_num_threads (compare with lavapipe's LP_NUM_THREADS)")
    p.add_argument("--json")
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    name = torch.cuda.get_device_name(0) if device.type == "cuda" else "cpu"
    torch.backends.cudnn.benchmark = True
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    with open(a.spec) as f:
        spec = json.load(f)
    x, y = load(a.data, device)
    results = []
    for batch in [int(b) for b in a.batches.split(",")]:
        torch.manual_seed(1)
        model = build(spec).to(device).train()
        opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        n = x.shape[0] // batch

        def step(i):
            k = (i % n) * batch
            opt.zero_grad(set_to_none=True)
            loss = F.nll_loss(model(x[k:k + batch]), y[k:k + batch])
            loss.backward()
            opt.step()

        for i in range(a.warmup):
            step(i)
        if device.type == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        for i in range(a.steps):
            step(i)
        if device.type == "cuda":
            torch.cuda.synchronize()
        ms = 1000 * (time.perf_counter() - t) / a.steps
        r = {"batch": batch, "steps": a.steps, "msPerStep": ms, "imagesPerSec": 1000 * batch / ms}
        results.append(r)
        print("PyTorch %s eager on %s, batch %4d: %9.0f images/s  %.3f ms/step" % (torch.__version__, name, batch, r["imagesPerSec"], ms))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"engine": "pytorch-eager", "torch": torch.__version__, "device": name,
                       "machine": machine(), "commit": commit(), "date": datetime.now(timezone.utc).isoformat(),
                       "params": sum(p.numel() for p in build(spec).parameters()), "threads": torch.get_num_threads(),
                       "spec": os.path.relpath(a.spec, ROOT), "results": results}, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
