"""The run's data, transforms, sample order, train and test loops, in PyTorch.

Written by the WebGPU notebook's "Export as PyTorch project" beside model.py, train.py, S5.ipynb,
config.json (the run's settings) and weights.safetensors (the run's weights). It needs only
PyTorch; torchvision (to download MNIST) and tqdm (progress bars) are used when installed.
"""
import gzip
import json
import os
import struct
import sys
import time

import torch
import torch.nn.functional as F

M32 = 0xFFFFFFFF


# ---- MNIST -------------------------------------------------------------------------------------

def _read_idx(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if path.endswith(".gz.bin"):  # the notebook's public/data: the idx data without its header
        t = torch.frombuffer(bytearray(raw), dtype=torch.uint8)
        return t.reshape(-1, 1, 28, 28) if "images" in os.path.basename(path) else t.long()
    magic, n = struct.unpack(">II", raw[:8])
    if magic == 2051:
        rows, cols = struct.unpack(">II", raw[8:16])
        return torch.frombuffer(bytearray(raw[16:]), dtype=torch.uint8).reshape(n, 1, rows, cols)
    if magic == 2049:
        return torch.frombuffer(bytearray(raw[8:]), dtype=torch.uint8).long()
    sys.exit("%s is not an MNIST idx file (magic %d)" % (path, magic))


def _find(data_dir, split, kind):
    std = {"train": "train", "test": "t10k"}[split]
    idx = "idx3" if kind == "images" else "idx1"
    names = ["mnist-%s-%s.gz.bin" % (split, kind)]  # the notebook's public/data
    for d in ("", "MNIST/raw"):
        for ext in ("", ".gz"):
            names.append(os.path.join(d, "%s-%s-%s-ubyte%s" % (std, kind, idx, ext)))
    for n in names:
        p = os.path.join(data_dir, n)
        if os.path.exists(p):
            return p
    sys.exit("no MNIST %s %s in %s (looked for %s)" % (split, kind, data_dir, ", ".join(names)))


def load_mnist(data_dir=None):
    """(train images, train labels, test images, test labels); images uint8 [N, 1, 28, 28].
    From data_dir (idx files, plain or gzipped), else downloaded by torchvision to ./data."""
    if data_dir is None:
        try:
            from torchvision import datasets
        except ImportError:
            sys.exit("torchvision is not installed: pass --data DIR with the four MNIST idx files")
        tr = datasets.MNIST("data", train=True, download=True)
        te = datasets.MNIST("data", train=False, download=True)
        return tr.data.unsqueeze(1), tr.targets, te.data.unsqueeze(1), te.targets
    return tuple(_read_idx(_find(data_dir, s, k)) for s in ("train", "test") for k in ("images", "labels"))


# ---- transforms ----------------------------------------------------------------------------------

class Transforms:
    """The notebook's transforms on a batch of uint8 images: in training, RandomApply(CenterCrop(crop)
    + Resize(28), p=crop_p) and RandomRotation(±rotation°, fill 0) as one affine map sampled
    bilinearly (as the notebook's kernel does), then ToTensor and Normalize(mean, std)."""

    def __init__(self, augment):
        self.rotation = float(augment["rotation"])
        self.crop_p = float(augment["cropP"])
        self.crop = int(augment["crop"])
        self.mean = float(augment["mean"])
        self.std = float(augment["std"])

    def __call__(self, images, train):
        x = images.float() / 255.0
        if train and (self.rotation > 0 or self.crop_p > 0):
            n, _, h, w = x.shape
            angle = (torch.rand(n) * 2 - 1) * self.rotation * torch.pi / 180
            scale = torch.where(torch.rand(n) < self.crop_p, torch.tensor(self.crop / w), torch.tensor(1.0))
            c, s = torch.cos(angle) * scale, torch.sin(angle) * scale
            z = torch.zeros(n)
            theta = torch.stack([torch.stack([c, -s, z], 1), torch.stack([s, c, z], 1)], 1)
            grid = F.affine_grid(theta, list(x.shape), align_corners=False)
            x = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
        return (x - self.mean) / self.std


# ---- the notebook's sample order -------------------------------------------------------------------

def mulberry32(seed):
    a = seed & M32

    def rand():
        nonlocal a
        a = (a + 0x6D2B79F5) & M32
        t = a
        t = ((t ^ (t >> 15)) * (t | 1)) & M32
        t ^= (t + (((t ^ (t >> 7)) * (t | 61)) & M32)) & M32
        return ((t ^ (t >> 14)) & M32) / 4294967296

    return rand


def permutation(n, seed):
    """Fisher-Yates with mulberry32, bit for bit the notebook's src/engine/rng.ts."""
    rand = mulberry32(seed)
    p = list(range(n))
    for i in range(n - 1, 0, -1):
        j = int(rand() * (i + 1))
        p[i], p[j] = p[j], p[i]
    return p


class NotebookSampler(torch.utils.data.Sampler):
    """Epoch e visits the training images in the notebook's order for (seed, e), so one process
    sees the same batches the notebook trained on (set_epoch as DistributedSampler has it)."""

    def __init__(self, n, seed):
        self.n, self.seed, self.epoch = n, seed, 0

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __iter__(self):
        return iter(permutation(self.n, (self.seed * 1000003 + self.epoch) & M32))

    def __len__(self):
        return self.n


# ---- the notebook's dropout masks (train.py --engine-dropout) -----------------------------------------

def pcg(v):
    """The notebook's PCG hash on uint32 values (ints or int64 tensors)."""
    state = (v * 747796405 + 2891336453) & M32
    word = (((state >> ((state >> 28) + 4)) ^ state) * 277803737) & M32
    return ((word >> 22) ^ word) & M32


class EngineMasks:
    """Gives every nn.Dropout / nn.Dropout2d of a model the notebook's counter-based mask instead of
    PyTorch's random one, so a run here from the same weights follows the notebook's step for step:
    element i of spec layer L at step g is kept when (pcg(pcg(s + pcg(L)) ^ i) >> 8) / 2^24 >= p,
    with s = pcg(pcg(seed) + g) (Dropout2d: i = n*C + c, the whole channel). Call step() once per
    training batch, before the forward pass."""

    def __init__(self, model, spec, seed):
        kinds = ("Dropout", "Dropout2d")
        layers = [i for i, l in enumerate(spec) if l["type"] in kinds]
        mods = [m for m in model.modules() if type(m).__name__ in kinds]
        if len(layers) != len(mods):
            sys.exit("--engine-dropout: the model has %d dropout modules but its spec %d dropout layers" % (len(mods), len(layers)))
        self.seed, self.g, self.key = seed, -1, 0
        for layer, m in zip(layers, mods):
            m.forward = self._masked(m, layer, type(m).__name__ == "Dropout2d")

    def step(self):
        self.g += 1
        self.key = pcg((pcg(self.seed) + self.g) & M32)

    def _masked(self, m, layer, channels):
        p32 = float(torch.tensor(m.p, dtype=torch.float32))
        scale = 0.0 if m.p >= 1 else 1.0 / (1.0 - m.p)

        def forward(x):
            if not m.training or m.p == 0:
                return x
            n = x.shape[0] * x.shape[1] if channels else x.numel()
            key = pcg((self.key + pcg(layer)) & M32)
            i = torch.arange(n, dtype=torch.int64, device=x.device)
            keep = ((pcg(key ^ i) >> 8).double() / 16777216.0 >= p32).to(x.dtype)
            return x * keep.reshape((x.shape[0], x.shape[1], 1, 1) if channels else x.shape) * scale

        return forward


# ---- optimizer schedule ----------------------------------------------------------------------------

def make_scheduler(optimizer, cfg, steps_per_epoch):
    """(scheduler, stepped per batch?) for the run's schedule: OneCycleLR per batch, StepLR per
    epoch, none for a constant rate."""
    s = cfg["schedule"]
    if s["type"] == "OneCycleLR":
        args = {k: s[k] for k in ("pct_start", "div_factor", "final_div_factor", "anneal_strategy", "cycle_momentum", "base_momentum", "max_momentum") if k in s}
        return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=cfg["lr"], epochs=cfg["epochs"], steps_per_epoch=steps_per_epoch, **args), True
    if s["type"] == "StepLR":
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=s["step_size"], gamma=s["gamma"]), False
    return None, False


