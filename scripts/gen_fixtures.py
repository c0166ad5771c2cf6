#!/usr/bin/env python3
"""Golden gradient fixtures for the WebGPU engine, computed by PyTorch in float64.

Usage:  /usr/bin/python3 scripts/gen_fixtures.py [OUT_DIR]     (Debian: apt-get install python3-torch)

Each fixture is one JSON file (format in fixtures/README.md): a model spec with PyTorch class
names and constructor arguments, parameters, an input, a target, and what PyTorch computes from
them: the output, the loss, the gradient of the loss w.r.t. the input and every parameter, the
running statistics after a train-mode forward pass and the parameters after one SGD step.
Inputs and parameters are float32 values; the expected values are computed in float64.

Dropout in train mode uses the engine's counter-based mask (the PCG hash of shaders/dropout.wgsl),
reimplemented below, so a fixture with dropout is exact rather than statistical.
"""
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "fixtures", "gradients")
DEFAULT_MODEL = os.path.join(ROOT, "src", "models", "mnist-default.json")
S5_MODEL = os.path.join(ROOT, "src", "models", "s5.json")

TOL = {"abs": 1e-5, "rel": 1e-4}


# ---- the engine's dropout mask ------------------------------------------------------------
def pcg(v):
    state = (v * 747796405 + 2891336453) & 0xFFFFFFFF
    word = (((state >> ((state >> 28) + 4)) ^ state) * 277803737) & 0xFFFFFFFF
    return ((word >> 22) ^ word) & 0xFFFFFFFF


def dropout_keep(seed, layer, n, p):
    key = pcg((seed + pcg(layer)) & 0xFFFFFFFF)
    p32 = float(torch.tensor(p, dtype=torch.float32))
    return torch.tensor([((pcg(key ^ i) >> 8) / 16777216.0) >= p32 for i in range(n)], dtype=torch.float64)


class EngineDropout(nn.Module):
    """nn.Dropout with the engine's mask: y = x·mask/(1-p)."""

    def __init__(self, p, layer, seed):
        super().__init__()
        self.p, self.layer, self.seed = p, layer, seed

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        keep = dropout_keep(self.seed, self.layer, x.numel(), self.p).reshape(x.shape)
        scale = 0.0 if self.p >= 1 else 1.0 / (1.0 - self.p)
        return x * keep * scale


class EngineDropout2d(nn.Module):
    """nn.Dropout2d with the engine's mask, one draw per (sample, channel): y = x·keep[n,c]/(1-p)."""

    def __init__(self, p, layer, seed):
        super().__init__()
        self.p, self.layer, self.seed = p, layer, seed

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        n, c = x.shape[0], x.shape[1]
        keep = dropout_keep(self.seed, self.layer, n * c, self.p).reshape(n, c, 1, 1)
        scale = 0.0 if self.p >= 1 else 1.0 / (1.0 - self.p)
        return x * keep * scale


# ---- helpers ------------------------------------------------------------------------------
NORMS = (nn.BatchNorm2d, nn.GroupNorm, nn.LayerNorm)  # weights about 1


def build(spec, seed=0):
    layers = []
    for i, l in enumerate(spec):
        args = {k: v for k, v in l.items() if k != "type"}
        if l["type"] == "Dropout":
            layers.append(EngineDropout(args.get("p", 0.5), i, seed))
        elif l["type"] == "Dropout2d":
            layers.append(EngineDropout2d(args.get("p", 0.5), i, seed))
        else:
            layers.append(getattr(nn, l["type"])(**args))
    return nn.Sequential(*layers).double()


def tensor(t, digits=9):
    t = t.detach().cpu()
    fmt = "%.{}g".format(digits)
    data = [float(fmt % v) if math.isfinite(v) else v for v in t.reshape(-1).tolist()]
    return {"shape": list(t.shape), "data": data}


def f32(shape, gen, scale=1.0, shift=0.0):
    """float32-representable values, returned as float64."""
    return (torch.randn(shape, generator=gen, dtype=torch.float32) * scale + shift).to(torch.float32).double()


