#!/usr/bin/env python3
"""The inside of a digit, checked against PyTorch.

  inspect_check.py INSPECT.json WEIGHTS [--data DIR] [--abs A] [--rel R]

INSPECT.json is what `npm run inspect -- --weights WEIGHTS --image I --json INSPECT.json` wrote.
This builds the PyTorch model from the spec in WEIGHTS' metadata, loads the weights (strict), runs
test image I in eval mode with every layer's output kept (forward hooks, retain_grad), takes
NLL(true label) and its gradients, and compares every number: each layer's output and gradient,
the input gradient, the probabilities and the loss. A value passes when
|notebook - PyTorch| <= abs + rel * |PyTorch| (the gradient fixtures' rule). Exit 1 on any failure.
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_roundtrip import ROOT, build, inside, mnist_test, read_safetensors  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("inspect")
    p.add_argument("weights")
    p.add_argument("--data", default=os.path.join(ROOT, "public", "data"))
    p.add_argument("--abs", type=float, default=1e-5)
    p.add_argument("--rel", type=float, default=1e-4)
    a = p.parse_args()
    torch.set_num_threads(1)
    with open(a.inspect) as f:
        got = json.load(f)
    tensors, meta = read_safetensors(a.weights)
    model = build(json.loads(meta["model"]))
    model.load_state_dict(tensors, strict=True)
    model.eval()
    x, y = mnist_test(a.data)
    i = got["image"]
    label = int(y[i])
    if label != got["label"]:
        sys.exit("image %d: label %d here, %d in %s" % (i, label, got["label"], a.inspect))

    h, outs, loss = inside(model, x[i:i + 1], label)

    worst = []

    def compare(name, mine, ref):
        ref = ref.detach().double().flatten()
        mine = torch.tensor(mine, dtype=torch.float64).flatten()
        if mine.numel() != ref.numel():
            worst.append((float("inf"), name, "%d values, PyTorch has %d" % (mine.numel(), ref.numel())))
            return
        ratio = ((mine - ref).abs() / (a.abs + a.rel * ref.abs())).max().item() if ref.numel() else 0.0
        worst.append((ratio, name, "max abs %.2e" % (mine - ref).abs().max().item()))

    compare("loss", [got["loss"]], loss)
    compare("probs", got["probs"], outs[-1].exp())
    compare("inputGrad", got["inputGrad"], h.grad)
    for l in got["layers"]:
        k = l["index"]
        compare("layer %d %s output" % (k, l["type"]), l["activation"], outs[k])
        compare("layer %d %s grad" % (k, l["type"]), l["grad"], outs[k].grad)
    bad = [w for w in worst if not w[0] <= 1]
    for r, name, detail in sorted(worst, reverse=True)[:5]:
        print("%s %-34s %s (%.1f%% of tolerance)" % ("FAIL" if not r <= 1 else "ok  ", name, detail, 100 * r))
    print("%s: %d tensors compared with PyTorch %s for test image %d (abs %g, rel %g)" % (
        "MATCH" if not bad else "MISMATCH", len(worst), torch.__version__, i, a.abs, a.rel))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
