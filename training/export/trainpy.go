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
train-labels-idx1-ubyte, t10k-…, optionally .gz) or folder:DIR, an image
folder as the workbench reads it (DIR/<class>/… or DIR/train/<class>/…
and DIR/test/<class>/…; needs Pillow), with the workbench's test split.
Images that already are 28x28 frames, light ink on black, are read
exactly as the workbench reads them; others are framed more simply than
its photo pipeline does (see frame). The run's loss, optimizer, learning rate, momentum, weight
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


# A folder dataset is read as the workbench reads it (training/dataset's
# LoadFolder): the same class folders, image files, order and seeded test
# split, so the test set is the run's. Images become frames as imageproc
# makes them, exactly for images that already are frames (28x28, light ink
# on black: MNIST's digits, frames the workbench saved) and for the
# grayscale conversion; other images take a shorter path (see frame).
IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff")
TEST_FRACTION = 0.2
M64 = (1 << 64) - 1


def listed(directory):
    """The entries of directory the workbench looks at, sorted by name:
    hidden ones and macOS's __MACOSX left out."""
    entries = [e for e in os.scandir(directory) if not (e.name.startswith(".") or e.name == "__MACOSX")]
    return sorted(entries, key=lambda e: e.name)


def image_files(directory):
    """The images under directory, subfolders included (links to folders
    not followed), in the order Go's filepath.WalkDir visits them."""
    files = []
    for e in listed(directory):
        if e.is_dir(follow_symlinks=False):
            files += image_files(e.path)
        elif os.path.splitext(e.name)[1].lower() in IMAGE_EXTS:
            files.append(e.path)
    return files


def class_folders(directory):
    """The folders holding the class folders ([""], or the train and test
    folders, named in any letter case) and the class folder names."""
    top = [e.name for e in listed(directory) if e.is_dir()]
    train = next((n for n in top if n.lower() == "train"), None)
    test = next((n for n in top if n.lower() == "test"), None)
    if train is None and test is None:
        return [""], top
    if train is None or test is None:
        sys.exit(f"{directory} has a {train or test!r} folder but no {'test' if test is None else 'train'!r} folder")
    names = [e.name for e in listed(os.path.join(directory, train)) if e.is_dir()]
    if names != [e.name for e in listed(os.path.join(directory, test)) if e.is_dir()]:
        sys.exit(f"the {train} and {test} folders of {directory} must hold the same class folders")
    return [train, test], names


class SplitMix64:
    """The workbench's generator for splits (training/dataset's rng): seed
    xor the FNV-1a hash of key, advanced once."""

    def __init__(self, seed, key):
        h = 0xCBF29CE484222325
        for b in key.encode():
            h = ((h ^ b) * 0x100000001B3) & M64
        self.state = seed ^ h
        self.next()

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & M64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)

    def below(self, n):
        """A uniform integer in [0, n) (Lemire's method)."""
        m = self.next() * n
        if m & M64 < n:
            threshold = ((1 << 64) - n) % n
            while m & M64 < threshold:
                m = self.next() * n
        return m >> 64


def round_half_away(x):
    """Go's math.Round."""
    r = math.floor(abs(x))
    if abs(x) - r >= 0.5:
        r += 1
    return int(math.copysign(r, x))


def test_share(n, name):
    """Which of a class's n images the workbench sets aside for testing:
    round(TEST_FRACTION n) of them (at most n - 1), shuffled by SEED and the
    class's name."""
    k = min(round_half_away(TEST_FRACTION * n), n - 1)
    if k < 1:
        sys.exit(f"class {name!r} has {n} readable images; at least 3 are needed to set one aside for testing")
    idx = list(range(n))
    rng = SplitMix64(SEED, "test:" + name)
    for i in range(n - 1, 0, -1):
        j = rng.below(i + 1)
        idx[i], idx[j] = idx[j], idx[i]
    return set(idx[:k])


