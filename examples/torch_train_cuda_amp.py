"""Mixed-precision PyTorch training written with the deprecated torch.cuda.amp API.

Green ML offers a safe fix (GML105): torch.cuda.amp.autocast(...) becomes
torch.amp.autocast("cuda", ...), the form current PyTorch recommends. It is applied by
"Fix all" and by editor.codeActionsOnSave with source.fixAll.greenml.
"""
import torch
from torch import nn

model = nn.Linear(64, 1).cuda()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
scaler = torch.cuda.amp.GradScaler()

for step in range(100):
    x = torch.randn(128, 64, device="cuda")
    y = torch.randn(128, 1, device="cuda")
    optimizer.zero_grad()
    with torch.cuda.amp.autocast(dtype=torch.float16):
        loss = nn.functional.mse_loss(model(x), y)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