def make(name, spec, input_shape, loss="nll", mode="train", optimizer=None, seed=0, dropout_seed=None,
         randomize_buffers=False, input_scale=1.0, param_scale=None, tol=TOL, fixed=None, note=None):
    gen = torch.Generator().manual_seed(seed)
    model = build(spec, seed=dropout_seed or 0)
    with torch.no_grad():
        for k, p in model.named_parameters():
            if fixed and k in fixed:
                p.copy_(torch.tensor(fixed[k], dtype=torch.float64).reshape(p.shape))
            elif k.endswith("weight") and isinstance(model[int(k.split(".")[0])], NORMS):
                p.copy_(f32(p.shape, gen, 0.2, 1.0))
            elif k.endswith("bias") and isinstance(model[int(k.split(".")[0])], (nn.GroupNorm, nn.LayerNorm)):
                p.copy_(f32(p.shape, gen, 0.1))
            else:
                fan_in = p[0].numel() if p.dim() > 1 else 1
                scale = param_scale if param_scale is not None else (1.0 / math.sqrt(fan_in) if p.dim() > 1 else 0.1)
                p.copy_(f32(p.shape, gen, scale))
        if randomize_buffers:
            for k, b in model.named_buffers():
                if k.endswith("running_mean"):
                    b.copy_(f32(b.shape, gen, 0.3))
                elif k.endswith("running_var"):
                    b.copy_(f32(b.shape, gen, 0.2, 0.0).abs() + 0.5)
                    b.copy_(b.float().double())
        for k, b in model.named_buffers():
            if fixed and k in fixed:
                b.copy_(torch.tensor(fixed[k], dtype=torch.float64).reshape(b.shape).float().double())
    params = {k: tensor(p) for k, p in model.named_parameters()}
    buffers = {k: tensor(b) for k, b in model.named_buffers() if not k.endswith("num_batches_tracked")}

    if fixed and "input" in fixed:
        x = torch.tensor(fixed["input"], dtype=torch.float64).reshape(input_shape)
    else:
        x = f32(input_shape, gen, input_scale)
    x.requires_grad_(True)
    model.train(mode == "train")
    y = model(x)
    if loss == "nll":
        if fixed and "target" in fixed:
            t = torch.tensor(fixed["target"], dtype=torch.long)
        else:
            t = torch.randint(0, y.shape[1], (y.shape[0],), generator=gen)
        L = F.nll_loss(y, t)
        target = {"shape": list(t.shape), "data": t.tolist()}
    else:
        if fixed and "target" in fixed:
            t = torch.tensor(fixed["target"], dtype=torch.float64).reshape(y.shape)
        else:
            t = torch.rand(y.shape, generator=gen, dtype=torch.float32).double()
        L = 0.5 * ((t - y) ** 2).sum()
        target = tensor(t)
    model.zero_grad()
    L.backward()

    expected = {
        "output": tensor(y, 12),
        "loss": float("%.12g" % L.item()),
        "inputGrad": tensor(x.grad, 12),
        "grads": {k: tensor(p.grad, 12) for k, p in model.named_parameters()},
    }
    if mode == "train" and buffers:
        expected["buffersAfter"] = {k: tensor(b, 12) for k, b in model.named_buffers() if not k.endswith("num_batches_tracked")}
    fx = {
        "name": name,
        "model": spec,
        "mode": mode,
        "loss": loss,
        "input": tensor(x),
        "target": target,
        "params": params,
    }
    if buffers:
        fx["buffers"] = buffers
    if dropout_seed is not None:
        fx["dropoutSeed"] = dropout_seed
    if optimizer:
        opt = torch.optim.SGD(model.parameters(), lr=optimizer["lr"], momentum=optimizer.get("momentum", 0),
                              weight_decay=optimizer.get("weight_decay", 0))
        opt.step()
        fx["optimizer"] = {"type": "SGD", **optimizer}
        expected["paramsAfterStep"] = {k: tensor(p, 12) for k, p in model.named_parameters()}
    fx["expected"] = expected
    fx["tolerance"] = tol
    n_params = sum(p.numel() for p in model.parameters())
    fx["meta"] = {"generator": "scripts/gen_fixtures.py", "torch": torch.__version__, "paramCount": n_params}
    if note:
        fx["meta"]["note"] = note
    path = os.path.join(OUT, name + ".json")
    with open(path, "w") as f:
        json.dump(fx, f, separators=(",", ":"))
        f.write("\n")
    print("%-34s params %6d  loss %.6g" % (name, n_params, L.item()))
    return fx


SURE = {"abs": 0.0, "rel": 1e-4, "scale": 1e-3}


def near_constant(center, spread):
    gen = torch.Generator().manual_seed(205)
    x = torch.randn(4, 3, 3, 3, generator=gen, dtype=torch.float64)
    x[:, 0] *= 1e-3
    x[:, 1] = 2.5
    x[:, 2] = center + spread * x[:, 2]
    return x.float().double().flatten().tolist()


