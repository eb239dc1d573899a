#!/usr/bin/python3
"""clcnn plot (CTest: plot): the picture holds the curves; bad logs are refused.

Two short real runs of `clcnn train --cpu --log` (different learning rates) on
a synthetic CIFAR-10 folder the test writes are drawn with `clcnn plot`; the
SVG is rendered with rsvg-convert (Debian librsvg2-bin) and read back with
OpenCV (python3-opencv). In each plot area the SVG declares (rect
class="plot-area": loss, accuracy, learning rate) the pixels of each run's
colour must be present; drawn again with one log only, the other run's colour
must be absent. Malformed logs must fail with FILE:LINE: reason, leaving the
output file as it was. Exit 77 (skipped) without rsvg-convert, numpy or cv2.

Usage: plot_check.py CLCNN_EXE WORK_DIR
"""
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

SKIP = 77
# plot_run_colour(0), plot_run_colour(1) in host/cli/plot_svg.c
COLOURS = {"run-a": (0x1f, 0x77, 0xb4), "run-b": (0xd6, 0x27, 0x28)}
# a series is "there" when at least this many pixels of its colour are in an area
MIN_PIXELS = 20

try:
    import numpy as np
    import cv2
except ImportError as e:
    print(f"SKIP: {e.name} is missing (Debian: python3-numpy python3-opencv)")
    sys.exit(SKIP)
if not shutil.which("rsvg-convert"):
    print("SKIP: rsvg-convert is missing (Debian: librsvg2-bin)")
    sys.exit(SKIP)

CLCNN, WORK = sys.argv[1], sys.argv[2]
failures = []


def check(ok, what):
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        failures.append(what)


def clcnn(*args):
    return subprocess.run([CLCNN, *args], capture_output=True, text=True)


def write_cifar(folder, n_train, n_test):
    """Learnable synthetic CIFAR-10 records: a colour per class plus noise."""
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(7)
    colour = np.array([[(k * 37) % 256, (k * 91) % 256, (k * 53) % 256] for k in range(10)])
    for name, n in (("data_batch_1.bin", n_train), ("test_batch.bin", n_test)):
        labels = rng.integers(0, 10, n)
        img = colour[labels][:, :, None, None] + rng.normal(0, 60, (n, 3, 32, 32))
        img = np.clip(img, 0, 255).astype(np.uint8).reshape(n, -1)
        with open(os.path.join(folder, name), "wb") as f:
            f.write(np.concatenate([labels[:, None].astype(np.uint8), img], 1).tobytes())


def render(svg):
    png = svg[:-4] + ".png"
    r = subprocess.run(["rsvg-convert", svg, "-o", png], capture_output=True, text=True)
    check(r.returncode == 0, f"rsvg-convert renders {os.path.basename(svg)} {r.stderr.strip()}")
    return cv2.imread(png)[:, :, ::-1]  # RGB


def plot_areas(svg):
    areas = {}
    for e in ET.parse(svg).iter("{http://www.w3.org/2000/svg}rect"):
        if e.get("class") == "plot-area":
            areas[e.get("id")] = [int(round(float(e.get(k)))) for k in ("x", "y", "width", "height")]
    return areas


def pixels_of(image, area, rgb):
    x, y, w, h = area
    crop = image[y + 2:y + h - 1, x + 2:x + w - 1].astype(int)  # inside the frame
    return int((np.abs(crop - np.array(rgb)).sum(2) <= 30).sum())


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    data = os.path.join(WORK, "data")
    write_cifar(data, 96, 32)
    logs = {}
    for run, lr in (("run-a", "0.05"), ("run-b", "0.01")):
        logs[run] = os.path.join(WORK, run + ".jsonl")
        r = clcnn("train", "--cpu", "--quiet", "--data", data, "--model", "small", "--epochs", "3",
                  "--batch", "32", "--val", "32", "--eval-every", "1", "--lr", lr,
                  "--log", logs[run])
        check(r.returncode == 0, f"clcnn train writes {run}.jsonl {r.stderr.strip()}")

    both = os.path.join(WORK, "both.svg")
    r = clcnn("plot", logs["run-a"], logs["run-b"], "-o", both, "--title", "two runs")
    check(r.returncode == 0, f"clcnn plot draws two logs {r.stderr.strip()}")
    image, areas = render(both), plot_areas(both)
    check(sorted(areas) == ["accuracy", "loss", "lr"], f"the SVG has three plot areas: {sorted(areas)}")
    text = open(both).read()
    for word in ("run-a", "run-b", "iteration", "accuracy (%)", "learning rate", "validation"):
        check(f">{word}<" in text, f"the SVG holds the text '{word}'")
    for area in areas:
        for run, rgb in COLOURS.items():
            n = pixels_of(image, areas[area], rgb)
            check(n >= MIN_PIXELS, f"{run}'s colour in the {area} area: {n} pixels")

    one = os.path.join(WORK, "one.svg")
    r = clcnn("plot", logs["run-a"], "-o", one)
    check(r.returncode == 0, "clcnn plot draws one log")
    image, areas = render(one), plot_areas(one)
    for area in areas:
        n = pixels_of(image, areas[area], COLOURS["run-b"])
        check(n == 0, f"without run-b, its colour is absent from the {area} area: {n} pixels")

    with open(logs["run-a"]) as f:
        good = f.readline()
    bad_logs = [
        ("broken.jsonl", good + good + '{"epoch": 3, "iter": }\n', ":3: not a JSON object"),
        ("type.jsonl", good + '{"epoch": 2, "iter": "ten", "train_loss": 1}\n',
         ':2: "iter" is not a number'),
        ("missing.jsonl", '{"epoch": 1, "iter": 4, "train_acc": 0.5, "lr": 0.1}\n',
         ':1: "train_loss" is missing'),
        ("nested.jsonl", '{"epoch": 1, "iter": [4]}\n', ":1: not a JSON object"),
        ("empty.jsonl", "\n", ": no training records"),
    ]
    out = os.path.join(WORK, "kept.svg")
    for name, content, reason in bad_logs:
        path = os.path.join(WORK, name)
        with open(path, "w") as f:
            f.write(content)
        with open(out, "w") as f:
            f.write("old")
        r = clcnn("plot", logs["run-a"], path, "-o", out)
        check(r.returncode != 0 and path + reason in r.stderr,
              f"{name} is refused with '{name}{reason}': {r.stderr.strip()}")
        check(open(out).read() == "old", f"{name}: the output file is left as it was")
    r = clcnn("plot", os.path.join(WORK, "absent.jsonl"), "-o", out)
    check(r.returncode != 0 and "absent.jsonl" in r.stderr, "a missing log is named")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
