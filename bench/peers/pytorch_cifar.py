#!/usr/bin/env python3
"""The `cifar` or `resnet20` preset of clcnn in PyTorch on the CPU (or, with
--device cuda, on an NVIDIA GPU through CUDA and cuDNN): training-step and
evaluation throughput, to set beside `clcnn bench [--model resnet20]`.

cifar (models/cifar.txt): three 5x5 convolutions (32, 64, 128 filters, pad 2,
no bias), each followed by batchnorm, ReLU and 2x2 max pooling; fc 256 (no
bias), batchnorm, ReLU, dropout 0.5; fc 10. resnet20 (models/resnet20.txt,
He et al. 2015): a 3x3 conv with 16 filters, three stages of three basic
blocks (16, 32, 64 filters; stride 2 and a 1x1-conv + batchnorm projection
shortcut at the start of stages 2 and 3), global average pooling, fc 10. A training step is what clcnn's
trainer does: a synthetic uint8 batch normalized to float, forward, softmax
cross-entropy, backward, Adam (lr 1e-3). Evaluation: the same batch in eval
mode without gradients. Figures are images/s, the median (min .. max) of
--iters steps after --warmup untimed ones (each step ends reading the loss back,
so a GPU step is timed to its end).

Skips with a message and exit status 0 when PyTorch is not installed (Debian:
apt-get install python3-torch, then run it with /usr/bin/python3).
"""
import argparse
import json
import os
import statistics
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", choices=("cifar", "resnet20"), default="cifar",
                   help="the clcnn preset to mirror (default cifar)")
    p.add_argument("--batch", type=int, default=128, help="images per step (default 128)")
    p.add_argument("--iters", type=int, default=5, help="timed steps (default 5)")
    p.add_argument("--warmup", type=int, default=1, help="untimed steps first (default 1)")
    p.add_argument("--threads", type=int, default=0,
                   help="torch.set_num_threads (default: the CPUs this process may use)")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                   help="cpu (default) or cuda: the first CUDA GPU, cuDNN autotuned")
    p.add_argument("--json", metavar="FILE", help="also write the figures to FILE")
    a = p.parse_args()
    if a.batch < 1 or a.iters < 1 or a.warmup < 0 or a.threads < 0:
        p.error("--batch and --iters must be >= 1, --warmup and --threads >= 0")
    return a


def cifar_net(nn):
    def block(c_in, c_out):
        return [nn.Conv2d(c_in, c_out, 5, padding=2, bias=False), nn.BatchNorm2d(c_out),
                nn.ReLU(), nn.MaxPool2d(2)]
    return nn.Sequential(*block(3, 32), *block(32, 64), *block(64, 128), nn.Flatten(),
                         nn.Linear(128 * 4 * 4, 256, bias=False), nn.BatchNorm1d(256),
                         nn.ReLU(), nn.Dropout(0.5), nn.Linear(256, 10))


def resnet20_net(nn):
    class Block(nn.Module):
        def __init__(self, c_in, c_out, stride):
            super().__init__()
            self.main = nn.Sequential(
                nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),
                nn.BatchNorm2d(c_out), nn.ReLU(),
                nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out))
            self.shortcut = nn.Identity() if stride == 1 and c_in == c_out else nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))
            self.relu = nn.ReLU()

        def forward(self, x):
            return self.relu(self.main(x) + self.shortcut(x))

    layers = [nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU()]
    c_in = 16
    for stage, width in enumerate((16, 32, 64)):
        for b in range(3):
            layers.append(Block(c_in, width, 2 if stage > 0 and b == 0 else 1))
            c_in = width
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


def images_per_s(seconds, batch):
    return {"median": batch / statistics.median(seconds), "min": batch / max(seconds),
            "max": batch / min(seconds)}


def timed(fn, warmup, iters, what):
    seconds = []
    for i in range(warmup + iters):
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        print(f"pytorch_cifar: {what} {i + 1}/{warmup + iters}"
              f"{' (warm-up)' if i < warmup else ''}: {dt:.3f} s", file=sys.stderr, flush=True)
        if i >= warmup:
            seconds.append(dt)
    return seconds


def main():
    a = parse_args()
    try:
        import torch
        from torch import nn
    except ImportError:
        print("pytorch_cifar: skipped: PyTorch is not installed for "
              f"{sys.executable} (Debian: apt-get install python3-torch, then run with "
              "/usr/bin/python3)")
        return 0
    if a.device == "cuda" and not torch.cuda.is_available():
        print(f"pytorch_cifar: --device cuda: PyTorch {torch.__version__} sees no CUDA GPU",
              file=sys.stderr)
        return 1
    threads = a.threads or len(os.sched_getaffinity(0))
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    device = torch.device(a.device)
    if a.device == "cuda":
        torch.backends.cudnn.benchmark = True
        where = f"CUDA {torch.version.cuda} on {torch.cuda.get_device_name(0)}"
    else:
        where = f"CPU, {threads} threads"
    model = (resnet20_net(nn) if a.model == "resnet20" else cifar_net(nn)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    images = torch.randint(0, 256, (a.batch, 3, 32, 32), dtype=torch.uint8).to(device)
    labels = torch.randint(0, 10, (a.batch,)).to(device)
    mean = images.float().mean(dim=(0, 2, 3), keepdim=True)
    std = images.float().std(dim=(0, 2, 3), unbiased=False, keepdim=True)

    def train_step():
        x = (images.float() - mean) / std
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), labels)
        loss.backward()
        optimizer.step()
        loss.item()

    def eval_batch():
        with torch.no_grad():
            z = model((images.float() - mean) / std)
            loss_fn(z, labels).item()
            z.argmax(dim=1)

    model.train()
    train = images_per_s(timed(train_step, a.warmup, a.iters, "train step"), a.batch)
    model.eval()
    evaluation = images_per_s(timed(eval_batch, a.warmup, a.iters, "eval batch"), a.batch)

    print(f"pytorch {torch.__version__} {where}, model {a.model}, batch {a.batch}, "
          f"median (min .. max) of {a.iters} after {a.warmup} warm-up")
    for name, s in (("train images/s", train), ("eval images/s", evaluation)):
        print(f"{name:16} {s['median']:.1f} ({s['min']:.1f} .. {s['max']:.1f})")
    if a.json:
        result = {"peer": "pytorch", "torch_version": torch.__version__, "threads": threads,
                  "device": a.device,
                  "model": a.model, "batch": a.batch, "iters": a.iters, "warmup": a.warmup}
        for key, s in (("train.images_per_s.pytorch", train),
                       ("eval.images_per_s.pytorch", evaluation)):
            result[key] = s["median"]
            result[key + ".min"] = s["min"]
            result[key + ".max"] = s["max"]
        with open(a.json, "w") as f:
            json.dump(result, f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