def margin_logits(seed):
    """[6, 10] float32 logits: rows 2k, 2k+1 lead by 10, 20, 30 (k = 0, 1, 2), every other logit
    0 … 3 further below; odd rows sit near 40. Labels: the argmax on even rows, another class on odd."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.zeros(6, 10, dtype=torch.float64)
    labels = []
    for r in range(6):
        a = (3 * r + 1) % 10
        base = 40.0 if r % 2 else 0.0
        row = base - [10.0, 20.0, 30.0][r // 2] - 3 * torch.rand(10, generator=gen, dtype=torch.float64)
        row[a] = base
        x[r] = row.float().double()
        labels.append(a if r % 2 == 0 else (a + 4) % 10)
    return x, labels


def margin_rows():
    x, labels = margin_logits(200)
    return {"input": x.flatten().tolist(), "target": labels}


def margin_head():
    """An input whose pooled channels, through W ≈ I (float32) and a small bias, give margin_logits."""
    x, labels = margin_logits(201)
    gen = torch.Generator().manual_seed(202)
    w = (torch.eye(10, dtype=torch.float64) + 0.01 * torch.randn(10, 10, generator=gen, dtype=torch.float64)).float().double()
    b = (0.05 * torch.randn(10, generator=gen, dtype=torch.float64)).float().double()
    # Six pixels per channel around its pooled value, so the mean is not one of them.
    spread = torch.tensor([-1.5, -0.5, 0.25, 0.25, 0.5, 1.0], dtype=torch.float64).reshape(1, 1, 2, 3)
    pooled = torch.linalg.solve(w, (x - b).T).T
    inp = (pooled.reshape(6, 10, 1, 1) + spread).float().double()
    # Every label the argmax: a wrong row's gradients (about 1/6) would set the scale of dW and db.
    right = x.argmax(1).tolist()
    return {"1.weight": w.flatten().tolist(), "1.bias": b.tolist(), "input": inp.flatten().tolist(), "target": right}


def conv(i, o, k, p=0, bias=True):
    return {"type": "Conv2d", "in_channels": i, "out_channels": o, "kernel_size": k, "padding": p, "bias": bias}


def conv_general(SGD):
    """Conv2d with stride, dilation and groups (shaders/conv2d_general.wgsl), alone and in a small net."""
    def g(i, o, k, **kw):
        return {"type": "Conv2d", "in_channels": i, "out_channels": o, "kernel_size": k, **kw}
    make("conv_general_s2_p1", [g(3, 4, 3, stride=2, padding=1)], [2, 3, 9, 7], loss="half_sse", seed=120, optimizer=SGD)
    make("conv_general_dil2_b1", [g(2, 3, 3, dilation=2, bias=False)], [1, 2, 9, 10], loss="half_sse", seed=121)
    make("conv_general_depthwise3x3", [g(5, 5, 3, padding=1, groups=5)], [3, 5, 7, 6], loss="half_sse", seed=122)
    make("conv_general_groups2_4to6", [g(4, 6, 3, padding=1, groups=2)], [2, 4, 6, 5], loss="half_sse", seed=123)
    make("conv_general_s2_d2_g2_nonsquare_b1", [g(4, 6, 3, stride=2, dilation=2, padding=[2, 1], groups=2,
                                                  padding_mode="zeros")], [1, 4, 11, 8], loss="half_sse", seed=124)
    net = [g(1, 8, 3, stride=2), {"type": "BatchNorm2d", "num_features": 8}, {"type": "ReLU"},
           g(8, 8, 3, groups=8), g(8, 16, 1), {"type": "AdaptiveAvgPool2d", "output_size": 1}, {"type": "Flatten"},
           {"type": "Linear", "in_features": 16, "out_features": 10}, {"type": "LogSoftmax", "dim": 1}]
    make("conv_general_strided_depthwise_net", net, [3, 1, 13, 13], seed=125, optimizer=SGD)
    make("conv_general_strided_depthwise_net_eval", net, [2, 1, 13, 13], mode="eval", seed=126, randomize_buffers=True)
    # PyTorch's padding strings: "same" (plain and dilated) and "valid".
    same = [g(2, 4, 3, padding="same"), {"type": "ReLU"}, g(4, 3, [5, 3], padding="valid"),
            g(3, 3, 3, padding="same", dilation=[2, 1])]
    make("conv_padding_same_valid_b1", same, [1, 2, 9, 8], loss="half_sse", seed=127, optimizer=SGD)


def main():
    os.makedirs(OUT, exist_ok=True)
    SGD = {"lr": 0.1, "momentum": 0.9, "weight_decay": 5e-4}

    # -- every op alone ----------------------------------------------------------------------
    for b in (1, 5, 70):
        make("linear_b%d" % b, [{"type": "Linear", "in_features": 17, "out_features": 10, "bias": True}], [b, 17],
             loss="half_sse", seed=b, optimizer=SGD)
    make("linear_nobias_b3", [{"type": "Linear", "in_features": 65, "out_features": 66, "bias": False}], [3, 65],
         loss="half_sse", seed=4)
    make("conv3x3_pad1_bias", [conv(3, 4, 3, 1, True)], [2, 3, 7, 6], loss="half_sse", seed=10, optimizer=SGD)
    make("conv3x3_nobias_b1_28x28", [conv(1, 8, 3, 0, False)], [1, 1, 28, 28], loss="half_sse", seed=11)
    make("conv1x1", [conv(5, 7, 1, 0, True)], [3, 5, 6, 6], loss="half_sse", seed=12)
    make("conv5x3_pad2x0", [{"type": "Conv2d", "in_channels": 2, "out_channels": 3, "kernel_size": [5, 3],
                              "padding": [2, 0], "bias": True}], [2, 2, 9, 8], loss="half_sse", seed=13)
    make("relu", [{"type": "ReLU"}], [4, 3, 5, 5], loss="half_sse", seed=20)
    make("sigmoid", [{"type": "Sigmoid"}], [3, 10], loss="half_sse", seed=21, input_scale=3.0)
    make("batchnorm_train", [{"type": "BatchNorm2d", "num_features": 3}], [4, 3, 5, 5], loss="half_sse", seed=30,
         optimizer=SGD, input_scale=2.0)
    make("batchnorm_train_b1", [{"type": "BatchNorm2d", "num_features": 2, "momentum": 0.3, "eps": 1e-3}], [1, 2, 3, 3],
         loss="half_sse", seed=31)
    make("batchnorm_eval", [{"type": "BatchNorm2d", "num_features": 3}], [2, 3, 4, 4], loss="half_sse", mode="eval",
         seed=32, randomize_buffers=True)
    # A channel of near-constant values about 0 (variance 1e-6, far below eps), one exactly constant
    # (x̂ = 0) and, in eval, one about 3 (variance 1e-4) with running variances 1e-9, 0 and 1e-4.
    # Train has its third channel about 0.5 (variance 1e-2): with spread 1e-2 about 3 the batch mean
    # as a float32 (off by half a step, 1e-7) moves ∂L/∂x by ~γ·invstd²·1e-7, 3x the tolerance even
    # for the best-rounded mean (float32 PyTorch the same; shaders/batchnorm.wgsl).
    make("batchnorm_train_near_zero_var", [{"type": "BatchNorm2d", "num_features": 3}], [4, 3, 3, 3], loss="half_sse",
         seed=33, fixed={"input": near_constant(0.5, 0.1)}, optimizer=SGD, note="variances 1e-6, 0 and 1e-2 against eps = 1e-5")
    make("batchnorm_eval_near_zero_var", [{"type": "BatchNorm2d", "num_features": 3}], [4, 3, 3, 3], loss="half_sse",
         mode="eval", seed=34, fixed={"input": near_constant(3.0, 1e-2), "0.running_mean": [0.0, 2.5, 3.0],
                                       "0.running_var": [1e-9, 0.0, 1e-4]},
         note="running variances 1e-9, 0 and 1e-4 against eps = 1e-5; a channel about 3 (bn_y's cancellation)")
    make("maxpool", [{"type": "MaxPool2d", "kernel_size": 2}], [2, 3, 6, 6], loss="half_sse", seed=40)
    make("maxpool_odd", [{"type": "MaxPool2d", "kernel_size": 2}], [1, 2, 7, 5], loss="half_sse", seed=41)
    # Overlapping windows (an input chosen by two windows gets both gradients) and -inf padding.
    make("maxpool3_s2_p1_b1", [{"type": "MaxPool2d", "kernel_size": 3, "stride": 2, "padding": 1}], [1, 3, 9, 7],
         loss="half_sse", seed=42)
    make("maxpool2_s1_odd", [{"type": "MaxPool2d", "kernel_size": 2, "stride": 1}], [3, 2, 7, 5], loss="half_sse", seed=43)
    make("conv_maxpool3_s2_p1_linear", [conv(2, 4, 3, 1, True), {"type": "ReLU"},
                                        {"type": "MaxPool2d", "kernel_size": 3, "stride": 2, "padding": 1},
                                        {"type": "Flatten"}, {"type": "Linear", "in_features": 100, "out_features": 10, "bias": True},
                                        {"type": "LogSoftmax", "dim": 1}], [3, 2, 9, 9], seed=44, optimizer=SGD)
    # A 1×1 convolution before an overlapping pool: not the fused unit (it needs stride = kernel).
    make("conv1x1_maxpool3_s2_p1", [conv(3, 4, 1, 0, True), {"type": "MaxPool2d", "kernel_size": 3, "stride": 2, "padding": 1}],
         [2, 3, 7, 8], loss="half_sse", seed=45, optimizer=SGD)
    make("gap", [{"type": "AdaptiveAvgPool2d", "output_size": 1}], [3, 4, 5, 5], loss="half_sse", seed=50)
    make("avgpool5_odd", [{"type": "AvgPool2d", "kernel_size": 5}], [2, 3, 7, 6], loss="half_sse", seed=51)
    make("avgpool3_s2_p1_b1", [{"type": "AvgPool2d", "kernel_size": 3, "stride": 2, "padding": 1}], [1, 4, 9, 11],
         loss="half_sse", seed=52)
    make("avgpool3x2_s1x2_p1_exclude_pad", [{"type": "AvgPool2d", "kernel_size": [3, 2], "stride": [1, 2], "padding": 1,
                                             "count_include_pad": False}], [3, 2, 8, 6], loss="half_sse", seed=53)
    make("conv_avgpool7_linear", [conv(2, 4, 3, 1, True), {"type": "AvgPool2d", "kernel_size": 7}, {"type": "Flatten"},
                                  {"type": "Linear", "in_features": 4, "out_features": 10, "bias": True},
                                  {"type": "LogSoftmax", "dim": 1}], [3, 2, 7, 7], seed=54, optimizer=SGD)
    # GroupNorm: odd shapes, batch 1, G = 1 and G = C, no affine, eval (the same), in a conv net with SGD.
    make("groupnorm3_c6_odd", [{"type": "GroupNorm", "num_groups": 3, "num_channels": 6}], [3, 6, 5, 7], loss="half_sse",
         seed=80, optimizer=SGD, input_scale=2.0)
    make("groupnorm1_b1", [{"type": "GroupNorm", "num_groups": 1, "num_channels": 4, "eps": 1e-3}], [1, 4, 3, 5],
         loss="half_sse", seed=81)
    make("groupnorm_g_eq_c", [{"type": "GroupNorm", "num_groups": 5, "num_channels": 5}], [2, 5, 4, 3], loss="half_sse", seed=82)
    make("groupnorm_noaffine", [{"type": "GroupNorm", "num_groups": 2, "num_channels": 4, "affine": False}], [2, 4, 3, 3],
         loss="half_sse", seed=83)
    make("groupnorm_eval", [{"type": "GroupNorm", "num_groups": 2, "num_channels": 6}], [2, 6, 3, 4], loss="half_sse",
         mode="eval", seed=84)
    make("conv_groupnorm_linear", [conv(1, 6, 3, 1, True), {"type": "GroupNorm", "num_groups": 2, "num_channels": 6},
                                   {"type": "ReLU"}, {"type": "MaxPool2d", "kernel_size": 2}, {"type": "Flatten"},
                                   {"type": "Linear", "in_features": 54, "out_features": 10, "bias": True},
                                   {"type": "LogSoftmax", "dim": 1}], [3, 1, 7, 7], seed=85, optimizer=SGD)
    # LayerNorm over [C, H, W] after a conv and over [F] after a Linear, batch 1, no affine.
    make("layernorm_chw_odd", [{"type": "LayerNorm", "normalized_shape": [3, 5, 7]}], [2, 3, 5, 7], loss="half_sse",
         seed=86, optimizer=SGD)
    make("layernorm_chw_b1_noaffine", [{"type": "LayerNorm", "normalized_shape": [4, 3, 3], "eps": 1e-3,
                                        "elementwise_affine": False}], [1, 4, 3, 3], loss="half_sse", seed=87)
    make("conv_layernorm_linear", [conv(2, 4, 3, 0, True), {"type": "LayerNorm", "normalized_shape": [4, 5, 5]},
                                   {"type": "ReLU"}, {"type": "Flatten"},
                                   {"type": "Linear", "in_features": 100, "out_features": 10, "bias": True},
                                   {"type": "LogSoftmax", "dim": 1}], [3, 2, 7, 7], seed=88, optimizer=SGD)
    for b in (1, 4):
        make("linear_layernorm_b%d" % b, [{"type": "Flatten"}, {"type": "Linear", "in_features": 12, "out_features": 9, "bias": True},
                                          {"type": "LayerNorm", "normalized_shape": 9}, {"type": "ReLU"},
                                          {"type": "Linear", "in_features": 9, "out_features": 10, "bias": True},
                                          {"type": "LogSoftmax", "dim": 1}], [b, 3, 2, 2], seed=89 + b, optimizer=SGD)
    make("dropout_train", [{"type": "Dropout", "p": 0.3}], [4, 50], loss="half_sse", seed=60, dropout_seed=12345)
    make("dropout_eval", [{"type": "Dropout", "p": 0.3}], [4, 50], loss="half_sse", mode="eval", seed=61)
    make("dropout2d_train_odd", [{"type": "Dropout2d", "p": 0.3}], [3, 5, 7, 3], loss="half_sse", seed=62, dropout_seed=777)
    make("dropout2d_train_b1", [{"type": "Dropout2d", "p": 0.5}], [1, 8, 2, 5], loss="half_sse", seed=63, dropout_seed=4242)
    make("dropout2d_eval", [{"type": "Dropout2d", "p": 0.3}], [2, 3, 4, 4], loss="half_sse", mode="eval", seed=64)
    make("conv_dropout2d_avgpool_linear", [conv(2, 6, 3, 0, True), {"type": "Dropout2d", "p": 0.2}, {"type": "ReLU"},
                                           {"type": "AvgPool2d", "kernel_size": 5}, {"type": "Flatten"},
                                           {"type": "Linear", "in_features": 6, "out_features": 10, "bias": True},
                                           {"type": "LogSoftmax", "dim": 1}], [4, 2, 7, 7], seed=65, dropout_seed=99,
         optimizer=SGD)
    make("log_softmax_nll", [{"type": "LogSoftmax", "dim": 1}], [5, 10], loss="nll", seed=70, input_scale=3.0)
    make("log_softmax_nll_b1", [{"type": "LogSoftmax", "dim": 1}], [1, 3], loss="nll", seed=71)
    # Sure rows: the argmax leads by a margin of 10, 20 or 30 (p = 1 - 1e-5 … 1 - 1e-13), the label
    # right and wrong, on logits near 0 and near 40 (where m + log Σ exp would round the tail away).
    # Gradients far below abs: the log-softmax rows' rule has abs 0; the head's logits near 40 carry
    # float32's rounding (abs 1e-5 as elsewhere) and its gradients, all sure, 1e-3 of their scale.
    make("log_softmax_nll_margins", [{"type": "LogSoftmax", "dim": 1}], [6, 10], loss="nll", tol=SURE,
         fixed=margin_rows(), note="logit margins 10, 20, 30; labels the argmax (rows 0, 2, 4) and not (1, 3, 5)")
    make("head_gap_conv1x1_margins", [{"type": "AdaptiveAvgPool2d", "output_size": 1}, conv(10, 10, 1, 0, True),
                                      {"type": "Flatten"}, {"type": "LogSoftmax", "dim": 1}], [6, 10, 2, 3], loss="nll",
         tol=dict(TOL, scale=1e-3), fixed=margin_head(), note="the fused head on logits with margins about 10, 20, 30, every label the argmax")
    # The classifier head the engine runs as one unit (GAP → 1×1 conv or Linear → LogSoftmax).
    make("head_gap_conv1x1_bias", [{"type": "AdaptiveAvgPool2d", "output_size": 1}, conv(5, 4, 1, 0, True), {"type": "Flatten"},
                                   {"type": "LogSoftmax", "dim": 1}], [7, 5, 3, 4], loss="nll", seed=73,
         optimizer={"lr": 0.1, "momentum": 0.9, "weight_decay": 5e-4})
    make("head_gap_linear_b40", [{"type": "AdaptiveAvgPool2d", "output_size": 1}, {"type": "Flatten"},
                                 {"type": "Linear", "in_features": 20, "out_features": 11, "bias": False},
                                 {"type": "LogSoftmax", "dim": 1}], [40, 20, 2, 2], loss="nll", seed=74)
    # A 1×1 convolution feeding a max pool (one unit in the engine), odd sizes, bias, pool 2 and 3.
    make("conv1x1_maxpool_odd", [conv(3, 5, 1, 0, True), {"type": "MaxPool2d", "kernel_size": 2}], [2, 3, 7, 5],
         loss="half_sse", seed=75, optimizer=SGD)
    make("conv1x1_maxpool3_after_conv", [conv(2, 3, 3, 1, False), conv(3, 9, 1, 0, False), {"type": "MaxPool2d", "kernel_size": 3}],
         [3, 2, 8, 7], loss="half_sse", seed=76)
    make("flatten_linear_nll", [{"type": "Flatten"}, {"type": "Linear", "in_features": 12, "out_features": 4, "bias": True},
                                {"type": "LogSoftmax", "dim": 1}], [6, 3, 2, 2], loss="nll", seed=72,
         optimizer={"lr": 0.05, "momentum": 0.0})

    # -- wide layers (the S5 model's shapes), batches that are no multiple of a GEMM tile --------
    # Inputs at half the unit scale, as the activations these layers see after ReLU and pooling: at
    # unit scale float32 itself (any summation order, the direct kernels' and the GEMMs') misses
    # abs 1e-5 on dw elements that cancel to ~1e-3 over K = 192…320 products (measured: 3.9e-5).
    make("conv_wide_64to128_10x10_b5", [conv(64, 128, 3, 0, True)], [5, 64, 10, 10], loss="half_sse", seed=120, input_scale=0.5)
    make("conv_wide_128to256_8x8_b3", [conv(128, 256, 3, 0, True)], [3, 128, 8, 8], loss="half_sse", seed=121, input_scale=0.5)
    make("conv_below_tile_2to3_4x5_pad1_b1", [conv(2, 3, 3, 1, True)], [1, 2, 4, 5], loss="half_sse", seed=122)
    make("linear_wide_4096to50_b3", [{"type": "Linear", "in_features": 4096, "out_features": 50, "bias": True}], [3, 4096],
         loss="half_sse", seed=123)

    # -- the 2-2-2 sigmoid network of the backprop notebook (ERA sheet values) -------------
    toy = lambda bias: [{"type": "Linear", "in_features": 2, "out_features": 2, "bias": bias}, {"type": "Sigmoid"},
                        {"type": "Linear", "in_features": 2, "out_features": 2, "bias": bias}, {"type": "Sigmoid"}]
    era = {"0.weight": [0.15, 0.2, 0.25, 0.3], "2.weight": [0.4, 0.45, 0.5, 0.55], "input": [0.05, 0.1],
           "target": [0.5, 0.5]}
    make("toy_222_era", toy(False), [1, 2], loss="half_sse", fixed=era, optimizer={"lr": 0.5, "momentum": 0.0})
    mazur = {"0.weight": [0.15, 0.2, 0.25, 0.3], "0.bias": [0.35, 0.35], "2.weight": [0.4, 0.45, 0.5, 0.55],
             "2.bias": [0.6, 0.6], "input": [0.05, 0.1], "target": [0.01, 0.99]}
    make("toy_222_mazur_bias", toy(True), [1, 2], loss="half_sse", fixed=mazur, optimizer={"lr": 0.5, "momentum": 0.0})
    make("toy_222_batch3", toy(True), [3, 2], loss="half_sse", seed=80, optimizer={"lr": 1.0, "momentum": 0.9})

    conv_general(SGD)

    # -- a small CNN with an SGD-momentum step, and the same in eval mode ------------------
    small = [conv(1, 4, 3, 1, False), {"type": "BatchNorm2d", "num_features": 4}, {"type": "ReLU"},
             {"type": "MaxPool2d", "kernel_size": 2}, conv(4, 3, 1, 0, True),
             {"type": "AdaptiveAvgPool2d", "output_size": 1}, {"type": "Flatten"}, {"type": "LogSoftmax", "dim": 1}]
    make("small_cnn_train_sgd", small, [3, 1, 9, 9], seed=90, optimizer={"lr": 0.05, "momentum": 0.9, "weight_decay": 1e-4})
    make("small_cnn_eval", small, [2, 1, 9, 9], mode="eval", seed=91, randomize_buffers=True)

    # -- the default MNIST model at batch 4 ---------------------------------------------------
    with open(DEFAULT_MODEL) as f:
        default = json.load(f)
    fx = make("mnist_default_b4", default, [4, 1, 28, 28], seed=100, dropout_seed=2024,
              optimizer={"lr": 0.05, "momentum": 0.9, "weight_decay": 0.0})
    make("mnist_default_b4_eval", default, [4, 1, 28, 28], mode="eval", seed=101, randomize_buffers=True)
    print("default MNIST model (%s): %d parameters" % (os.path.relpath(DEFAULT_MODEL, ROOT), fx["meta"]["paramCount"]))

    # -- the default model trained ten steps (the loss trajectory) ---------------------------
    trajectory("mnist_default_trajectory", default, 8, seed=110)

    # -- the S5 notebook's model (593,200 parameters) trained three steps at batch 4: its wide
    # layers go through the GEMM kernels in every tuning. 9 significant digits keep the file at
    # ~20 MB; that is 1e-9 relative, far inside the tolerance.
    with open(S5_MODEL) as f:
        s5 = json.load(f)
    trajectory("s5_trajectory_b4", s5, 4, seed=130, steps=3, digits=9)


def trajectory(name, spec, batch, seed, steps=10, max_lr=0.1, epochs=20, steps_per_epoch=469, weight_decay=5e-4,
               train_seed=1, tol=None, digits=12):
    """Ten (`steps`) training steps of a model on one fixed batch, like llm.c's test_gpt2: SGD with momentum and
    weight decay at the OneCycle schedule's first rates (and momenta), dropout on with the engine's
    per-step seeds (the trainer's pcg(pcg(seed) + step)), no augmentation. Expected: the loss at
    every step; output, loss and gradients of the last step; parameters and running statistics
    after it."""
    gen = torch.Generator().manual_seed(seed)
    model = build(spec)
    with torch.no_grad():
        for k, p in model.named_parameters():
            if k.endswith("weight") and isinstance(model[int(k.split(".")[0])], nn.BatchNorm2d):
                p.copy_(f32(p.shape, gen, 0.2, 1.0))
            elif p.dim() > 1:
                p.copy_(f32(p.shape, gen, 1.0 / math.sqrt(p[0].numel())))
            else:
                p.copy_(f32(p.shape, gen, 0.1))
    params = {k: tensor(p) for k, p in model.named_parameters()}
    x = f32([batch] + [1, 28, 28], gen)
    t = torch.randint(0, 10, (batch,), generator=gen)
    opt = torch.optim.SGD(model.parameters(), lr=max_lr, momentum=0.9, weight_decay=weight_decay)
    sch = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, epochs=epochs, steps_per_epoch=steps_per_epoch)
    model.train()
    plan, losses = [], []
    for k in range(steps):
        dseed = pcg((pcg(train_seed) + k) & 0xFFFFFFFF)
        for m in model:
            if isinstance(m, (EngineDropout, EngineDropout2d)):
                m.seed = dseed
        lr, mom = opt.param_groups[0]["lr"], opt.param_groups[0]["momentum"]
        plan.append({"lr": lr, "momentum": mom, "dropoutSeed": dseed})
        y = model(x)
        L = F.nll_loss(y, t)
        opt.zero_grad()
        L.backward()
        losses.append(float("%.12g" % L.item()))
        if k == steps - 1:
            output, loss = tensor(y, 12), float("%.12g" % L.item())
            grads = {kk: tensor(p.grad, digits) for kk, p in model.named_parameters()}
        opt.step()
        sch.step()
    fx = {
        "name": name,
        "model": spec,
        "mode": "train",
        "loss": "nll",
        "input": tensor(x),
        "target": {"shape": [batch], "data": t.tolist()},
        "params": params,
        "optimizer": {"type": "SGD", "lr": plan[0]["lr"], "momentum": plan[0]["momentum"], "weight_decay": weight_decay},
        "trajectory": {
            "schedule": {"type": "OneCycleLR", "max_lr": max_lr, "epochs": epochs, "stepsPerEpoch": steps_per_epoch},
            "trainSeed": train_seed,
            "steps": plan,
        },
        "expected": {
            "losses": losses,
            "output": output,
            "loss": loss,
            "grads": grads,
            "buffersAfter": {k: tensor(b, 12) for k, b in model.named_buffers() if not k.endswith("num_batches_tracked")},
            "paramsAfterStep": {k: tensor(p, digits) for k, p in model.named_parameters()},
        },
        "tolerance": tol or TOL,
        "meta": {"generator": "scripts/gen_fixtures.py", "torch": torch.__version__,
                 "paramCount": sum(p.numel() for p in model.parameters()),
                 "note": "%d SGD steps on one batch; output, loss and grads are the last step's, params and buffers after it" % steps},
    }
    path = os.path.join(OUT, name + ".json")
    with open(path, "w") as f:
        json.dump(fx, f, separators=(",", ":"))
        f.write("\n")
    print("%-34s losses %s" % (name, " ".join("%.4f" % v for v in losses)))
    return fx


def schedules():
    """lr and momentum per optimizer step for the schedulers the trainer implements."""
    out = []
    cases = [
        ("StepLR", dict(step_size=2, gamma=0.1), 0.05, 0.9, 5, 3),
        ("OneCycleLR", dict(max_lr=0.1), 0.1, 0.9, 4, 5),
        ("OneCycleLR", dict(max_lr=0.05, pct_start=0.2, div_factor=10, final_div_factor=100, anneal_strategy="linear"), 0.05, 0.9, 3, 7),
        ("OneCycleLR", dict(max_lr=0.2, cycle_momentum=False), 0.2, 0.9, 3, 4),
    ]
    for kind, args, lr, momentum, epochs, steps in cases:
        p = nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([p], lr=lr, momentum=momentum)
        if kind == "StepLR":
            sch = torch.optim.lr_scheduler.StepLR(opt, **args)
        else:
            sch = torch.optim.lr_scheduler.OneCycleLR(opt, epochs=epochs, steps_per_epoch=steps, **args)
        lrs, moms = [], []
        for e in range(epochs):
            for s in range(steps):
                lrs.append(opt.param_groups[0]["lr"])
                moms.append(opt.param_groups[0]["momentum"])
                opt.step()
                if kind != "StepLR":
                    sch.step()
            if kind == "StepLR":
                sch.step()
        spec = {"type": kind, **{k: v for k, v in args.items() if k != "max_lr"}}
        out.append({"schedule": spec, "lr": lr, "momentum": momentum, "epochs": epochs, "stepsPerEpoch": steps,
                    "expected": {"lr": lrs, "momentum": moms}})
    path = os.path.join(os.path.dirname(OUT), "schedules.json")
    with open(path, "w") as f:
        json.dump({"generator": "scripts/gen_fixtures.py", "torch": torch.__version__, "cases": out}, f, indent=1)
        f.write("\n")
    print("schedules: %d cases -> %s" % (len(out), os.path.relpath(path, ROOT)))


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
    schedules()
