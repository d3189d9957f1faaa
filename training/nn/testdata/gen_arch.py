"""Reference losses and gradients of assembled networks, for arch tests.

Run with /usr/bin/python3 (torch 1.13) from this directory:
    /usr/bin/python3 gen_arch.py
It writes arch_<name>.json.gz: the layer list, a batch of inputs and
labels, every tensor by PyTorch's name (as the workbench names them), the
mean cross-entropy, every parameter's gradient, the running statistics
after that training step, and the evaluation-mode logits afterwards.
"""
import gzip
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Act(nn.Module):
    def __init__(self, name):
        super().__init__()
        self.name = name

    def forward(self, x):
        return {"relu": F.relu, "tanh": torch.tanh, "linear": lambda v: v}[self.name](x)


class Dense(nn.Linear):
    def __init__(self, cin, cout, act):
        super().__init__(cin, cout)
        self.act = Act(act)

    def forward(self, x):
        return self.act(super().forward(x.flatten(1)))


class Conv(nn.Conv2d):
    def __init__(self, cin, cout, k, s, p, act):
        super().__init__(cin, cout, k, s, p)
        self.act = Act(act)

    def forward(self, x):
        return self.act(super().forward(x))


class Norm(nn.BatchNorm2d):
    def __init__(self, c, act):
        super().__init__(c)
        self.act = Act(act)

    def forward(self, x):
        return self.act(super().forward(x))


class Block(nn.Module):
    def __init__(self, cin, w):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, w, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(w)
        self.conv2 = nn.Conv2d(w, w, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(w)
        self.shortcut = None
        if cin != w:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, w, 1, bias=False), nn.BatchNorm2d(w))

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        return F.relu(h + (x if self.shortcut is None else self.shortcut(x)))


class GAP(nn.Module):
    def forward(self, x):
        return x.mean((2, 3))


def lenet(classes):
    return nn.Sequential(Conv(1, 6, 5, 1, 2, "relu"), nn.MaxPool2d(2), Conv(6, 16, 5, 1, 0, "relu"), nn.MaxPool2d(2),
                         Dense(400, 120, "relu"), Dense(120, 84, "relu"), Dense(84, classes, "linear"))


def resnet(classes):
    return nn.Sequential(Conv(1, 8, 3, 1, 1, "linear"), Norm(8, "relu"), Block(8, 8), Block(8, 12), GAP(),
                         Dense(12, classes, "linear"))


CASES = {
    "lenet": ("conv(6,5,1,2,relu),maxpool(2),conv(16,5,1,0,relu),maxpool(2),dense(120,relu),dense(84,relu)", lenet),
    "resnet": ("conv(8,3,1,1,linear),batchnorm(relu),residual(8),residual(12),globalavgpool", resnet),
}


def main():
    classes, batch = 3, 4
    for name, (layers, build) in CASES.items():
        model = build(classes)
        with torch.no_grad():  # batch norm's affine parameters away from 1 and 0
            for n, p in model.named_parameters():
                if p.dim() == 1:
                    p.add_(0.1 * torch.randn_like(p))
        x = torch.randn(batch, 1, 28, 28)
        y = torch.randint(0, classes, (batch,))
        model.train()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        model.eval()
        with torch.no_grad():
            logits = model(x)

        def flat(t):
            return [float(v) for v in t.detach().reshape(-1).tolist()]

        out = {
            "layers": layers,
            "x": flat(x), "y": [int(v) for v in y],
            "params": {n: flat(p) for n, p in model.named_parameters()},
            "grads": {n: flat(p.grad) for n, p in model.named_parameters()},
            "buffers_after": {n: flat(b) for n, b in model.named_buffers()},
            "loss": float(loss),
            "eval_logits": flat(logits),
        }
        with gzip.open(f"arch_{name}.json.gz", "wt") as f:
            json.dump(out, f)


if __name__ == "__main__":
    main()
