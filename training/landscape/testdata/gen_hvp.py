"""Reference Hessian-vector products of networks of layers, for
TestLayerHessianMatchesPyTorch.

Run with /usr/bin/python3 (torch 1.13) from this directory:
    /usr/bin/python3 gen_hvp.py
It writes hvp_<name>.json.gz: the layer list, a batch of inputs and
labels, every tensor by the workbench's name (float32 values), two
directions v (float32 values) and, for cross-entropy and for MSE on the
softmax, the mean loss of the network in evaluation mode (dropout off,
batch normalisation on its running statistics) and H·v for each
direction from PyTorch's float64 double backward, to 10 digits.
"""
import gzip
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "nn", "testdata"))
from gen_arch import GAP, Block, Conv, Dense, Norm, lenet  # noqa: E402

torch.manual_seed(1)


class Squash(nn.Module):
    """A convolution and activations gen_arch's Act does not name."""

    def __init__(self, mod, act):
        super().__init__()
        self.mod, self.act = mod, act

    def forward(self, x):
        return self.act(self.mod(x))


def resnet(classes):
    return nn.Sequential(Conv(1, 4, 3, 1, 1, "linear"), Norm(4, "relu"), Block(4, 4), Block(4, 6), GAP(),
                         Dense(6, classes, "linear"))


def mixed(classes):
    conv = Squash(nn.Conv2d(1, 4, 3, 2, 1), torch.tanh)
    return nn.Sequential(conv, nn.AvgPool2d(2), nn.Dropout(0.5), nn.Flatten(),
                         Squash(nn.Linear(196, 10), torch.sigmoid), nn.Linear(10, classes))


CASES = {
    "lenet": ("conv(6,5,1,2,relu),maxpool(2),conv(16,5,1,0,relu),maxpool(2),dense(120,relu),dense(84,relu)", lenet),
    "resnet": ("conv(4,3,1,1,linear),batchnorm(relu),residual(4),residual(6),globalavgpool", resnet),
    "mixed": ("conv(4,3,2,1,tanh),avgpool(2),dropout(0.5),flatten,dense(10,sigmoid)", mixed),
}


def main():
    classes, batch = 3, 40
    for name, (layers, build) in CASES.items():
        model = build(classes)
        with torch.no_grad():
            for n, p in model.named_parameters():
                if p.dim() == 1:  # biases and batch norm's scale and shift away from 0 and 1
                    p.add_(0.1 * torch.randn_like(p))
            for n, b in model.named_buffers():
                if n.endswith("running_mean"):
                    b.copy_(0.2 * torch.randn_like(b))
                elif n.endswith("running_var"):
                    b.copy_(0.5 + torch.rand_like(b))
        x = torch.randn(batch, 1, 28, 28)
        y = torch.randint(0, classes, (batch,))
        v32 = [[torch.randn_like(p) for p in model.parameters()] for _ in range(2)]

        model = model.double().eval()
        params = list(model.parameters())

        def short(values, digits):
            return [float(f"{a:.{digits}g}") for a in values]

        def flat(t):  # float32 values: 9 digits give them back exactly
            return short(t.detach().float().reshape(-1).tolist(), 9)

        losses = {}
        for loss_name in ("cross_entropy", "mse"):
            z = model(x.double())
            if loss_name == "mse":
                loss = F.mse_loss(torch.softmax(z, 1), F.one_hot(y, classes).double())
            else:
                loss = F.cross_entropy(z, y)
            grads = torch.autograd.grad(loss, params, create_graph=True)
            hvs = []
            for v in v32:
                dot = sum((g * vi.double()).sum() for g, vi in zip(grads, v))
                hv = torch.autograd.grad(dot, params, retain_graph=True)
                hvs.append(short(torch.cat([h.reshape(-1) for h in hv]).tolist(), 10))
            losses[loss_name] = {"loss": float(loss), "hv": hvs}

        out = {
            "layers": layers, "classes": classes,
            "names": ["layers." + n.replace(".mod.", ".") for n, _ in model.named_parameters()],
            "x": flat(x), "y": [int(a) for a in y],
            "params": {"layers." + n.replace(".mod.", "."): flat(p) for n, p in model.named_parameters()},
            "buffers": {"layers." + n: flat(b) for n, b in model.named_buffers()},
            "v": [flat(torch.cat([vi.reshape(-1) for vi in v])) for v in v32],
            "losses": losses,
        }
        with gzip.open(f"hvp_{name}.json.gz", "wt") as f:
            json.dump(out, f)


if __name__ == "__main__":
    main()
