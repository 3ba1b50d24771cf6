#!/usr/bin/env python3
"""compare_torch.py: the issue's point of comparison, measured on this machine.

Trains nanoforge's reference configuration (256x256 images, batch 8, base 16 filters, depth 4,
plain conv-BN-ReLU blocks, 2x2 transposed-convolution decoder, 1x1 head with 2-class softmax,
cross-entropy + Dice, Adam) in PyTorch's CPU path and prints images/s for training and inference.

    /usr/bin/python3 tests/bench/compare_torch.py [steps] [threads]

Needs Debian's python3-torch (optional; `make bench` skips it when absent). Run it in the same
session as tests/bench/bench_train.sh so the two figures form a ratio on the same machine.
"""
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    print("compare_torch: python3-torch not installed (apt-get install python3-torch); skipped")
    sys.exit(0)

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
THREADS = int(sys.argv[2]) if len(sys.argv) > 2 else 2
torch.set_num_threads(THREADS)
torch.manual_seed(1)


def block(cin, cout):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class UNet(nn.Module):
    def __init__(self, depth=4, base=16):
        super().__init__()
        ch = [base * 2 ** l for l in range(depth + 1)]
        self.enc = nn.ModuleList([block(1 if l == 0 else ch[l - 1], ch[l]) for l in range(depth)])
        self.bottleneck = block(ch[depth - 1], ch[depth])
        self.up = nn.ModuleList([nn.ConvTranspose2d(ch[l + 1], ch[l], 2, stride=2) for l in range(depth)])
        self.dec = nn.ModuleList([block(2 * ch[l], ch[l]) for l in range(depth)])
        self.head = nn.Conv2d(base, 2, 1)

    def forward(self, x):
        skips = []
        for enc in self.enc:
            x = enc(x)
            skips.append(x)
            x = F.max_pool2d(x, 2)
        x = self.bottleneck(x)
        for l in reversed(range(len(self.enc))):
            x = self.up[l](x)
            x = self.dec[l](torch.cat([x, skips[l]], 1))
        return self.head(x)


def loss_fn(logits, target):
    ce = F.cross_entropy(logits, target)
    p = torch.softmax(logits, 1)[:, 1]
    t = target.float()
    dice = 1 - (2 * (p * t).sum() + 1) / (p.sum() + t.sum() + 1)
    return ce + dice


model = UNet()
params = sum(p.numel() for p in model.parameters())
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
x = torch.randn(8, 1, 256, 256)
y = (torch.rand(8, 256, 256) > 0.7).long()

model.train()
for _ in range(2):  # warm-up: allocation and oneDNN/BLAS kernel selection
    opt.zero_grad()
    loss_fn(model(x), y).backward()
    opt.step()
t0 = time.perf_counter()
for _ in range(STEPS):
    opt.zero_grad()
    loss_fn(model(x), y).backward()
    opt.step()
train_s = (time.perf_counter() - t0) / STEPS

model.eval()
with torch.no_grad():
    model(x)
    t0 = time.perf_counter()
    for _ in range(STEPS):
        model(x)
    infer_s = (time.perf_counter() - t0) / STEPS

print(f"torch {torch.__version__}: threads {THREADS}, parameters {params}, "
      f"mkldnn {torch.backends.mkldnn.is_available()}")
print(f"torch train: {8 / train_s:.2f} images/s (step {train_s:.3f} s, batch 8, 256x256)")
print(f"torch inference: {8 / infer_s:.2f} images/s")
