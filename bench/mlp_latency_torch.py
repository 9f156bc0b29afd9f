"""Times the Fashion-MNIST MLP (784-128-128-10, ReLU) in PyTorch eager and
TorchScript on one thread: batch-1 latency (median) and batch-128 throughput.
Prints one line of JSON. Used by bench/inference_vs_pytorch.sh."""
import json
import statistics
import time

import torch

torch.set_num_threads(1)
model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 128), torch.nn.ReLU(),
                            torch.nn.Linear(128, 10)).eval()
x1, x128 = torch.rand(1, 784), torch.rand(128, 784)
scripted = torch.jit.freeze(torch.jit.script(model))


def measure(f):
    with torch.no_grad():
        for _ in range(1000):
            f(x1)
        times = []
        for _ in range(20000):
            s = time.perf_counter()
            f(x1)
            times.append(time.perf_counter() - s)
        s = time.perf_counter()
        for _ in range(2000):
            f(x128)
        big = time.perf_counter() - s
    return {"batch1_us": statistics.median(times) * 1e6, "batch128_samples_per_s": 128 * 2000 / big}


print(json.dumps({"eager": measure(model), "torchscript": measure(scripted)}))
