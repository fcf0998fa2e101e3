"""GML402 evidence, before: serve 200 requests, loading the model from disk for each one.

The script first saves a 12.6M-parameter model (twelve 1024×1024 Linear layers, 50 MB) with
torch.save, as a training run would have; both before.py and after.py do this, then answer the same
seeded requests under inference_mode and print the same checksum.
"""
import torch
from torch import nn

REQUESTS, WIDTH, DEPTH = 200, 1024, 12

torch.manual_seed(0)
torch.save(nn.Sequential(*[nn.Linear(WIDTH, WIDTH) for _ in range(DEPTH)]), "model.pt")
requests = [torch.randn(4, WIDTH) for _ in range(REQUESTS)]

checksum = 0.0
for x in requests:
    model = torch.load("model.pt")
    model.eval()
    with torch.inference_mode():
        checksum += model(x).sum().item()
print(f"checksum {checksum:.4f}")