def grayscale(img):
    """img in 8-bit luminance as imageproc's grayscale makes it: JPEG's Y;
    0.299 R + 0.587 G + 0.114 B of the premultiplied colour, flattened onto
    white if the opaque pixels are dark on average and onto black if not."""
    if img.format == "JPEG":
        img.draft("L", None)  # libjpeg hands over Y, as Go's decoder does
    if img.mode == "L":
        return np.asarray(img, np.uint8)
    if img.mode.startswith("I"):  # 16-bit grayscale: its top byte
        return (np.asarray(img).astype(np.int64) >> 8).clip(0, 255).astype(np.uint8)
    rgba = np.asarray(img.convert("RGBA"), np.uint64)
    a = rgba[..., 3]
    pre = (rgba[..., :3] * a[..., None] * 257 // 255) >> 8
    y = (19595 * pre[..., 0] + 38470 * pre[..., 1] + 7471 * pre[..., 2] + (1 << 15)) >> 16
    if 2 * int(y.sum()) < int(a.sum()):
        y = y + 255 - a
    return y.astype(np.uint8)


def quantile(values, q):
    """The lowest level at or below which more than q of values lie."""
    seen = np.cumsum(np.bincount(values.ravel(), minlength=256))
    return int(np.argmax(seen > q * seen[-1]))


def mnist_like(g):
    """Whether g already is a frame: 28x28, bright ink, nearly all its border black."""
    if g.shape != (28, 28):
        return False
    border = np.concatenate([g[0], g[-1], g[1:-1, 0], g[1:-1, -1]])
    return g.max() >= 128 and int((border > 8).sum()) <= 12


def ink_bounds(ink):
    """imageproc's inkBounds: the box of the pixels at 64 or more, widened
    over adjacent rows and columns with pixels at 16 or more, by at most
    a twentieth of its longer side each way."""
    ys, xs = np.nonzero(ink >= 64)
    if len(ys) == 0:
        raise ValueError("no digit found in the image (it is blank)")
    x0, x1, y0, y1 = int(xs.min()), int(xs.max()) + 1, int(ys.min()), int(ys.max()) + 1
    edge = ink >= 16
    h, w = ink.shape
    grow = (max(x1 - x0, y1 - y0) + 19) // 20
    for _ in range(grow):
        if x0 == 0 or not edge[y0:y1, x0 - 1].any():
            break
        x0 -= 1
    for _ in range(grow):
        if x1 == w or not edge[y0:y1, x1].any():
            break
        x1 += 1
    for _ in range(grow):
        if y0 == 0 or not edge[y0 - 1, x0:x1].any():
            break
        y0 -= 1
    for _ in range(grow):
        if y1 == h or not edge[y1, x0:x1].any():
            break
        y1 += 1
    return x0, y0, x1, y1


def frame(img):
    """A 28x28 frame of img, ink bright on black, as imageproc.Frame makes it.

    Exact for an image that already is a frame (it passes through) and for
    the grayscale conversion. Any other image is brought to at most 640
    pixels a side (a box filter), inverted if it is dark ink on a light
    background (imageproc's rule: the 80th percentile of a border ring in
    the upper half of the tonal range), its ink levels stretched between
    the border's median and the level its brightest 1/2000 of pixels (at
    least 12) reach, cropped to the ink's box, scaled with PIL's bicubic
    filter (Catmull-Rom, widened when shrinking, as x/image/draw's) into
    20x20 keeping its aspect, stretched to 255 and centred by centre of
    mass. The workbench's photo steps (evening out the light, choosing the
    colour channel, removing ruled lines, keeping only the digit's marks,
    thickening fine strokes, rejecting noise) are not reproduced, so
    photos and scans give different frames here, and even a clean digit
    that needs framing differs by a few levels a pixel (about 6 of 255 on
    average for MNIST digits scaled up, dark on white): for those, train
    on frames the workbench made. JPEG and lossy WebP decoders can differ
    from Go's by a level here and there.
    """
    from PIL import Image

    g = grayscale(img)
    if mnist_like(g):
        return g.reshape(784)
    h, w = g.shape
    if max(w, h) > 640:
        f = max(w, h) / 640
        size = max(1, round_half_away(w / f)), max(1, round_half_away(h / f))
        g = np.asarray(Image.fromarray(g).resize(size, Image.BOX), np.uint8)
        h, w = g.shape
    t = max(1, min(w, h) // 32)
    ring = np.ones((h, w), bool)
    ring[t:h - t, t:w - t] = False
    bg, lo, hi = quantile(g[ring], 0.8), quantile(g, 0.001), quantile(g, 0.999)
    if 2 * bg > lo + hi or (2 * bg == lo + hi and bg >= 128):
        g = 255 - g
    paper = quantile(g[ring], 0.5)
    top = int(np.sort(g.ravel())[-max(12, g.size // 2000)]) if g.size >= 12 else int(g.max())
    if top - paper < 16:
        raise ValueError("no digit found in the image (it is blank)")
    ink = ((g.astype(np.float64) - paper) / (top - paper) * 255 + 0.5).clip(0, 255).astype(np.uint8)
    x0, y0, x1, y1 = ink_bounds(ink)
    bw, bh = x1 - x0, y1 - y0
    side = max(bw, bh)
    dw, dh = min(20, max(1, (bw * 20 + side // 2) // side)), min(20, max(1, (bh * 20 + side // 2) // side))
    scaled = np.asarray(Image.fromarray(ink).resize((dw, dh), Image.BICUBIC, box=(x0, y0, x1, y1)), np.int64)
    peak = int(scaled.max())
    if peak == 0:
        raise ValueError("the ink fades away when shrunk")
    if peak < 255:
        scaled = (scaled * 255 + peak // 2) // peak
    total = scaled.sum()
    cx = (scaled.sum(0) * np.arange(dw)).sum() / total
    cy = (scaled.sum(1) * np.arange(dh)).sum() / total
    ox = min(28 - dw, max(0, round_half_away(14 - cx)))
    oy = min(28 - dh, max(0, round_half_away(14 - cy)))
    out = np.zeros((28, 28), np.uint8)
    out[oy:oy + dh, ox:ox + dw] = scaled
    return out.reshape(784)


def frame_file(path):
    from PIL import Image

    with Image.open(path) as img:
        return frame(img)


def folder_split(directory):
    """The training and test images of the model's CLASSES in the image
    folder directory, and their labels, as the workbench splits them."""
    try:
        import PIL  # noqa: F401
    except ImportError:
        sys.exit("folder: datasets need Pillow (pip install pillow, or apt install python3-pil)")
    parts, names = class_folders(directory)
    missing = [c for c in model.CLASSES if c not in names]
    if missing:
        sys.exit(f"{directory} has no class folder for {missing} (the model's classes are {model.CLASSES}; it has {names})")
    sets = [([], []) for _ in range(2)]
    for p, part in enumerate(parts):
        for k, name in enumerate(model.CLASSES):
            frames = []
            for path in image_files(os.path.join(directory, part, name)):
                try:
                    frames.append(frame_file(path))
                except Exception as e:  # unreadable, damaged or blank: skipped, as the workbench does
                    print(f"skipped {path}: {e}", file=sys.stderr)
            if not frames:
                sys.exit(f"class folder {os.path.join(directory, part, name)} has no readable images")
            test = test_share(len(frames), name) if len(parts) == 1 else set()
            for i, f in enumerate(frames):
                xs, ys = sets[1 if p == 1 or i in test else 0]
                xs.append(f)
                ys.append(k)
    return tuple((np.stack(xs), np.array(ys, np.int64)) for xs, ys in sets)


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
