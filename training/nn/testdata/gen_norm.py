"""Writes norm_*.json: PyTorch's BatchNorm2d and BatchNorm1d on seeded
inputs, for the Go tests in norm_test.go to compare against.

Run from this folder with Debian's python3-torch (1.13):

    /usr/bin/python3 gen_norm.py

Each file holds the shape, eps and momentum, the affine parameters gamma and
beta, the weights r of the linear functional L = sum(r * y), and:
  train: two training-mode passes over different batches, each with x, the
         output y and the gradients dx, dgamma, dbeta of L;
  running_mean, running_var, num_batches_tracked: the state after them;
  eval:  an evaluation-mode pass afterwards over a third batch, with the same
         fields as a training pass.
Tensors are flattened in C order (NCHW, or N x features for BatchNorm1d);
float32 values are written exactly.
"""

import json

import torch


def flat(t):
    return t.detach().reshape(-1).tolist()


def batch(gen, shape, channels):
    # Per-channel offsets and spreads, so that the statistics matter.
    view = (1, channels) + (1,) * (len(shape) - 2)
    offset = torch.linspace(-2.0, 3.0, channels).reshape(view)
    spread = torch.linspace(0.5, 2.0, channels).reshape(view)
    return torch.randn(shape, generator=gen) * spread + offset


def run(bn, x, r):
    x = x.clone().requires_grad_(True)
    bn.zero_grad(set_to_none=True)
    y = bn(x)
    (r * y).sum().backward()
    return {
        "x": flat(x),
        "y": flat(y),
        "dx": flat(x.grad),
        "dgamma": flat(bn.weight.grad),
        "dbeta": flat(bn.bias.grad),
    }


def case(module, shape, seed):
    gen = torch.Generator().manual_seed(seed)
    channels = shape[1]
    bn = module(channels, eps=1e-5, momentum=0.1)
    with torch.no_grad():
        bn.weight.copy_(torch.rand(channels, generator=gen) + 0.5)
        bn.bias.copy_(torch.randn(channels, generator=gen) * 0.5)
    r = torch.randn(shape, generator=gen)
    bn.train()
    passes = [run(bn, batch(gen, shape, channels), r) for _ in range(2)]
    state = {
        "running_mean": flat(bn.running_mean),
        "running_var": flat(bn.running_var),
        "num_batches_tracked": int(bn.num_batches_tracked),
    }
    bn.eval()
    evaluated = run(bn, batch(gen, shape, channels), r)
    n, c = shape[0], shape[1]
    h, w = (shape[2], shape[3]) if len(shape) == 4 else (1, 1)
    out = {
        "torch": torch.__version__,
        "module": module.__name__,
        "n": n, "c": c, "h": h, "w": w,
        "eps": bn.eps, "momentum": bn.momentum,
        "gamma": flat(bn.weight), "beta": flat(bn.bias), "r": flat(r),
        "train": passes,
        **state,
        "eval": evaluated,
    }
    return out


def main():
    torch.set_num_threads(1)
    cases = {
        "norm_batchnorm2d.json": case(torch.nn.BatchNorm2d, (4, 3, 4, 5), 12),
        "norm_batchnorm1d.json": case(torch.nn.BatchNorm1d, (6, 5), 13),
    }
    for name, data in cases.items():
        with open(name, "w") as f:
            json.dump(data, f)
            f.write("\n")


if __name__ == "__main__":
    main()
