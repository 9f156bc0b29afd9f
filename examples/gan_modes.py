#!/usr/bin/env python3
"""How well the generator of examples/gan.nn draws its ring of eight Gaussians.

Feeds N samples of 8-dimensional standard normal noise (seeded, raw float32
rows on standard input) to an `--infer` executable of the generator, reads the
2-D points it prints, and reports how many of the eight modes are covered (at
least 1% of the samples within 3 sigma of the mode's center) and the fraction
of all samples within 3 sigma of some mode.

  build/nnc build examples/gan.nn -o gan_train && ./gan_train --save gan.ckpt
  build/nnc build examples/gan.nn --infer --model G --weights gan.ckpt -o gan_sample
  python3 examples/gan_modes.py ./gan_sample
"""
import argparse
import math
import random
import struct
import subprocess

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("sampler", help="the generator's --infer executable")
parser.add_argument("--samples", type=int, default=10000)
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--radius", type=float, default=2.0)  # as in gan.nn
parser.add_argument("--sigma", type=float, default=0.05)  # as in gan.nn
args = parser.parse_args()

rng = random.Random(args.seed)
noise = struct.pack(f"<{args.samples * 8}f", *(rng.gauss(0, 1) for _ in range(args.samples * 8)))
out = subprocess.run([args.sampler], input=noise, capture_output=True, check=True).stdout.decode()
points = [tuple(map(float, line.split())) for line in out.splitlines() if line.strip()]
assert len(points) == args.samples, f"expected {args.samples} points, got {len(points)}"

centers = [(args.radius * math.cos(k * math.pi / 4), args.radius * math.sin(k * math.pi / 4)) for k in range(8)]
near = [0] * 8
for x, y in points:
    k, d = min(((k, math.hypot(x - cx, y - cy)) for k, (cx, cy) in enumerate(centers)), key=lambda t: t[1])
    if d <= 3 * args.sigma:
        near[k] += 1
covered = sum(n >= 0.01 * args.samples for n in near)
print(f"modes covered: {covered} of 8; within 3 sigma of a mode: {sum(near) / args.samples:.1%}")
print("per mode:", " ".join(str(n) for n in near))
