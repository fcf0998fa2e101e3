"""Train a small MLP classifier on synthetic data with PyTorch.

Green ML flags the training loop: it calls .backward() with no autocast in effect (GML101),
so every matmul runs in fp32.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

device = "cuda" if torch.cuda.is_available() else "cpu"

features = torch.randn(2048, 32)
labels = (features[:, 0] + features[:, 1] > 0).long()
loader = DataLoader(TensorDataset(features, labels), batch_size=64, shuffle=True)

model = nn.Sequential(nn.Linear(32, 128), nn.ReLU(), nn.Linear(128, 2)).to(device)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()

for epoch in range(5):
    model.train()
    total = 0.0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        logits = model(x)
        loss = loss_fn(logits, y)
        loss.backward()
        optimizer.step()
        total += float(loss)
    print(f"epoch {epoch}: loss {total / len(loader):.4f}")
