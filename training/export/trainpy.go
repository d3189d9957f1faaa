package export

import (
	"bytes"
	"strconv"
	"text/template"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/nn"
)

// TrainFile is the script that continues training an export.
const TrainFile = "train.py"

// TrainPy is train.py for m: it continues training the exported network
// with the run's loss, optimizer and hyperparameters, batch size and
// augmentation, on MNIST-format IDX files or a folder of images, on CPU or
// GPU, in one process or many under torchrun (DistributedDataParallel:
// gloo on CPU, nccl on GPU), printing a JSON line an epoch.
func TrainPy(m *training.Model) (string, error) {
	c := m.Config
	loss := "ce"
	if c.Loss == nn.MSE {
		loss = "mse"
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	var b bytes.Buffer
	err := trainTemplate.Execute(&b, map[string]string{
		"Arch": m.Net.Spec.String(), "Loss": loss, "Optimizer": string(c.Optimizer),
		"LR": f(c.LR), "Momentum": f(c.Momentum), "WeightDecay": f(c.WeightDecay),
		"Batch": strconv.Itoa(c.Batch), "Seed": strconv.FormatUint(c.Seed, 10),
		"Flip":   map[bool]string{true: "True", false: "False"}[c.Augment.Flip],
		"Rotate": f(c.Augment.Rotate), "Shift": strconv.Itoa(c.Augment.Shift), "Noise": f(c.Augment.Noise),
		"Pen": f(c.Augment.Pen),
	})
	return b.String(), err
}

var trainTemplate = template.Must(template.New("train.py").Parse(`"""Continues training {{.Arch}}, exported from Neural Workbench.

    python3 train.py --data idx:DIR --epochs 3 --out trained
    torchrun --nproc_per_node=2 train.py --data idx:DIR --epochs 3 --out trained

(Debian 12's torch 1.13 under Python 3.11: torchrun fails in to_map
unless given --redirects 2 --tee 2 before --nproc_per_node.)

--data is a folder of MNIST-format IDX files (train-images-idx3-ubyte,
train-labels-idx1-ubyte, t10k-…, optionally .gz) or folder:DIR, one
subfolder of images per class (needs Pillow; images are made 28x28
grayscale). The run's loss, optimizer, learning rate, momentum, weight
decay, batch size and augmentation are below; the network and its
weights come from model.py and model.safetensors beside this file. Under
torchrun each process trains on its share of every epoch
(DistributedDataParallel: gloo on CPU, nccl on GPU). One JSON line an
epoch: epoch, train_loss, test_loss, test_acc.
"""
import argparse
import gzip
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model  # noqa: E402

LOSS = "{{.Loss}}"
OPTIMIZER = "{{.Optimizer}}"
LR = {{.LR}}
MOMENTUM = {{.Momentum}}
WEIGHT_DECAY = {{.WeightDecay}}
BATCH = {{.Batch}}
SEED = {{.Seed}}
FLIP, ROTATE, SHIFT, NOISE = {{.Flip}}, {{.Rotate}}, {{.Shift}}, {{.Noise}}
PEN = {{.Pen}}  # the workbench's pen-width augmentation is not reproduced here


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic, n = struct.unpack(">II", data[:8])
    if magic == 0x803:
        rows, cols = struct.unpack(">II", data[8:16])
        return np.frombuffer(data, np.uint8, offset=16).reshape(n, rows * cols)
    return np.frombuffer(data, np.uint8, offset=8)


def find(directory, stem):
    for name in (stem, stem + ".gz"):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            return path
    sys.exit(f"{directory} has no {stem}")


def idx_split(directory, prefix):
    images = read_idx(find(directory, prefix + "-images-idx3-ubyte"))
    labels = read_idx(find(directory, prefix + "-labels-idx1-ubyte"))
    names = [str(v) for v in labels]
    keep = np.array([n in model.CLASSES for n in names])
    ys = np.array([model.CLASSES.index(n) for n, k in zip(names, keep) if k], np.int64)
    return images[keep], ys


def folder_split(directory):
    try:
        from PIL import Image
    except ImportError:
        sys.exit("folder: datasets need Pillow (pip install pillow, or apt install python3-pil)")
    xs, ys = [], []
    for k, name in enumerate(model.CLASSES):
        sub = os.path.join(directory, name)
        for f in sorted(os.listdir(sub)):
            img = Image.open(os.path.join(sub, f)).convert("L").resize((28, 28))
            xs.append(np.asarray(img, np.uint8).reshape(784))
            ys.append(k)
    xs, ys = np.stack(xs), np.array(ys, np.int64)
    order = np.random.default_rng(SEED).permutation(len(xs))
    test = len(xs) // 5
    return (xs[order[test:]], ys[order[test:]]), (xs[order[:test]], ys[order[:test]])


def load(spec):
    kind, _, directory = spec.partition(":")
    if kind == "idx":
        return idx_split(directory, "train"), idx_split(directory, "t10k")
    if kind == "folder":
        return folder_split(directory)
    sys.exit(f"--data must be idx:DIR or folder:DIR (got {spec!r})")


def augment(x, gen):
    """x: N x 784 pixels in [0, 1]."""
    n = x.shape[0]
    img = x.reshape(n, 1, 28, 28)
    if FLIP:
        flip = torch.rand(n, generator=gen) < 0.5
        img = torch.where(flip[:, None, None, None], img.flip(3), img)
    if ROTATE or SHIFT:
        angle = (torch.rand(n, generator=gen) * 2 - 1) * math.radians(ROTATE)
        shift = torch.randint(-SHIFT, SHIFT + 1, (n, 2), generator=gen).float() * 2 / 28
        cos, sin = angle.cos(), angle.sin()
        theta = torch.stack([torch.stack([cos, -sin, -shift[:, 0]], 1), torch.stack([sin, cos, -shift[:, 1]], 1)], 1)
        grid = F.affine_grid(theta, img.shape, align_corners=False)
        img = F.grid_sample(img, grid, align_corners=False)
    if NOISE:
        img = (img + NOISE * torch.randn(img.shape, generator=gen)).clamp(0, 1)
    return img.reshape(n, 784)


def optimizer(params):
    if OPTIMIZER == "sgd":
        return torch.optim.SGD(params, lr=LR, weight_decay=WEIGHT_DECAY)
    if OPTIMIZER in ("momentum", "nesterov"):
        return torch.optim.SGD(params, lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY, nesterov=OPTIMIZER == "nesterov")
    if OPTIMIZER == "adam":
        return torch.optim.Adam(params, lr=LR, weight_decay=WEIGHT_DECAY)
    if OPTIMIZER == "adamw":
        return torch.optim.AdamW(params, lr=LR, weight_decay=WEIGHT_DECAY)
    if OPTIMIZER == "rmsprop":
        return torch.optim.RMSprop(params, lr=LR, alpha=0.99, eps=1e-8, weight_decay=WEIGHT_DECAY)
    return torch.optim.Adagrad(params, lr=LR, weight_decay=WEIGHT_DECAY, eps=1e-10)


def loss_of(logits, y):
    if LOSS == "mse":
        return F.mse_loss(logits.softmax(1), F.one_hot(y, logits.shape[1]).float())
    return F.cross_entropy(logits, y)


def evaluate(net, x, y, device):
    net.eval()
    total, right = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(x), 1024):
            xb = ((x[start:start + 1024] - model.MEAN) / model.STD).to(device)
            yb = y[start:start + 1024].to(device)
            logits = net(xb)
            total += loss_of(logits, yb).item() * len(yb)
            right += (logits.argmax(1) == yb).sum().item()
    net.train()
    return total / len(x), right / len(x)


def save(net, directory):
    """model.safetensors in the layout model.load_model reads, and model.py."""
    os.makedirs(directory, exist_ok=True)
    state = {k: v.detach().float().cpu().contiguous() for k, v in net.state_dict().items()}
    header, offset, blobs = {}, 0, []
    for name, t in state.items():
        blob = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    head = json.dumps(header).encode()
    head += b" " * (-len(head) % 8)
    with open(os.path.join(directory, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head + b"".join(blobs))
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "model.py")) as src, open(os.path.join(directory, "model.py"), "w") as dst:
        dst.write(src.read())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="idx:DIR or folder:DIR")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--out", default="trained", help="where to write the trained model.safetensors and model.py")
    ap.add_argument("--cpu", action="store_true", help="train on the CPU even when a GPU is available")
    args = ap.parse_args()

    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    cuda = torch.cuda.is_available() and not args.cpu
    rank, world = 0, 1
    if distributed:
        dist.init_process_group("nccl" if cuda else "gloo")
        rank, world = dist.get_rank(), dist.get_world_size()
    device = torch.device(f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}" if cuda else "cpu")
    torch.manual_seed(SEED)

    (xtr, ytr), (xte, yte) = load(args.data)
    xtr, xte = torch.tensor(xtr / 255.0, dtype=torch.float32), torch.tensor(xte / 255.0, dtype=torch.float32)
    ytr, yte = torch.tensor(ytr), torch.tensor(yte)
    net = model.load_model(os.path.dirname(os.path.abspath(__file__))).train().to(device)
    # Only rank 0 evaluates, on the module itself: a DDP forward would
    # wait for the other processes.
    plain = net
    if distributed:
        net = torch.nn.parallel.DistributedDataParallel(net)
    opt = optimizer(net.parameters())
    gen = torch.Generator().manual_seed(SEED + rank)
    if rank == 0:
        loss, acc = evaluate(plain, xte, yte, device)
        print(json.dumps({"epoch": 0, "test_loss": loss, "test_acc": acc, "processes": world}), flush=True)
    for epoch in range(1, args.epochs + 1):
        order = torch.randperm(len(xtr), generator=torch.Generator().manual_seed(SEED * 1000 + epoch))
        # Each process trains on its share, as DistributedSampler deals
        # them; DDP averages the gradients, so a step sees BATCH x processes.
        order = order[rank::world]
        total, seen = 0.0, 0
        for start in range(0, len(order), BATCH):
            idx = order[start:start + BATCH]
            xb = ((augment(xtr[idx], gen) - model.MEAN) / model.STD).to(device)
            yb = ytr[idx].to(device)
            opt.zero_grad(set_to_none=True)
            loss = loss_of(net(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            seen += len(idx)
        stats = torch.tensor([total, seen], dtype=torch.float64)
        if distributed:
            dist.all_reduce(stats)
        if rank == 0:
            test_loss, test_acc = evaluate(plain, xte, yte, device)
            print(json.dumps({"epoch": epoch, "train_loss": stats[0].item() / stats[1].item(),
                              "test_loss": test_loss, "test_acc": test_acc}), flush=True)
    if rank == 0:
        save(plain, args.out)
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
`))
