"""A LightningModule trained with the default 32-bit precision and no early stopping.

Green ML flags Trainer(...) without a mixed precision setting (GML104) and Trainer.fit with
validation data but no EarlyStopping callback (GML213).
"""
import lightning as L
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class Regressor(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 1))

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.mse_loss(self.net(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", nn.functional.mse_loss(self.net(x), y))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)


def make_loader(n):
    x = torch.randn(n, 16)
    return DataLoader(TensorDataset(x, x.sum(dim=1, keepdim=True)), batch_size=64, num_workers=2)


trainer = L.Trainer(max_epochs=50)
trainer.fit(Regressor(), train_dataloaders=make_loader(4096), val_dataloaders=make_loader(512))
