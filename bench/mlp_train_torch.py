"""Trains the Fashion-MNIST MLP (784-128-128-10, ReLU, Adam 1e-3, batch 128)
in PyTorch eager for one epoch on random data of the real size (60000 rows)
and prints the samples per second of the training loop as JSON. Usage:
mlp_train_torch.py THREADS. Used by bench/train_vs_pytorch.sh."""
import json
import sys
import time

import torch

torch.set_num_threads(int(sys.argv[1]))
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 128), torch.nn.ReLU(),
                            torch.nn.Linear(128, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = torch.nn.CrossEntropyLoss()
x, y = torch.rand(60000, 784), torch.randint(0, 10, (60000,))
start = time.perf_counter()
perm = torch.randperm(60000)
for i in range(0, 60000, 128):
    idx = perm[i:i + 128]
    opt.zero_grad()
    loss = loss_fn(model(x[idx]), y[idx])
    loss.backward()
    opt.step()
print(json.dumps({"samples_per_s": 60000 / (time.perf_counter() - start)}))
