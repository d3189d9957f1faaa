# Writes the learning rates PyTorch's schedulers put in force at every step
# of a run, which pytorch_test.go compares package schedule with. Run it
# from this directory with Debian's python3-torch (1.13):
#
#     cd training/schedule/testdata && /usr/bin/python3 gen.py
#
# Each case trains a dummy parameter with SGD (momentum 0.9, so that
# OneCycleLR has a momentum to cycle) as the workbench's loop would: the
# rate in force is read before each batch, a live change sets
# param_group["lr"] just before the batch it applies to, per-batch
# schedulers step after every batch and per-epoch ones after every epoch,
# ReduceLROnPlateau with that epoch's validation loss. The files hold one
# JSON object per case, with the schedule in the --schedule grammar.
import json
import math
import warnings

import torch
from torch.optim.lr_scheduler import (CosineAnnealingLR, LinearLR, OneCycleLR,
                                      ReduceLROnPlateau, SequentialLR, StepLR)

# SequentialLR steps its second scheduler with step(0) at the milestone,
# which warns that the epoch argument is deprecated.
warnings.filterwarnings("ignore", category=UserWarning)


def parse(schedule):
    """Splits a --schedule string into its name, arguments and options."""
    head, _, opts = schedule.partition(",")
    name, *args = head.split(":")
    options = dict(o.split("=") for o in opts.split(",")) if opts else {}
    return name, args, options


def make(opt, case):
    """Builds the scheduler for case and says whether it steps per batch."""
    name, args, options = parse(case["schedule"])
    spe, epochs, base = case["steps_per_epoch"], case["epochs"], case["base_lr"]
    total = spe * epochs
    if name == "constant":
        return None, False
    if name == "step":
        return StepLR(opt, step_size=int(args[0]), gamma=float(args[1])), False
    if name == "cosine":
        eta_min = float(args[0]) if args else 0.0
        warmup = int(options.get("warmup", 0)) * spe
        if warmup == 0:
            return CosineAnnealingLR(opt, T_max=total, eta_min=eta_min), True
        ramp = LinearLR(opt, start_factor=1 / (warmup + 1), end_factor=1.0, total_iters=warmup)
        cos = CosineAnnealingLR(opt, T_max=total - warmup, eta_min=eta_min)
        return SequentialLR(opt, [ramp, cos], milestones=[warmup]), True
    if name == "onecycle":
        max_lr = float(args[0]) if args else base
        return OneCycleLR(opt, max_lr=max_lr, epochs=epochs, steps_per_epoch=spe), True
    if name == "plateau":
        return ReduceLROnPlateau(opt, mode="min", patience=int(args[0]), factor=float(args[1])), False
    raise ValueError(name)


def run(case, optimizer="sgd"):
    p = torch.nn.Parameter(torch.zeros(1))
    if optimizer == "sgd":
        opt = torch.optim.SGD([p], lr=case["base_lr"], momentum=0.9)
    else:
        opt = torch.optim.Adam([p], lr=case["base_lr"])
    sched, per_batch = make(opt, case)
    changes = {c["step"]: c["lr"] for c in case.get("changes", [])}
    lrs, momenta = [], []
    step = 0
    for epoch in range(case["epochs"]):
        for _ in range(case["steps_per_epoch"]):
            group = opt.param_groups[0]
            if step in changes:
                group["lr"] = changes[step]
            lrs.append(group["lr"])
            momenta.append(group["momentum"] if optimizer == "sgd" else group["betas"][0])
            p.grad = torch.ones(1)
            opt.step()
            if per_batch:
                sched.step()
            step += 1
        if isinstance(sched, ReduceLROnPlateau):
            sched.step(case["val_loss"][epoch])
        elif sched is not None and not per_batch:
            sched.step()
    out = dict(case, lr=lrs)
    if case["schedule"].startswith("onecycle"):
        out["momentum"] = momenta
    return out


def case(schedule, base_lr, steps_per_epoch, epochs, **extra):
    return dict(schedule=schedule, base_lr=base_lr, steps_per_epoch=steps_per_epoch, epochs=epochs, **extra)


