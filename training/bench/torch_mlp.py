"""PyTorch reference for Neural Workbench's headline benchmark.

Trains the default network (784-128-64-3, ReLU, Adam lr 1e-3, batch 64,
cross-entropy) on MNIST digits 3, 5 and 8 from the repository's embedded
IDX files, and prints the training throughput (samples per second inside
the training loop, batch gathering included, as workbench reports it, and
inside the forward/backward/update calls alone) and the test accuracy.

    /usr/bin/python3 training/bench/torch_mlp.py [--threads N] [--epochs E] [--arch mlp|lenet]

--arch lenet trains LeNet-5 as workbench's preset has it instead: conv
6@5x5 pad 2, maxpool 2, conv 16@5x5, maxpool 2, dense 120, dense 84, ReLU.

Debian's python3-torch (1.13) uses the system BLAS, so install
libopenblas0-pthread, and compare with OPENBLAS_CORETYPE=SkylakeX (or
Haswell) set: OpenBLAS 0.3.21 does not recognise recent Xeons and otherwise
falls back to slow SSE3 kernels, which workbench works around itself.
"""
import argparse
import gzip
import os
import struct
import time

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
MNIST = os.path.join(HERE, "..", "..", "assets", "mnist")


def idx(name):
    with gzip.open(os.path.join(MNIST, name)) as f:
        data = f.read()
    magic, n = struct.unpack(">II", data[:8])
    if magic == 0x803:
        return np.frombuffer(data, np.uint8, offset=16).reshape(n, 784)
    return np.frombuffer(data, np.uint8, offset=8)


def subset(images, labels, digits):
    keep = np.isin(labels, digits)
    remap = {d: i for i, d in enumerate(digits)}
    return images[keep], np.array([remap[l] for l in labels[keep]])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--arch", choices=["mlp", "lenet"], default="mlp")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    digits = [3, 5, 8]
    xtr, ytr = subset(idx("train-images-idx3-ubyte.gz"), idx("train-labels-idx1-ubyte.gz"), digits)
    xte, yte = subset(idx("t10k-images-idx3-ubyte.gz"), idx("t10k-labels-idx1-ubyte.gz"), digits)
    # The same 90/10 train/validation split as workbench's default.
    perm = np.random.default_rng(args.seed).permutation(len(xtr))
    ntrain = len(xtr) - len(xtr) // 10
    xtr, ytr = xtr[perm[:ntrain]], ytr[perm[:ntrain]]
    mean, std = xtr.mean() / 255, xtr.std() / 255
    norm = lambda x: torch.tensor((x / 255.0 - mean) / std, dtype=torch.float32)
    xtr_t, ytr_t = norm(xtr), torch.tensor(ytr)
    xte_t, yte_t = norm(xte), torch.tensor(yte)

    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 3))
    if args.arch == "lenet":
        model = nn.Sequential(
            nn.Unflatten(1, (1, 28, 28)),
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 3))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    lossf = nn.CrossEntropyLoss()
    step_time, loop_time, samples = 0.0, 0.0, 0
    for epoch in range(args.epochs):
        t_epoch = time.perf_counter()
        order = torch.randperm(len(xtr_t))
        for start in range(0, len(order), 64):
            idxs = order[start:start + 64]
            xb, yb = xtr_t[idxs], ytr_t[idxs]
            t0 = time.perf_counter()
            opt.zero_grad(set_to_none=True)
            loss = lossf(model(xb), yb)
            loss.backward()
            opt.step()
            step_time += time.perf_counter() - t0
            samples += len(idxs)
        loop_time += time.perf_counter() - t_epoch
    with torch.no_grad():
        acc = (model(xte_t).argmax(1) == yte_t).float().mean().item()
    print(f"pytorch {torch.__version__} {args.arch} threads={args.threads} "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}: "
          f"{samples / loop_time:,.0f} samples/s over the training loop "
          f"({samples / step_time:,.0f} inside forward/backward/step), "
          f"test accuracy {100 * acc:.2f}% after {args.epochs} epochs")


if __name__ == "__main__":
    main()
