#!/usr/bin/env python3
"""Reference for `workbench curvature`: the extreme eigenvalues of the loss
Hessian of a saved Neural Workbench model, by Lanczos on exact float64
Hessian-vector products from PyTorch's double backward.

    python3 hessian_reference.py MODEL_DIR MNIST_DIR

evaluates on the whole MNIST test set of the model's classes (as
`workbench curvature --samples all` does) and prints JSON. Needs PyTorch
(Debian: python3-torch) and numpy; reads safetensors and IDX by hand.
"""
import gzip, json, struct, sys
import numpy as np
import torch

def read_safetensors(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, t in header.items():
        a, b = t["data_offsets"]
        tensors[name] = np.frombuffer(raw[8 + n + a:8 + n + b], dtype=np.float32).reshape(t["shape"]).copy()
    return tensors, meta

def read_idx(path):
    data = gzip.open(path).read()
    magic, count = struct.unpack(">II", data[:8])
    if magic == 0x803:
        rows, cols = struct.unpack(">II", data[8:16])
        return np.frombuffer(data[16:], dtype=np.uint8).reshape(count, rows * cols)
    return np.frombuffer(data[8:], dtype=np.uint8)

def main():
    model_dir, mnist = sys.argv[1], sys.argv[2]
    tensors, meta = read_safetensors(model_dir + "/model.safetensors")
    spec, classes = json.loads(meta["architecture"]), json.loads(meta["classes"])
    mean, std = float(meta["normalize_mean"]), float(meta["normalize_std"])
    loss_name = json.load(open(model_dir + "/config.json"))["loss"]
    images = read_idx(mnist + "/t10k-images-idx3-ubyte.gz")
    labels = read_idx(mnist + "/t10k-labels-idx1-ubyte.gz")
    digits = [int(c) for c in classes]
    keep = np.isin(labels, digits)
    x = torch.tensor((images[keep] / 255.0 - mean) / std, dtype=torch.float64)
    y = torch.tensor([digits.index(int(l)) for l in labels[keep]])
    acts = [layer["activation"] for layer in spec["hidden"]]
    n_layers = len(acts) + 1
    params = []
    for i in range(n_layers):
        params.append(torch.tensor(tensors[f"layers.{i}.weight"], dtype=torch.float64, requires_grad=True))
        params.append(torch.tensor(tensors[f"layers.{i}.bias"], dtype=torch.float64, requires_grad=True))
    f = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "linear": lambda v: v,
         "gelu": torch.nn.functional.gelu, "elu": torch.nn.functional.elu,
         "leaky_relu": lambda v: torch.nn.functional.leaky_relu(v, 0.01)}

    def loss_fn(ps):
        h = x
        for i in range(n_layers):
            h = h @ ps[2 * i].T + ps[2 * i + 1]
            if i < n_layers - 1:
                h = f[acts[i]](h)
        if loss_name == "mse":
            p = torch.softmax(h, dim=1)
            return torch.nn.functional.mse_loss(p, torch.nn.functional.one_hot(y, p.shape[1]).double())
        return torch.nn.functional.cross_entropy(h, y)

    loss = loss_fn(params)
    grads = torch.autograd.grad(loss, params, create_graph=True)
    flat = torch.cat([g.reshape(-1) for g in grads])
    n = flat.numel()

    def hvp(v):
        hv = torch.autograd.grad(flat, params, grad_outputs=None, retain_graph=True,
                                 only_inputs=True, allow_unused=False, is_grads_batched=False) if False else \
             torch.autograd.grad(flat @ v, params, retain_graph=True)
        return torch.cat([h.reshape(-1) for h in hv]).detach()

    # Lanczos with full reorthogonalisation, 120 iterations.
    gen = torch.Generator().manual_seed(0)
    q = torch.randn(n, dtype=torch.float64, generator=gen)
    q /= q.norm()
    basis, alphas, betas = [q], [], []
    beta = 0.0
    for k in range(120):
        w = hvp(basis[-1])
        alpha = float(w @ basis[-1])
        alphas.append(alpha)
        for _ in range(2):
            for b in basis:
                w -= (w @ b) * b
        beta = float(w.norm())
        if beta < 1e-12:
            break
        betas.append(beta)
        basis.append(w / beta)
    m = len(alphas)
    T = np.diag(alphas) + np.diag(betas[:m - 1], 1) + np.diag(betas[:m - 1], -1)
    ev = np.linalg.eigvalsh(T)
    print(json.dumps({"loss": float(loss), "max_eig": float(ev[-1]), "min_eig": float(ev[0]),
                      "iterations": m, "samples": int(keep.sum())}))

main()
