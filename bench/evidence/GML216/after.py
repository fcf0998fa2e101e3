# GML216 evidence, before: a PyTorch epoch loop that evaluates the validation loss every epoch but
# always trains its fixed 100 epochs. Deterministic (fixed seeds, generated data, one thread), no
# network. after.py is this script with GML216's fix applied (`greenml check --fix --unsafe-fixes
# --select GML216`): a patience counter of 5 epochs on val_loss.
import resource

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
torch.set_num_threads(1)

# A noisy regression target that a wide MLP overfits after a few epochs (500 training rows).
features = torch.randn(1500, 40)
target = features[:, :5].sum(dim=1, keepdim=True) + 0.5 * torch.randn(1500, 1)
train_loader = DataLoader(TensorDataset(features[:500], target[:500]), batch_size=32, shuffle=True,
                          generator=torch.Generator().manual_seed(0))
val_x, val_y = features[500:1000], target[500:1000]
test_x, test_y = features[1000:], target[1000:]

model = nn.Sequential(nn.Linear(40, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.MSELoss()


def evaluate(x, y):
    model.eval()
    with torch.no_grad():
        return loss_fn(model(x), y).item()


epochs_run = 0
# Early stopping: end training once val_loss has not improved by more than min_delta for patience epochs.
best_val_loss = float("inf")
epochs_without_improvement = 0
patience = 5
min_delta = 0.0
for epoch in range(100):
    epochs_run = epoch + 1
    model.train()
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
    val_loss = evaluate(val_x, val_y)
    if float(val_loss) < best_val_loss - min_delta:
        best_val_loss = float(val_loss)
        epochs_without_improvement = 0
    else:
        epochs_without_improvement += 1
        if epochs_without_improvement >= patience:
            print(f"Early stopping: val_loss has not improved for {patience} epochs")
            break

ru = resource.getrusage(resource.RUSAGE_SELF)
print(f"test_mse={evaluate(test_x, test_y):.4f} val_loss={val_loss:.4f} epochs={epochs_run} cpu_s={ru.ru_utime + ru.ru_stime:.2f}")
