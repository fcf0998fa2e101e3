"""An already-efficient PyTorch loop: bf16 autocast, multi-process loading, no gradients during
evaluation, and early stopping on validation accuracy. Green ML reports nothing here.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

device = "cuda" if torch.cuda.is_available() else "cpu"

data = TensorDataset(torch.randn(4096, 32), torch.randint(0, 2, (4096,)))
train_loader = DataLoader(data, batch_size=128, shuffle=True, num_workers=4, pin_memory=True)
val_loader = DataLoader(data, batch_size=512, num_workers=4, pin_memory=True)

model = nn.Sequential(nn.Linear(32, 128), nn.ReLU(), nn.Linear(128, 2)).to(device)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()

best_accuracy, stale_epochs = 0.0, 0
for epoch in range(50):
    model.train()
    for x, y in train_loader:
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device_type=device, dtype=torch.bfloat16):
            loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()

    model.eval()
    correct = 0
    with torch.inference_mode():
        for x, y in val_loader:
            x, y = x.to(device), y.to(device)
            correct += (model(x).argmax(dim=1) == y).sum().item()
    accuracy = correct / len(data)
    print(f"epoch {epoch}: val accuracy {accuracy:.3f}")
    if accuracy > best_accuracy:
        best_accuracy, stale_epochs = accuracy, 0
    else:
        stale_epochs += 1
        if stale_epochs == 3:  # no improvement for three epochs: stop
            break
