# GML216 evidence, before: a plain PyTorch loop that trains a fixed 100 epochs and computes a
# validation loss every epoch, but never stops on it. Deterministic: fixed seeds, generated data,
# no network.
import resource

import torch
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
X, y = make_classification(n_samples=6000, n_features=40, n_informative=12, n_redundant=6,
                           flip_y=0.1, class_sep=0.8, random_state=0)
X_train, X_rest, y_train, y_rest = train_test_split(X, y, test_size=0.4, stratify=y, random_state=0)
X_val, X_test, y_val, y_test = train_test_split(X_rest, y_rest, test_size=0.5, stratify=y_rest, random_state=0)
tensors = lambda a, b: (torch.tensor(a, dtype=torch.float32), torch.tensor(b))
X_val, y_val = tensors(X_val, y_val)
X_test, y_test = tensors(X_test, y_test)
train_loader = DataLoader(TensorDataset(*tensors(X_train, y_train)), batch_size=64, shuffle=True,
                          generator=torch.Generator().manual_seed(0))

model = nn.Sequential(nn.Linear(40, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 2))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = nn.CrossEntropyLoss()

for epoch in range(100):
    model.train()
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        val_loss = criterion(model(X_val), y_val).item()

with torch.no_grad():
    test_acc = (model(X_test).argmax(1) == y_test).float().mean().item()
ru = resource.getrusage(resource.RUSAGE_SELF)
print(f"test_acc={test_acc:.4f} val_loss={val_loss:.4f} epochs={epoch + 1} cpu_s={ru.ru_utime + ru.ru_stime:.2f}")
