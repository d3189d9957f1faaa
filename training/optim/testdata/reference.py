# Produces the reference trajectories in optim_test.go with PyTorch
# (Debian's python3-torch 1.13): /usr/bin/python3 reference.py
import torch

def grad_of(p):
    # A gradient that depends on the parameters, so an error in one step
    # shows in every later one.
    return p * torch.tensor([1.0, 2.0, -0.5]) + torch.tensor([0.1, -0.2, 0.3])

cases = [
    ("sgd", lambda ps: torch.optim.SGD(ps, lr=0.1, weight_decay=0.01)),
    ("momentum", lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01)),
    ("nesterov", lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("adam", lambda ps: torch.optim.Adam(ps, lr=0.1, weight_decay=0.01)),
    ("adamw", lambda ps: torch.optim.AdamW(ps, lr=0.1, weight_decay=0.01)),
    ("rmsprop", lambda ps: torch.optim.RMSprop(ps, lr=0.01, weight_decay=0.01)),
    ("adagrad", lambda ps: torch.optim.Adagrad(ps, lr=0.1, weight_decay=0.01)),
]
for name, make in cases:
    p = torch.nn.Parameter(torch.tensor([0.5, -1.0, 2.0]))
    opt = make([p])
    print('\t{"%s", [][]float32{' % name)
    for step in range(5):
        opt.zero_grad()
        p.grad = grad_of(p.detach())
        opt.step()
        print("\t\t{%s}," % ", ".join("%.9g" % v for v in p.detach().tolist()))
    print("\t}},")
