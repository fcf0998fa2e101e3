"""GML405 evidence, before: CPU inference of an fp32 model made of Linear layers.

A text-classifier head of four Transformer-style feed-forward blocks (768 → 3072 → 768, as in
BERT-base) over 64-token sequences, 30 batches of 8, under inference_mode. The script first saves
seeded weights, as a training run would have, and loads them, so before.py and after.py run the
same weights on the same inputs (the quantized outputs differ slightly).
"""
import torch
from torch import nn

BATCHES, BATCH, TOKENS, WIDTH = 30, 8, 64, 768


class FeedForwardClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([nn.Sequential(nn.Linear(WIDTH, 4 * WIDTH), nn.GELU(), nn.Linear(4 * WIDTH, WIDTH)) for _ in range(4)])
        self.norm = nn.LayerNorm(WIDTH)
        self.head = nn.Linear(WIDTH, 2)

    def forward(self, x):
        for block in self.blocks:
            x = self.norm(x + block(x))
        return self.head(x.mean(dim=1))


torch.manual_seed(0)
torch.save(FeedForwardClassifier().state_dict(), "classifier.pt")  # what a training run would have saved

model = FeedForwardClassifier()
model.load_state_dict(torch.load("classifier.pt"))
model.eval()
inputs = [torch.randn(BATCH, TOKENS, WIDTH) for _ in range(BATCHES)]

positive = 0
with torch.inference_mode():
    for x in inputs:
        positive += model(x).argmax(dim=1).sum().item()
print(f"positive {positive} of {BATCHES * BATCH}")
