"""GML401 evidence, before (in a training script): one training epoch, then the evaluation with autograd on.

40,000 synthetic samples of 64 features, batches of 256, an MLP of six 512-wide blocks; the same
weights and data as after_trained.py (seeded), so both print the same accuracy. The training epoch is
the same in both; evaluation runs after it in the same process, as in a training script.
"""
import torch
from torch import nn

SAMPLES, FEATURES, HIDDEN, CLASSES, BATCH, PASSES = 40_000, 64, 512, 10, 256, 3


def block():
    return nn.Sequential(nn.Linear(HIDDEN, HIDDEN), nn.LayerNorm(HIDDEN), nn.GELU(), nn.Dropout(0.1))


torch.manual_seed(0)
model = nn.Sequential(nn.Linear(FEATURES, HIDDEN), nn.GELU(), *[block() for _ in range(6)], nn.Linear(HIDDEN, CLASSES))
features = torch.randn(SAMPLES, FEATURES)
labels = torch.randint(0, CLASSES, (SAMPLES,))

optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
model.train()
for start in range(0, SAMPLES, BATCH):
    optimizer.zero_grad()
    loss = nn.functional.cross_entropy(model(features[start : start + BATCH]), labels[start : start + BATCH])
    loss.backward()
    optimizer.step()

model.eval()
correct = 0
for _ in range(PASSES):
    for start in range(0, SAMPLES, BATCH):
        logits = model(features[start : start + BATCH])
        correct += (logits.argmax(dim=1) == labels[start : start + BATCH]).sum().item()
print(f"accuracy {correct / (SAMPLES * PASSES):.4f}")
