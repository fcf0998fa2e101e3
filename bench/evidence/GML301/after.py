# GML301 evidence, after: before.py with GML301's fix applied (`greenml check --fix --unsafe-fixes
# --select GML301`): the DataLoader loads batches in worker processes (min(8, os.cpu_count() or 1)),
# kept between epochs.
import resource
import time

import torch
from torch import nn
from torch.utils.data import DataLoader
from torchvision import datasets, transforms
import os

torch.manual_seed(0)
torch.set_num_threads(1)

augment = transforms.Compose([transforms.RandomResizedCrop(64), transforms.RandomHorizontalFlip(), transforms.ToTensor(), transforms.Normalize((0.5,) * 3, (0.5,) * 3)])
train_set = datasets.FakeData(size=3000, image_size=(3, 96, 96), num_classes=10, transform=augment, random_offset=0)
train_loader = DataLoader(train_set, batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(0), num_workers=min(8, os.cpu_count() or 1), persistent_workers=True)

model = nn.Sequential(nn.Conv2d(3, 16, 3, stride=2), nn.ReLU(), nn.Conv2d(16, 32, 3, stride=2), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
loss_fn = nn.CrossEntropyLoss()

started = time.perf_counter()
for epoch in range(2):
    for images, labels in train_loader:
        optimizer.zero_grad()
        loss = loss_fn(model(images), labels)
        loss.backward()
        optimizer.step()

ru = resource.getrusage(resource.RUSAGE_SELF)
children = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"loss={loss.item():.4f} wall_s={time.perf_counter() - started:.2f} cpu_s={ru.ru_utime + ru.ru_stime + children.ru_utime + children.ru_stime:.2f}")
