"""Trains one of the examples' models in PyTorch eager, as nnc's trainer does
(same layers and sizes, same optimizer, same batch), and prints the samples
per second of the training loop as JSON. Used by bench/train_vs_pytorch.sh and
bench/memory_vs_pytorch.sh.

Usage: torch_train.py MODEL THREADS [--fashion DIR] [--samples N]

MODEL is one of
  mlp   examples/fashion_mlp.nn: 784-128-128-10, ReLU, Adam 1e-3, batch 128, 60000 rows
  cnn   examples/fashion_cnn.nn: conv 32 - pool - conv 64 - pool - dense 128 -
        dropout 0.3 - dense 10 (3x3 "same" convolutions), Adam 1e-3, batch 128, 60000 rows
  lstm  examples/lstm_forecast.nn: LSTM(1 -> 32) over 50 steps, dense 1 on the last
        state, MSE, Adam 3e-3, batch 32, 5400 rows (6000 less 10% validation)

The data are random rows of the real shapes unless --fashion DIR names the
Fashion-MNIST IDX files (mlp and cnn): then the training and test splits are
read and kept as float32 rows scaled by 1/255 and float32 labels (nnc's
trainer keeps the u8 pixels and scales each batch), and the model is evaluated
on the test split after the epoch.
--samples N trains on the first N rows of the epoch only (the CNN is slow).
"""
import argparse
import gzip
import json
import os
import time

import numpy as np
import torch


def read_idx(path):
    """An IDX file (gzipped) as a numpy array of its shape."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    rank = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(shape)


def fashion_split(root, images, labels):
    x = read_idx(os.path.join(root, images)).astype(np.float32)
    x /= 255.0  # in place: one float copy of the images at a time
    x = torch.from_numpy(x)
    y = torch.from_numpy(read_idx(os.path.join(root, labels)).astype(np.float32))
    return x, y


def model_and_settings(name):
    nn = torch.nn
    if name == "mlp":
        model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 10))
        return model, nn.CrossEntropyLoss(), 1e-3, 128, 60000, (784,)
    if name == "cnn":
        model = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                              nn.Linear(7 * 7 * 64, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 10))
        return model, nn.CrossEntropyLoss(), 1e-3, 128, 60000, (1, 28, 28)
    if name == "lstm":
        class Forecast(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(1, 32, batch_first=True)
                self.out = nn.Linear(32, 1)

            def forward(self, x):
                hs, _ = self.lstm(x)
                return self.out(hs[:, -1, :])
        return Forecast(), nn.MSELoss(), 3e-3, 32, 5400, (50, 1)
    raise SystemExit(f"unknown model {name}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", choices=["mlp", "cnn", "lstm"])
    ap.add_argument("threads", type=int)
    ap.add_argument("--fashion")
    ap.add_argument("--samples", type=int)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model, loss_fn, lr, batch, rows, shape = model_and_settings(a.model)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    test = None
    if a.fashion:
        x, y = fashion_split(a.fashion, "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
        test = fashion_split(a.fashion, "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
        x, test = x.reshape(-1, *shape), (test[0].reshape(-1, *shape), test[1])
    else:
        x = torch.rand(rows, *shape)
        y = torch.randint(0, 10, (rows,)).float() if a.model != "lstm" else torch.rand(rows, 1)
    classes = a.model != "lstm"
    samples = min(a.samples or rows, rows)
    model.train()
    start = time.perf_counter()
    perm = torch.randperm(rows)
    for i in range(0, samples, batch):
        idx = perm[i:i + batch]
        opt.zero_grad()
        target = y[idx].long() if classes else y[idx]
        loss = loss_fn(model(x[idx]), target)
        loss.backward()
        opt.step()
    seconds = time.perf_counter() - start
    result = {"samples_per_s": samples / seconds}
    if test is not None:
        model.eval()
        with torch.no_grad():
            correct = sum((model(test[0][i:i + 1000]).argmax(1) == test[1][i:i + 1000].long()).sum().item()
                          for i in range(0, len(test[1]), 1000))
        result["test_accuracy"] = correct / len(test[1])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
