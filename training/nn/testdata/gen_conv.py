"""Writes the PyTorch references the convolution and pooling kernels are
tested against (conv_test.go, pool_test.go): conv_conv2d.json,
conv_maxpool.json, conv_avgpool.json and conv_globalavgpool.json.

Each case holds seeded float32 inputs (x, and weight and bias for conv2d),
the coefficients r of the linear functional L = sum(r * y), PyTorch's
output y and the gradients of L. The references are computed by PyTorch in
float64 from the float32 inputs; the script checks that PyTorch's own
float32 results are within TOLERANCE of them, so the Go tests hold the
kernels to the accuracy PyTorch itself achieves in float32.

Run from this directory with Debian's python3-torch (1.13):
    /usr/bin/python3 gen_conv.py
"""

import json

import torch
import torch.nn.functional as F

# An element passes when |got - want| <= TOLERANCE * max(|want|, rms(want)),
# the rule of bnCompare in norm_test.go, which the Go tests use.
TOLERANCE = 1e-5


def close(got, want):
    got, want = got.double(), want.double()
    rms = want.pow(2).mean().sqrt()
    return bool(((got - want).abs() <= TOLERANCE * torch.maximum(want.abs(), rms)).all())


def case(gen, params, fn, x, extra=None):
    """Runs fn(x, *extra) in float64 and float32 and returns the case."""
    extra = extra or {}
    inputs = {"x": x, **extra}
    y32 = fn(*inputs.values())
    r = torch.randn(y32.shape, generator=gen)

    results = {}
    for dtype in (torch.float64, torch.float32):
        leaves = {k: v.to(dtype).requires_grad_() for k, v in inputs.items()}
        y = fn(*leaves.values())
        (r.to(dtype) * y).sum().backward()
        results[dtype] = (y.detach(), {k: v.grad for k, v in leaves.items()})

    y64, g64 = results[torch.float64]
    y32, g32 = results[torch.float32]
    assert close(y32, y64), params
    for k in g64:
        assert close(g32[k], g64[k]), (params, k)

    out = dict(params)
    for k, v in inputs.items():
        out[k] = v.flatten().tolist()
    out["r"] = r.flatten().tolist()
    out["y"] = y64.flatten().tolist()
    for k, v in g64.items():
        out["d" + k] = v.flatten().tolist()
    return out


def conv(gen, n, c, h, w, filters, k, stride, pad):
    params = dict(n=n, c=c, h=h, w=w, filters=filters, k=k, stride=stride, pad=pad)
    x = torch.randn(n, c, h, w, generator=gen)
    bound = 1 / (c * k * k) ** 0.5
    weight = (torch.rand(filters, c, k, k, generator=gen) * 2 - 1) * bound
    bias = (torch.rand(filters, generator=gen) * 2 - 1) * bound
    return case(gen, params, lambda x, weight, bias: F.conv2d(x, weight, bias, stride=stride, padding=pad),
                x, {"weight": weight, "bias": bias})


def pool(gen, fn, n, c, h, w, size, ties=False):
    x = torch.randn(n, c, h, w, generator=gen)
    if ties:
        # Values on a coarse grid, so that many windows hold equal maxima
        # and the gradient must go to the first.
        x = torch.round(x * 2) / 2
    return case(gen, dict(n=n, c=c, h=h, w=w, size=size, ties=ties),
                lambda x: fn(x, size) if size else fn(x), x)


def write(name, cases):
    with open(name, "w") as f:
        json.dump({"torch": torch.__version__, "tolerance": TOLERANCE, "cases": cases}, f)
        f.write("\n")


def main():
    gen = torch.Generator().manual_seed(12)
    write("conv_conv2d.json", [
        conv(gen, n=2, c=3, h=10, w=9, filters=4, k=5, stride=1, pad=2),
        conv(gen, n=3, c=2, h=9, w=7, filters=5, k=3, stride=2, pad=1),
    ])
    write("conv_maxpool.json", [
        pool(gen, F.max_pool2d, n=2, c=3, h=7, w=9, size=2, ties=True),
        pool(gen, F.max_pool2d, n=3, c=2, h=8, w=7, size=3, ties=True),
    ])
    write("conv_avgpool.json", [
        pool(gen, F.avg_pool2d, n=2, c=3, h=7, w=9, size=2),
        pool(gen, F.avg_pool2d, n=3, c=2, h=8, w=7, size=3),
    ])
    write("conv_globalavgpool.json", [
        pool(gen, lambda x: F.adaptive_avg_pool2d(x, 1).flatten(1), n=3, c=4, h=5, w=7, size=0),
    ])


if __name__ == "__main__":
    main()
