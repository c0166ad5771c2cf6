#!/usr/bin/env python3
"""The inside of a digit, checked against PyTorch in float64.

  inspect_check.py INSPECT.json... WEIGHTS [--data DIR] [--abs A] [--rel R] [--scale S]
  inspect_check.py WEIGHTS --images LIST [--batch N] [--keep DIR] [--data DIR] [--abs A] [--rel R] [--scale S]

INSPECT.json is what `npm run inspect -- --weights WEIGHTS --image I --json INSPECT.json` wrote.
With --images (I,J,… or A-B[:STEP], B included, as `npm run inspect` takes them) this script runs
dist-node/inspect.js itself (`npm run build:node` first), N images per call, and checks them all.
It builds the PyTorch model from the spec in WEIGHTS' metadata, loads the weights (strict), casts
it and the image to float64 (model.double(), so the check measures the notebook's float32 error,
not PyTorch's), runs test image I in eval mode with every layer's output kept, takes NLL(true
label) and its gradients, and compares every number: each layer's output and gradient, the input
gradient, the probabilities and the loss. A value passes when
|notebook - PyTorch| <= abs + rel * |PyTorch| (the gradient fixtures' rule) and, for the tensor,
max |notebook - PyTorch| <= scale * max |PyTorch| (the gradients of a digit the model is sure of
are far below abs). The figure printed is the larger of the two, as a share of its tolerance. Per image it prints
the worst tensors, and over several images the worst figure of all. Exit 1 on any failure.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_roundtrip import ROOT, build, inside, mnist_test, read_safetensors  # noqa: E402


def check_one(model, x, y, got, a, verbose):
    """Every tensor of one inspect JSON against float64 PyTorch: (worst ratio, its name, lines)."""
    i = got["image"]
    label = int(y[i])
    if label != got["label"]:
        sys.exit("image %d: label %d here, %d in the inspect output" % (i, label, got["label"]))
    h, outs, loss = inside(model, x[i:i + 1].double(), label)
    worst = []

    def compare(name, mine, ref):
        ref = ref.detach().double().flatten()
        mine = torch.tensor(mine, dtype=torch.float64).flatten()
        if mine.numel() != ref.numel():
            worst.append((float("inf"), name, "%d values, PyTorch has %d" % (mine.numel(), ref.numel())))
            return
        d = (mine - ref).abs()
        ratio = (d / (a.abs + a.rel * ref.abs())).max().item() if ref.numel() else 0.0
        # Relative to the tensor's scale too: abs alone passes a tensor of 1e-7 gradients all wrong.
        top, dmax = (ref.abs().max().item(), d.max().item()) if ref.numel() else (0.0, 0.0)
        of_scale = dmax / top if top > 0 else (0.0 if dmax == 0 else float("inf"))
        worst.append((max(ratio, of_scale / a.scale), name, "max abs %.2e, %.1e of scale" % (dmax, of_scale)))

    compare("loss", [got["loss"]], loss)
    compare("probs", got["probs"], outs[-1].exp())
    compare("inputGrad", got["inputGrad"], h.grad)
    for l in got["layers"]:
        k = l["index"]
        compare("layer %d %s output" % (k, l["type"]), l["activation"], outs[k])
        compare("layer %d %s grad" % (k, l["type"]), l["grad"], outs[k].grad)
    bad = [w for w in worst if not w[0] <= 1]
    if verbose:
        for r, name, detail in sorted(worst, key=lambda w: -w[0])[:5]:
            print("%s %-34s %s (%.1f%% of tolerance)" % ("FAIL" if not r <= 1 else "ok  ", name, detail, 100 * r))
    p = outs[-1].exp().max().item()
    top = max(worst, key=lambda w: w[0])
    print("%s: %d tensors compared with PyTorch %s float64 for test image %d (p = 1 - %.1e; abs %g, rel %g, scale %g; worst %s %.1f%%)" % (
        "MATCH" if not bad else "MISMATCH", len(worst), torch.__version__, i, 1 - p, a.abs, a.rel, a.scale, top[1], 100 * top[0]))
    sys.stdout.flush()
    return top[0], top[1], i


def images_of(text):
    out = []
    for part in text.split(","):
        if "-" in part:
            lo, rest = part.split("-")
            hi, step = (rest.split(":") + ["1"])[:2]
            out += list(range(int(lo), int(hi) + 1, int(step)))
        else:
            out.append(int(part))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="+", help="INSPECT.json files, then WEIGHTS")
    p.add_argument("--images", help="run dist-node/inspect.js on these test images: I,J,… or A-B[:STEP]")
    p.add_argument("--batch", type=int, default=25, help="images per inspect.js call (with --images)")
    p.add_argument("--keep", help="folder for inspect.js's JSON (with --images; default: a temporary one)")
    p.add_argument("--data", default=os.path.join(ROOT, "public", "data"))
    p.add_argument("--abs", type=float, default=1e-5)
    p.add_argument("--rel", type=float, default=1e-4)
    p.add_argument("--scale", type=float, default=1e-3, help="the most |notebook - PyTorch| may be, over max |PyTorch| of the tensor")
    a = p.parse_args()
    *inspects, weights = a.paths
    if bool(inspects) == bool(a.images):
        sys.exit("give INSPECT.json files or --images, not both or neither")
    torch.set_num_threads(1)
    tensors, meta = read_safetensors(weights)
    model = build(json.loads(meta["model"])).double()
    model.load_state_dict({k: v.double() if v.is_floating_point() else v for k, v in tensors.items()}, strict=True)
    model.eval()
    x, y = mnist_test(a.data)
    results = []
    if inspects:
        for path in inspects:
            with open(path) as f:
                results.append(check_one(model, x, y, json.load(f), a, True))
    else:
        ims = images_of(a.images)
        out = a.keep or tempfile.mkdtemp(prefix="inspect-check-")
        for k in range(0, len(ims), a.batch):
            chunk = ims[k:k + a.batch]
            d = os.path.join(out, "batch-%d" % k)
            # Two or more images, so inspect.js writes a folder even for a batch of one.
            spec = ",".join(str(i) for i in (chunk if len(chunk) > 1 else chunk * 2))
            r = subprocess.run(["node", os.path.join(ROOT, "dist-node", "inspect.js"), "--weights", weights, "--image", spec,
                                "--json", d, "--data", a.data], capture_output=True, text=True)
            if r.returncode != 0:
                sys.exit("inspect.js failed on images %s: %s" % (spec, r.stderr.strip()))
            for i in chunk:
                with open(os.path.join(d, "image-%d.json" % i)) as f:
                    results.append(check_one(model, x, y, json.load(f), a, False))
            if not a.keep:
                for f in glob.glob(os.path.join(d, "*.json")):
                    os.remove(f)
    bad = [r for r in results if not r[0] <= 1]
    if len(results) > 1:
        r, name, i = max(results, key=lambda r: r[0])
        print("%s: %d images, %d beyond the tolerance; the worst is test image %d, %s at %.1f%% of tolerance" % (
            "MATCH" if not bad else "MISMATCH", len(results), len(bad), i, name, 100 * r))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
