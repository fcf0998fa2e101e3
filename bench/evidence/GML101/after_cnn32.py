# GML101 evidence on the CPU, after: a small CNN (two 3×3 convolutions, 32 and 32 channels, then one linear layer to the 10 classes, on
# 28×28 single-channel images, batch 64) trained under
# torch.autocast(device_type="cpu", dtype=torch.bfloat16) (GML101's fix for a CPU target);
# everything else as in before_cnn32.py. Deterministic: fixed seeds, generated
# images (a class template plus noise), no network.
import resource

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
templates = torch.randn(10, 1, 28, 28)
y = torch.randint(0, 10, (10240,))
X = 0.5 * templates[y] + torch.randn(10240, 1, 28, 28)
X_train, y_train, X_val, y_val = X[:9216], y[:9216], X[9216:], y[9216:]
train_loader = DataLoader(TensorDataset(X_train, y_train), batch_size=64, shuffle=True,
                          generator=torch.Generator().manual_seed(0))

model = nn.Sequential(
    nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(32 * 7 * 7, 10),
)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = nn.CrossEntropyLoss()

for epoch in range(3):
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
