#!/usr/bin/env python3
"""Weights between the notebook and PyTorch, both ways.

  check WEIGHTS [--expect ACC] [--log LOG.json] [--test-limit N]
      Build the PyTorch model from the spec in the file's metadata ("model"), load the weights with
      load_state_dict(strict=True), evaluate on the MNIST test set (public/data) and print the
      accuracy. With --expect or --log (the accuracy of the run's last epoch), exit 1 unless the
      two agree within 0.1 percentage point.

  load MODEL_PY WEIGHTS
      Import MODEL_PY (what the notebook's "Copy as PyTorch" writes), build its Net, load WEIGHTS
      with load_state_dict(strict=True) and print JSON: the parameter count (as torchsummary counts
      them), the state_dict names, and the output's shape and row sums of exp() for a batch of 2.

  export-init OUT [--seed S] [--spec FILE]
      Save a freshly initialised PyTorch model (default: src/models/mnist-default.json) as
      .safetensors, the way a PyTorch user would hand weights to the notebook.

Needs only PyTorch (Debian: apt-get install python3-torch); the safetensors format is read and
written here directly (8-byte header length, JSON header, raw little-endian data).
"""
import argparse
import gzip
import json
import os
import struct
import sys

import torch
import torch.nn as nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64}
NAMES = {v: k for k, v in DTYPES.items()}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    data = raw[8 + n:]
    tensors = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        t = torch.frombuffer(bytearray(data[b:end]), dtype=DTYPES[e["dtype"]]).reshape(e["shape"])
        tensors[name] = t.clone()
    return tensors, meta


def write_safetensors(path, tensors, meta):
    header, blobs, off = {"__metadata__": meta}, [], 0
    for name, t in tensors.items():
        b = t.detach().contiguous().cpu().numpy().tobytes()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":"))
    h += " " * ((8 - (8 + len(h)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h.encode() + b"".join(blobs))


def build(spec):
    return nn.Sequential(*[getattr(nn, l["type"])(**{k: v for k, v in l.items() if k not in ("type", "name")}) for l in spec])


def by_index(spec, tensors):
    """A named spec's state_dict ("convblock1.0.weight") renamed to build()'s ("0.weight")."""
    prefix = {l["name"] + ".": "%d." % i for i, l in enumerate(spec) if "name" in l}
    out = {}
    for k, t in tensors.items():
        p = max((p for p in prefix if k.startswith(p)), key=len, default=None)
        out[prefix[p] + k[len(p):] if p else k] = t
    return out


def inside(model, x, label):
    """x [1, C, H, W] through every layer of `model` with each output kept (retain_grad), then
    NLL(label) and its backward: (the input, with .grad; every layer's output, with .grad; the loss)."""
    import torch.nn.functional as F
    h = x.clone().requires_grad_(True)
    outs, cur = [], h
    for layer in model:
        cur = layer(cur)
        cur.retain_grad()
        outs.append(cur)
    loss = F.nll_loss(cur, torch.tensor([label]))
    loss.backward()
    return h, outs, loss


def mnist_test(data_dir):
    def part(name):
        with open(os.path.join(data_dir, "mnist-%s.gz.bin" % name), "rb") as f:
            return gzip.decompress(f.read())
    images = torch.frombuffer(bytearray(part("test-images")), dtype=torch.uint8).reshape(-1, 1, 28, 28)
    labels = torch.frombuffer(bytearray(part("test-labels")), dtype=torch.uint8).long()
    return (images.float() / 255 - 0.1307) / 0.3081, labels


def check(args):
    tensors, meta = read_safetensors(args.weights)
    if "model" not in meta:
        sys.exit("%s has no model spec in its metadata" % args.weights)
    spec = json.loads(meta["model"])
    model = build(spec)
    model.load_state_dict(by_index(spec, tensors), strict=True)
    model.eval()
    x, y = mnist_test(args.data)
    log = None
    if args.log:
        with open(args.log) as f:
            log = json.load(f)
        args.test_limit = args.test_limit or (log.get("config") or {}).get("testLimit")
    if args.test_limit:  # the run tested on the first N images
        x, y = x[:args.test_limit], y[:args.test_limit]
    with torch.no_grad():
        pred = torch.cat([model(x[i:i + 1000]).argmax(1) for i in range(0, len(x), 1000)])
    acc = 100.0 * (pred == y).float().mean().item()
    print("PyTorch %s: %s loaded with strict=True; test accuracy %.2f%% on %d images" % (torch.__version__, args.weights, acc, len(x)))
    expect = log["epochs"][-1]["testAcc"] if log else args.expect
    if expect is not None:
        ok = abs(acc - expect) <= 0.1
        print("%s: the notebook measured %.2f%% (difference %.3f points)" % ("MATCH" if ok else "MISMATCH", expect, acc - expect))
        sys.exit(0 if ok else 1)


def export_init(args):
    torch.manual_seed(args.seed)
    with open(args.spec) as f:
        spec = json.load(f)
    model = build(spec)
    write_safetensors(args.out, dict(model.state_dict()), {"format": "pt", "model": json.dumps(spec)})
    print("wrote %s (%d tensors, PyTorch %s initialisation, seed %d)" % (args.out, len(model.state_dict()), torch.__version__, args.seed))


def load(args):
    import importlib.util
    spec = importlib.util.spec_from_file_location("model", args.model)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    net = mod.Net()
    tensors, _ = read_safetensors(args.weights)
    net.load_state_dict(tensors, strict=True)
    net.eval()
    with torch.no_grad():
        out = net(torch.randn(2, 1, 28, 28))
    print(json.dumps({
        "params": sum(p.numel() for p in net.parameters() if p.requires_grad),
        "keys": list(net.state_dict().keys()),
        "shape": list(out.shape),
        "expsum": out.exp().sum(1).tolist(),
    }))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check")
    c.add_argument("weights")
    c.add_argument("--expect", type=float)
    c.add_argument("--log")
    c.add_argument("--test-limit", type=int, help="evaluate on the first N test images (as the run did)")
    c.add_argument("--data", default=os.path.join(ROOT, "public", "data"))
    e = sub.add_parser("export-init")
    e.add_argument("out")
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--spec", default=os.path.join(ROOT, "src", "models", "mnist-default.json"))
    lo = sub.add_parser("load")
    lo.add_argument("model")
    lo.add_argument("weights")
    args = p.parse_args()
    torch.set_num_threads(1)
    {"check": check, "export-init": export_init, "load": load}[args.cmd](args)


if __name__ == "__main__":
    main()
