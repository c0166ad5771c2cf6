#!/usr/bin/env python3
"""Inspection fixtures: the inside of one digit, computed by PyTorch (float64).

For each case: a model spec with its weights and running statistics, one normalised MNIST test
image and its label, and what PyTorch gives in eval mode: every layer's output, the gradient of
NLL(label) with respect to it, the input gradient, the probabilities and the loss. The engine's
`insideDigit` must give the same (src/engine/inspect.ts; test/inspect.test.ts in Node,
fixtures/check.html in Chromium). Run: /usr/bin/python3 scripts/gen_inspect_fixtures.py
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_roundtrip import ROOT, build, inside, mnist_test, read_safetensors  # noqa: E402

OUT = os.path.join(ROOT, "fixtures", "inspect")
SMALL = [
    {"type": "Conv2d", "in_channels": 1, "out_channels": 4, "kernel_size": 3, "padding": 1, "bias": True},
    {"type": "ReLU"},
    {"type": "MaxPool2d", "kernel_size": 2},
    {"type": "Conv2d", "in_channels": 4, "out_channels": 6, "kernel_size": 5, "bias": False},
    {"type": "BatchNorm2d", "num_features": 6},
    {"type": "Sigmoid"},
    {"type": "Dropout", "p": 0.1},
    {"type": "Flatten"},
    {"type": "Linear", "in_features": 600, "out_features": 10},
    {"type": "LogSoftmax", "dim": 1},
]


def r9(v):
    # Nine significant digits: far inside the tolerance, and half the file.
    return float("%.9g" % v)


def tensor(t):
    return {"shape": list(t.shape), "data": [r9(v) for v in t.detach().flatten().tolist()]}


def case(name, spec, state, image, x, y, note):
    model = build(spec).double()
    model.load_state_dict({k: v.double() if v.is_floating_point() else v for k, v in state.items()}, strict=True)
    model.eval()
    label = int(y[image])
    h, outs, loss = inside(model, x[image:image + 1].double(), label)
    sd = model.state_dict()
    fx = {
        "name": name,
        "note": note,
        "model": spec,
        "image": image,
        "label": label,
        "input": [r9(v) for v in x[image].flatten().tolist()],
        "params": {k: tensor(v) for k, v in sd.items() if not k.endswith(("running_mean", "running_var", "num_batches_tracked"))},
        "buffers": {k: tensor(v) for k, v in sd.items() if k.endswith(("running_mean", "running_var"))},
        "expected": {
            "loss": loss.item(),
            "probs": [r9(v) for v in outs[-1].exp().flatten().tolist()],
            "inputGrad": [r9(v) for v in h.grad.flatten().tolist()],
            # The first convolution's weight gradient: what the conv-backprop cell sums up to.
            "paramGrads": {"0.weight": [r9(v) for v in model[0].weight.grad.flatten().tolist()]},
            "layers": [{"index": i, "type": spec[i]["type"], "activation": [r9(v) for v in o.flatten().tolist()],
                        "grad": [r9(v) for v in o.grad.flatten().tolist()]} for i, o in enumerate(outs)],
        },
        # scale: a digit the model is sure of has gradients far below abs (1e-7 at p = 1 - 1e-7).
        "tolerance": {"abs": 1e-5, "rel": 1e-4, "scale": 1e-3},
        "meta": {"generator": "scripts/gen_inspect_fixtures.py", "torch": torch.__version__},
    }
    path = os.path.join(OUT, name + ".json")
    with open(path, "w") as f:
        json.dump(fx, f, separators=(",", ":"))
    print("wrote %s (label %d, loss %.4f)" % (path, label, loss.item()))


def main():
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    x, y = mnist_test(os.path.join(ROOT, "public", "data"))
    trained, meta = read_safetensors(os.path.join(ROOT, "docs", "runs", "lavapipe-2026-11-26", "weights.safetensors"))
    case("default_trained_image247", json.loads(meta["model"]), trained, 247, x, y,
         "the committed 20-epoch default model on a digit it gets wrong (4 read as 2): large gradients everywhere")
    small = build(SMALL)
    for m in small:
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    case("small_cnn_init_image3", SMALL, small.state_dict(), 3, x, y,
         "a PyTorch-initialised CNN with bias, padding, max-pool, BatchNorm in eval mode, Sigmoid, Dropout, Linear")
    # Digits it is sure of (p ≥ 1 - 1e-6), where float32's p rounds to 1 and the gradients live in
    # the tail 1 - p (issue 20). After the small model: building a model draws from the generator.
    for image, p in ((8800, "1 - 2e-10"), (2350, "1 - 6e-9"), (4242, "1 - 2e-7")):
        case("default_trained_sure_image%d" % image, json.loads(meta["model"]), trained, image, x, y,
             "the committed 20-epoch default model on a digit it is sure of (p = %s)" % p)


if __name__ == "__main__":
    main()