def plateau_losses():
    """Validation losses for plateau:2:0.5 over 14 epochs: improvements,
    stalls long enough to reduce (patience 2, cooldown 0, so a reduction
    can follow three bad epochs after the last), and the threshold's edge:
    best·(1 − 1e-4) is not an improvement, the float just below it is."""
    edge = 0.5 * (1.0 - 1e-4)
    return [1.0, 0.9, 0.9, 0.95, 0.92,  # epochs 2–4 bad: reduce after epoch 4
            0.5, 0.6, edge, 0.7,         # edge is not better: reduce after epoch 8
            math.nextafter(edge, 0.0),   # just below the edge: better
            0.6, 0.6, 0.6, 0.6]          # reduce after epoch 12, no cooldown


CASES = {
    "constant": [
        case("constant", 0.01, 3, 2),
        case("constant", 0.1, 4, 3, changes=[{"step": 5, "lr": 0.03}]),
    ],
    "step": [
        case("step:2:0.5", 0.1, 3, 7),
        case("step:1:0.1", 1.0, 1, 6),
        case("step:3:0.9", 0.05, 5, 10),
        case("step:10:0.5", 0.01, 4, 5),  # never reached
        case("step:1:1", 0.01, 2, 3),
        case("step:2:0.5", 0.1, 3, 8, changes=[{"step": 4, "lr": 0.02}, {"step": 13, "lr": 0.5}]),
    ],
    "cosine": [
        case("cosine", 0.1, 5, 4),
        case("cosine:0.001", 0.1, 7, 3),
        case("cosine", 0.01, 1, 1),
        case("cosine", 0.01, 1, 2),
        case("cosine:0.0001,warmup=1", 0.05, 4, 5),
        case("cosine,warmup=2", 0.1, 10, 3),
        case("cosine:1e-05,warmup=1", 0.003, 1, 2),
        case("cosine", 0.001, 300, 10),  # a long run: the recursion's drift
        case("cosine,warmup=1", 0.001, 250, 12),
        case("cosine", 0.1, 6, 3, changes=[{"step": 7, "lr": 0.2}]),  # with MIN 0 PyTorch scales the rest too
    ],
    "onecycle": [
        case("onecycle", 0.01, 10, 3),
        case("onecycle:0.1", 0.01, 7, 2),
        case("onecycle", 0.1, 1, 1),
        case("onecycle", 0.1, 1, 2),
        case("onecycle", 0.1, 3, 1),
        case("onecycle", 0.1, 2, 2),
        case("onecycle", 0.1, 5, 2),
        case("onecycle:1", 0.5, 13, 3),
        case("onecycle", 0.003, 300, 10),
    ],
    "plateau": [
        case("plateau:2:0.5", 0.1, 2, 14, val_loss=plateau_losses()),
        case("plateau:0:0.1", 0.01, 3, 6, val_loss=[1.0, 1.0, 0.5, 0.5, 0.49, 0.6]),
        # The rate stops falling once a reduction would change it by no more than eps (1e-8).
        case("plateau:0:0.5", 1e-7, 1, 7, val_loss=[1.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0]),
        case("plateau:1:0.5", 0.1, 2, 8, val_loss=[1.0, 1.0, 1.0, 0.9, 1.0, 1.0, 1.0, 1.0],
             changes=[{"step": 7, "lr": 0.3}]),
    ],
}

if __name__ == "__main__":
    for kind, cases in CASES.items():
        results = [run(c) for c in cases]
        if kind == "onecycle":  # Adam's beta1 follows the same cycle as SGD's momentum
            for c, r in zip(cases, results):
                adam = run(c, optimizer="adam")
                assert adam["lr"] == r["lr"] and adam["momentum"] == r["momentum"], c
        with open(kind + ".json", "w") as f:
            f.write('{"torch": %s, "cases": [\n' % json.dumps(torch.__version__))
            f.write(",\n".join(json.dumps(r) for r in results))
            f.write("\n]}\n")