# ---- train and test ----------------------------------------------------------------------------------

def progress(iterable, total, desc, enabled=True):
    """tqdm when installed; otherwise a line every 10% (and at the end)."""
    if not enabled:
        return iterable
    try:
        from tqdm import tqdm
        return tqdm(iterable, total=total, desc=desc)
    except ImportError:
        pass

    def lines():
        t0, mark = time.time(), max(1, total // 10)
        for i, item in enumerate(iterable, 1):
            yield item
            if i % mark == 0 or i == total:
                print("%s: %d/%d batches, %.1f s" % (desc, i, total, time.time() - t0), flush=True)

    return lines()


def train(model, device, loader, optimizer, scheduler, per_batch, transforms, epoch, max_steps=None, on_first_loss=None, show=True, masks=None):
    """One epoch (or max_steps batches) of SGD on nll_loss; (mean loss, accuracy %, steps).
    masks: an EngineMasks, stepped once per batch."""
    model.train()
    total, correct, seen, steps = 0.0, 0, 0, 0
    bar = progress(loader, min(len(loader), max_steps or len(loader)), "epoch %d" % epoch, show)
    for images, labels in bar:
        x, y = transforms(images, train=True).to(device), labels.to(device)
        optimizer.zero_grad()
        if masks is not None:
            masks.step()
        out = model(x)
        loss = F.nll_loss(out, y)
        if on_first_loss is not None and steps == 0:
            on_first_loss(loss.item())
        loss.backward()
        optimizer.step()
        if per_batch and scheduler is not None:
            scheduler.step()
        total += loss.item() * len(y)
        correct += (out.argmax(1) == y).sum().item()
        seen += len(y)
        steps += 1
        if hasattr(bar, "set_postfix"):
            bar.set_postfix(loss="%.4f" % loss.item(), acc="%.2f%%" % (100.0 * correct / seen))
        if max_steps is not None and steps >= max_steps:
            break
    if not per_batch and scheduler is not None:
        scheduler.step()
    return total / max(seen, 1), 100.0 * correct / max(seen, 1), steps


def test(model, device, images, labels, transforms, batch=1000):
    """(mean nll_loss, accuracy %) on the test images, in evaluation mode."""
    model.eval()
    total, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(labels), batch):
            x, y = transforms(images[i:i + batch], train=False).to(device), labels[i:i + batch].to(device)
            out = model(x)
            total += F.nll_loss(out, y, reduction="sum").item()
            correct += (out.argmax(1) == y).sum().item()
    return total / len(labels), 100.0 * correct / len(labels)


# ---- weights as .safetensors (the notebook imports them back) ------------------------------------------

_DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    data = raw[8 + n:]
    return {k: torch.frombuffer(bytearray(data[e["data_offsets"][0]:e["data_offsets"][1]]), dtype=_DTYPES[e["dtype"]]).reshape(e["shape"]).clone() for k, e in header.items()}


def write_safetensors(path, state, metadata):
    names = {v: k for k, v in _DTYPES.items()}
    header, blobs, off = {"__metadata__": metadata}, [], 0
    for k, t in state.items():
        b = t.detach().contiguous().cpu().numpy().tobytes()
        header[k] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":"))
    h += " " * ((8 - (8 + len(h)) % 8) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h.encode() + b"".join(blobs))
    os.replace(path + ".tmp", path)
