# GML101 evidence on the CPU, after: a small tabular MLP (20 → 128 → 128 → 2, batch 64) trained under
# torch.autocast(device_type="cpu", dtype=torch.bfloat16) (GML101's fix for a CPU target);
# everything else as in before_w128.py. Deterministic: fixed seeds, generated data (a random
# teacher labels it), no network.
import resource

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
teacher = nn.Sequential(nn.Linear(20, 16), nn.Tanh(), nn.Linear(16, 2))
with torch.no_grad():
    X = torch.randn(22000, 20)
    y = teacher(X).argmax(1)
X_train, y_train, X_val, y_val = X[:20000], y[:20000], X[20000:], y[20000:]
train_loader = DataLoader(TensorDataset(X_train, y_train), batch_size=64, shuffle=True,
                          generator=torch.Generator().manual_seed(0))

model = nn.Sequential(nn.Linear(20, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 2))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = nn.CrossEntropyLoss()

for epoch in range(12):
    model.train()
    for xb, yb in train_loader:
        optimizer.zero_grad()
        with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
            out = model(xb)
            loss = criterion(out, yb)
        loss.backward()
        optimizer.step()

model.eval()
with torch.no_grad():
    val_acc = (model(X_val).argmax(1) == y_val).float().mean().item()
ru = resource.getrusage(resource.RUSAGE_SELF)
print(f"val_acc={val_acc:.4f} last_loss={loss.item():.4f} cpu_s={ru.ru_utime + ru.ru_stime:.2f}")
