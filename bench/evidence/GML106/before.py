"""GML106 evidence, before: a small MLP classifier trained in float64 (`model.double()`, float64 data).

Synthetic data (a fixed seed) so it runs offline; the same work as after.py, only the dtype differs.
"""
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
rng = np.random.default_rng(0)
features = rng.standard_normal((8192, 64))
labels = (features[:, :8].sum(axis=1) > 0).astype(np.int64)
train_set = TensorDataset(torch.tensor(features, dtype=torch.float64), torch.from_numpy(labels))
loader = DataLoader(train_set, batch_size=128, shuffle=True)

model = nn.Sequential(nn.Linear(64, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 2))
model.double()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
criterion = nn.CrossEntropyLoss()

for epoch in range(15):
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()

with torch.no_grad():
    accuracy = (model(train_set.tensors[0]).argmax(1) == train_set.tensors[1]).double().mean().item()
print(f"float64: final loss {loss.item():.4f}, train accuracy {accuracy:.3f}")
