import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findings, useParser } from '../helpers/analysis';
import { loaderLinkTests } from './loaderLinks';
import { expectFindings, expectFix, expectNone, parseFixture } from '../helpers/markers';

useParser();

describe('GML302 dataloader-no-pin-memory', () => {
  it('flags a loader feeding a training loop in a script that picks CUDA when available', () => {
    expectFindings(`
      import torch
      from torch.utils.data import DataLoader

      device = "cuda" if torch.cuda.is_available() else "cpu"
      train_loader = DataLoader(train_set, batch_size=128, shuffle=True, num_workers=4)
      #              ^^^^^^^^^^ GML302: picks its device at run time
      for epoch in range(10):
          for images, labels in train_loader:
              images, labels = images.to(device), labels.to(device)
              optimizer.zero_grad()
              loss = criterion(model(images), labels)
              loss.backward()
              optimizer.step()
    `);
  });

  it('flags pin_memory=False in a script that trains on CUDA', () => {
    expectFindings(`
      import torch
      loader = torch.utils.data.DataLoader(dataset, batch_size=64, num_workers=2, pin_memory=False)
      #        ^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML302: sets pin_memory=False and the script trains on CUDA
      model = Net().cuda()
      for x, y in loader:
          x, y = x.cuda(), y.cuda()
          opt.zero_grad()
          criterion(model(x), y).backward()
          opt.step()
    `);
  });

  it('flags a loader passed to a training function, with the device from torch.accelerator', () => {
    expectFindings(`
      import torch
      from torch.utils.data import DataLoader

      def train(model, device, loader, optimizer):
          for batch_idx, (data, target) in enumerate(loader):
              data, target = data.to(device), target.to(device)
              optimizer.zero_grad()
              loss = torch.nn.functional.nll_loss(model(data), target)
              loss.backward()
              optimizer.step()

      device = torch.accelerator.current_accelerator() if torch.accelerator.is_available() else torch.device("cpu")
      train_loader = DataLoader(dataset, batch_size=64, num_workers=1)
      #              ^^^^^^^^^^ GML302
      for epoch in range(1, 15):
          train(model, device, train_loader, optimizer)
    `);
  });

  it('flags a loader prepared by Accelerate (the Accelerator places batches on the GPU it finds)', () => {
    expectFindings(`
      from accelerate import Accelerator
      from torch.utils.data import DataLoader

      accelerator = Accelerator(mixed_precision="bf16")
      train_dataloader = DataLoader(tokenized["train"], shuffle=True, batch_size=32, num_workers=4)
      #                  ^^^^^^^^^^ GML302
      model, optimizer, train_dataloader = accelerator.prepare(model, optimizer, train_dataloader)
      for epoch in range(3):
          for batch in train_dataloader:
              loss = model(**batch).loss
              accelerator.backward(loss)
              optimizer.step()
              optimizer.zero_grad()
    `);
  });

  it("flags a loader returned by a LightningDataModule's train_dataloader hook, under a Trainer on the auto accelerator", () => {
    expectFindings(`
      import lightning as L
      from torch.utils.data import DataLoader

      class MNISTDataModule(L.LightningDataModule):
          def train_dataloader(self):
              return DataLoader(self.mnist_train, batch_size=self.batch_size, num_workers=4)
      #              ^^^^^^^^^^ GML302

          def val_dataloader(self):
              return DataLoader(self.mnist_val, batch_size=self.batch_size, num_workers=4)

      trainer = L.Trainer(max_epochs=5)
      trainer.fit(LitModel(), datamodule=MNISTDataModule())
    `);
  });

  it('flags a loader run by an Ignite supervised trainer', () => {
    expectFindings(`
      import torch
      from torch.utils.data import DataLoader
      from ignite.engine import create_supervised_trainer

      device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
      train_loader = DataLoader(trainset, batch_size=64, shuffle=True, num_workers=2)
      #              ^^^^^^^^^^ GML302
      trainer = create_supervised_trainer(model, optimizer, criterion, device=device)
      trainer.run(train_loader, max_epochs=10)
    `);
  });

  it('flags a loader run by an Ignite Engine whose process function trains (from ignite.engine import Engine as E)', () => {
    expectFindings(`
      import torch
      from torch.utils.data import DataLoader
      from ignite.engine import Engine as E

      device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
      train_loader = DataLoader(train_data, batch_size=32, shuffle=True, num_workers=2)
      #              ^^^^^^^^^^ GML302

      def process_function(engine, batch):
          model.train()
          optimizer.zero_grad()
          x, _ = batch
          x = x.to(device)
          loss = criterion(model(x), x)
          loss.backward()
          optimizer.step()
          return loss.item()

      trainer = E(process_function)
      trainer.run(train_loader, max_epochs=20)
    `);
  });

  it('leaves a train_dataloader hook of a class that is not a LightningModule or LightningDataModule alone, and an evaluation Engine', () => {
    expectNone('GML302', `
      import torch
      from torch.utils.data import DataLoader
      from ignite.engine import Engine

      device = "cuda" if torch.cuda.is_available() else "cpu"

      class Loaders:
          def train_dataloader(self):
              return DataLoader(self.train_set, batch_size=32, num_workers=2)

      def evaluate_function(engine, batch):
          model.eval()
          with torch.no_grad():
              x, y = batch
              return model(x.to(device)), y.to(device)

      val_loader = DataLoader(val_data, batch_size=256, num_workers=2)
      evaluator = Engine(evaluate_function)
      evaluator.run(val_loader)
    `);
  });

  it('follows a loader through another name (active_dataloader = train_dataloader)', () => {
    expectFindings(`
      import torch
      from torch.utils.data import DataLoader
      train_dataloader = DataLoader(train_set, batch_size=16, num_workers=2)
      #                  ^^^^^^^^^^ GML302
      for epoch in range(3):
          active_dataloader = train_dataloader
          for batch in active_dataloader:
              batch = batch.to("cuda")
              model(batch).sum().backward()
              optimizer.step()
    `);
  });

  it('flags a loader built in a factory function whose result the training loop iterates (returned directly)', () => {
    expectFindings(`
      import torch
      from torch import nn

      def make_loader(dataset, batch_size, shuffle=False):
          return torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, num_workers=4)
      #          ^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML302: picks its device at run time

      device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
      net = nn.Sequential(nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)).to(device)
      optimizer = torch.optim.Adam(net.parameters())
      train_loader = make_loader(train_set, 256, shuffle=True)
      for epoch in range(8):
          for features, target in train_loader:
              features, target = features.to(device), target.to(device)
              optimizer.zero_grad()
              nn.functional.cross_entropy(net(features), target).backward()
              optimizer.step()
    `);
  });

  describe('loaders held in a dict (the fine-tuning tutorials\' dataloaders[phase])', () => {
    const trainModel = `
      def train_model(model, dataloaders, optimizer, num_epochs=25):
          for epoch in range(num_epochs):
              for phase in ["train", "val"]:
                  model.train() if phase == "train" else model.eval()
                  for inputs, labels in (dataloaders[phase]):
                      inputs, labels = inputs.to(device), labels.to(device)
                      optimizer.zero_grad()
                      with torch.set_grad_enabled(phase == "train"):
                          loss = criterion(model(inputs), labels)
                          if phase == "train":
                              loss.backward()
                              optimizer.step()
    `;

    it('flags a dict comprehension of loaders iterated by phase in a training function', () => {
      expectFindings(`
        import torch
        from torch.utils.data import DataLoader

        device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
        loaders = {x: DataLoader(image_datasets[x], batch_size=32, shuffle=True, num_workers=4) for x in ["train", "val"]}
        #             ^^^^^^^^^^ GML302
        ${trainModel}
        train_model(model, loaders, optimizer)
      `);
    });

    it('flags both loaders a factory returns in a dict literal (through a name)', () => {
      const before = `
        import torch

        def get_loaders(train_set, val_set):
            train_loader = torch.utils.data.DataLoader(train_set, batch_size=8, shuffle=True, num_workers=2)
            val_loader = torch.utils.data.DataLoader(val_set, batch_size=8, num_workers=2)
            loaders = {"train": train_loader, "val": val_loader}
            return loaders

        device = torch.device("cuda")
        ${trainModel}
        dataloaders = get_loaders(train_set, val_set)
        train_model(model, dataloaders, optimizer)
      `;
      const found = findings(parseFixture(before).text, 'GML302');
      assert.deepEqual(found.map((f) => f.range.start.line), [3, 4]);
      for (const f of found) assert.ok(f.fixes[0].edits.some((e) => e.newText.includes('pin_memory=True')));
      // The factory's dict handed straight to the training function, returned without a name.
      const direct = before
        .replace('loaders = {"train": train_loader, "val": val_loader}\n            return loaders', 'return {"train": train_loader, "val": val_loader}')
        .replace('dataloaders = get_loaders(train_set, val_set)\n        train_model(model, dataloaders, optimizer)', 'train_model(model, get_loaders(train_set, val_set), optimizer)');
      assert.ok(direct.includes('return {"train"') && direct.includes('train_model(model, get_loaders('), direct);
      assert.deepEqual(findings(parseFixture(direct).text, 'GML302').map((f) => f.range.start.line), [3, 4]);
    });

    it('leaves a dict of loaders alone when nothing iterates its items in training, or only its keys are iterated', () => {
      expectNone('GML302', `
        import torch
        from torch.utils.data import DataLoader

        device = torch.device("cuda")
        loaders = {"test": DataLoader(test_set, batch_size=64, num_workers=2)}
        model.eval()
        for x, y in loaders["test"]:
            print(model(x.to(device)).argmax(1))
      `);
      expectNone('GML302', `
        import torch
        from torch.utils.data import DataLoader

        device = torch.device("cuda")
        loaders = {"train": DataLoader(train_set, batch_size=64, num_workers=2)}
        for name in loaders:
            print(name)
        for x, y in other_loader:
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            criterion(model(x), y).backward()
            optimizer.step()
      `);
    });
  });

  it('leaves a loader built in a factory function alone when no call of the factory feeds training', () => {
    expectNone('GML302', `
      import torch
      from torch.utils.data import DataLoader

      def make_loader(dataset, batch_size):
          loader = DataLoader(dataset, batch_size=batch_size, num_workers=4)
          return loader

      model = model.cuda().eval()
      test_loader = make_loader(test_set, 512)
      with torch.no_grad():
          for x, y in test_loader:
              correct += (model(x.cuda()).argmax(1) == y.cuda()).sum().item()
    `);
  });

  it('leaves a factory-built loader alone when every call of the factory passes tensors already in memory', () => {
    expectNone('GML302', `
      import torch
      from torch.utils.data import DataLoader, TensorDataset

      def make_loader(dataset, shuffle):
          return DataLoader(dataset, batch_size=128, shuffle=shuffle)

      device = "cuda" if torch.cuda.is_available() else "cpu"
      train_loader = make_loader(TensorDataset(features, targets), True)
      for epoch in range(20):
          for x, y in train_loader:
              x, y = x.to(device), y.to(device)
              optimizer.zero_grad()
              torch.nn.functional.mse_loss(model(x), y).backward()
              optimizer.step()
    `);
  });

  it('leaves a loader with pin_memory=True alone', () => {
    expectNone('GML302', `
      import torch
      from torch.utils.data import DataLoader
      device = "cuda" if torch.cuda.is_available() else "cpu"
      train_loader = DataLoader(train_set, batch_size=128, num_workers=4, pin_memory=True)
      for x, y in train_loader:
          x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
          opt.zero_grad()
          criterion(model(x), y).backward()
          opt.step()
    `);
  });

  it('leaves a CPU-only script alone: no device at all, or the CPU named', () => {
    const loop = `
          for x, y in train_loader:
              opt.zero_grad()
              criterion(model(x), y).backward()
              opt.step()`;
    expectNone('GML302', `
      from torch.utils.data import DataLoader
      train_loader = DataLoader(train_set, batch_size=32, num_workers=2)
      ${loop}
    `);
    expectNone('GML302', `
      import torch
      from torch.utils.data import DataLoader
      DEVICE = torch.device("cpu")
      model = Net().to(DEVICE)
      train_loader = DataLoader(train_set, batch_size=32, num_workers=2)
      ${loop}
    `);
  });

  it('leaves frameworks told to use the CPU alone (Accelerator(cpu=True), Trainer(accelerator="cpu"))', () => {
    expectNone('GML302', `
      from accelerate import Accelerator
      from torch.utils.data import DataLoader
      accelerator = Accelerator(cpu=True)
      loader = DataLoader(train_set, batch_size=32, num_workers=2)
      model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
      for batch in loader:
          accelerator.backward(model(**batch).loss)
          optimizer.step()
    `);
    expectNone('GML302', `
      import lightning as L
      from torch.utils.data import DataLoader
      loader = DataLoader(train_set, batch_size=32, num_workers=2)
      trainer = L.Trainer(accelerator="cpu", max_epochs=3)
      trainer.fit(model, loader)
    `);
  });

  it('leaves a Lightning 1.x Trainer that asks for no GPU alone (1.x trained on the CPU): Trainer(), gpus=0, gpus=None', () => {
    for (const args of ['max_epochs=3', 'max_epochs=3, gpus=0', 'max_epochs=3, gpus=None']) {
      expectNone('GML302', `
        import pytorch_lightning as pl
        from torch.utils.data import DataLoader

        class LitModel(pl.LightningModule):
            def validation_epoch_end(self, outputs):
                self.log("val_loss", sum(outputs) / len(outputs))

        loader = DataLoader(train_set, batch_size=32, num_workers=2)
        trainer = pl.Trainer(${args})
        trainer.fit(LitModel(), loader)
      `);
    }
  });

  it('flags a Lightning 1.x Trainer given GPUs (gpus=1, gpus=args.gpus), and pytorch_lightning.Trainer() with nothing written for 1.x (2.x picks the accelerator)', () => {
    for (const args of ['gpus=1', 'gpus=args.gpus', 'gpus=0, accelerator="gpu", devices=1', 'max_epochs=3']) {
      expectFindings(`
        import pytorch_lightning as pl
        from torch.utils.data import DataLoader
        loader = DataLoader(train_set, batch_size=32, num_workers=2)
        #        ^^^^^^^^^^ GML302: picks its device at run time
        trainer = pl.Trainer(${args})
        trainer.fit(model, loader)
      `);
    }
  });

  it('follows the target-device setting over what the script says', () => {
    const script = `
      from torch.utils.data import DataLoader
      loader = DataLoader(train_set, batch_size=32, num_workers=2)
      #        ^^^^^^^^^^ GML302: trains on CUDA
      for x, y in loader:
          opt.zero_grad()
          criterion(model(x), y).backward()
          opt.step()
    `;
    expectFindings(script, { settings: { targetDevice: 'cuda' } });
    expectNone('GML302', script.replace(/^.*\^.*$/m, ''), { targetDevice: 'cpu' });
  });

  it('leaves a pin_memory that is not a literal alone', () => {
    expectNone('GML302', `
      import torch
      from torch.utils.data import DataLoader
      use_cuda = torch.cuda.is_available()
      loader = DataLoader(train_set, batch_size=64, pin_memory=use_cuda)
      other = DataLoader(train_set, **loader_kwargs)
      for x, y in loader:
          x = x.cuda()
          opt.zero_grad()
          criterion(model(x), y).backward()
          opt.step()
      for x, y in other:
          x = x.cuda()
          opt.zero_grad()
          criterion(model(x), y).backward()
          opt.step()
    `);
  });

  it('leaves a loader that only feeds evaluation alone', () => {
    expectNone('GML302', `
      import torch
      from torch.utils.data import DataLoader
      val_loader = DataLoader(val_set, batch_size=256, num_workers=4)
      model = model.cuda().eval()
      with torch.no_grad():
          for x, y in val_loader:
              correct += (model(x.cuda()).argmax(1) == y.cuda()).sum().item()
    `);
  });

  it('leaves loaders over tensors already in memory alone: a TensorDataset, a random_split part of one', () => {
    expectNone('GML302', `
      import torch
      from torch.utils.data import DataLoader, TensorDataset, random_split
      device = "cuda" if torch.cuda.is_available() else "cpu"
      features, targets = torch.randn(10_000, 32), torch.randn(10_000, 1)
      train_set, val_set = random_split(TensorDataset(features, targets), [8_000, 2_000])
      train_loader = DataLoader(train_set, batch_size=256, shuffle=True)
      whole_loader = DataLoader(TensorDataset(features, targets), batch_size=256)
      for epoch in range(5):
          for x, y in train_loader:
              x, y = x.to(device), y.to(device)
              opt.zero_grad()
              torch.nn.functional.mse_loss(model(x), y).backward()
              opt.step()
          for x, y in whole_loader:
              x, y = x.to(device), y.to(device)
              opt.zero_grad()
              torch.nn.functional.mse_loss(model(x), y).backward()
              opt.step()
    `);
  });

  it('leaves a look-alike DataLoader class alone', () => {
    expectNone('GML302', `
      import torch

      class DataLoader:
          def __init__(self, data, batch_size):
              self.data = data

      loader = DataLoader(rows, batch_size=8)
      for x, y in loader:
          x = x.cuda()
          opt.zero_grad()
          model(x).sum().backward()
          opt.step()
    `);
  });

  it('fix: adds pin_memory=True and non_blocking=True on the copies of the batches in the training loop only', () => {
    expectFix(
      'GML302',
      `
      import torch
      from torch.utils.data import DataLoader as DL
      device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
      loader = DL(train_set, batch_size=64, shuffle=True, num_workers=4)
      for epoch in range(5):
          for i, (x, y) in enumerate(loader):
              x, y = x.to(device), y.to(device)
              mask = make_mask(x).to(device)
              opt.zero_grad()
              loss = criterion(model(x.to(torch.float16)), y)
              loss.backward()
              opt.step()
              losses.append(loss.detach().to("cpu"))
      `,
      `
      import torch
      from torch.utils.data import DataLoader as DL
      device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
      loader = DL(train_set, batch_size=64, shuffle=True, num_workers=4, pin_memory=True)
      for epoch in range(5):
          for i, (x, y) in enumerate(loader):
              x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
              mask = make_mask(x).to(device)
              opt.zero_grad()
              loss = criterion(model(x.to(torch.float16)), y)
              loss.backward()
              opt.step()
              losses.append(loss.detach().to("cpu"))
      `,
    );
  });

  it('fix: a device assigned in both branches of an if/else is the run-time device, and its batch copies get non_blocking=True (dcgan)', () => {
    expectFix(
      'GML302',
      `
      import torch
      from torch.utils.data import DataLoader
      if torch.accelerator.is_available():
          device = torch.accelerator.current_accelerator()
      else:
          device = torch.device("cpu")
      loader = DataLoader(dataset, batch_size=128, shuffle=True, num_workers=2)
      for epoch in range(25):
          for i, data in enumerate(loader):
              x = data[0].to(device)
              opt.zero_grad()
              loss = criterion(model(x), labels)
              loss.backward()
              opt.step()
      `,
      `
      import torch
      from torch.utils.data import DataLoader
      if torch.accelerator.is_available():
          device = torch.accelerator.current_accelerator()
      else:
          device = torch.device("cpu")
      loader = DataLoader(dataset, batch_size=128, shuffle=True, num_workers=2, pin_memory=True)
      for epoch in range(25):
          for i, data in enumerate(loader):
              x = data[0].to(device, non_blocking=True)
              opt.zero_grad()
              loss = criterion(model(x), labels)
              loss.backward()
              opt.step()
      `,
    );
  });

  it('leaves a script alone whose only .to() calls cast to a dtype held in a name (weight_dtype): it computes on the CPU', () => {
    const script = `
      import torch
      from torch import nn
      from torch.utils.data import DataLoader
      weight_dtype = torch.float32
      if use_half:
          weight_dtype = torch.float16
      loader = DataLoader(dataset, batch_size=32, shuffle=True, num_workers=4)
      model = nn.Sequential(nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10)).to(weight_dtype)
      optimizer = torch.optim.Adam(model.parameters())
      for epoch in range(10):
          for x, y in loader:
              x = x.to(weight_dtype)
              optimizer.zero_grad()
              loss = nn.functional.cross_entropy(model(x), y)
              loss.backward()
              optimizer.step()
              print(loss.item())
    `;
    expectNone('GML302', script);
    expectNone('GML404', script);
    expectNone('GML101', script);
    // The same casts in a script that also names the GPU it moves to: still a CUDA script.
    expectFindings(`
      import torch
      from torch.utils.data import DataLoader
      weight_dtype = torch.float16
      loader = DataLoader(dataset, batch_size=32, num_workers=4)
               ^^^^^^^^^^ GML302
      model = model.to("cuda").to(weight_dtype)
      for epoch in range(10):
          for x, y in loader:
              loss = model(x.to(weight_dtype)).mean()
              loss.backward()
              optimizer.step()
    `, { codes: ['GML302'] });
  });

  it('fix: leaves dtype casts of the batches alone (a name assigned a torch dtype, a tensor\'s .dtype), copies to the device get non_blocking', () => {
    expectFix(
      'GML302',
      `
      import torch
      from accelerate import Accelerator
      accelerator = Accelerator()
      weight_dtype = torch.float32
      if accelerator.mixed_precision == "fp16":
          weight_dtype = torch.float16
      loader = torch.utils.data.DataLoader(train_set, batch_size=8, num_workers=2)
      model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
      for epoch in range(2):
          for batch, y in loader:
              x = batch.to(weight_dtype)
              y = y.to(model.dtype)
              z = batch.to(accelerator.device, weight_dtype)
              loss = model(x, y, z).pow(2).mean()
              accelerator.backward(loss)
              optimizer.step()
      `,
      `
      import torch
      from accelerate import Accelerator
      accelerator = Accelerator()
      weight_dtype = torch.float32
      if accelerator.mixed_precision == "fp16":
          weight_dtype = torch.float16
      loader = torch.utils.data.DataLoader(train_set, batch_size=8, num_workers=2, pin_memory=True)
      model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
      for epoch in range(2):
          for batch, y in loader:
              x = batch.to(weight_dtype)
              y = y.to(model.dtype)
              z = batch.to(accelerator.device, weight_dtype, non_blocking=True)
              loss = model(x, y, z).pow(2).mean()
              accelerator.backward(loss)
              optimizer.step()
      `,
    );
  });

  it('fix: pins the loader inside its factory function and copies the batches of the loop that iterates the result with non_blocking=True', () => {
    expectFix(
      'GML302',
      `
      import torch
      from torch.utils.data import DataLoader

      def get_data_loader(dataset, batch_size, shuffle=False):
          data_loader = DataLoader(dataset=dataset, batch_size=batch_size, shuffle=shuffle, num_workers=2)
          return data_loader

      device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
      train_data_loader = get_data_loader(train_data, 512, shuffle=True)
      for epoch in range(10):
          for ids, label in train_data_loader:
              ids, label = ids.to(device), label.to(device)
              optimizer.zero_grad()
              loss = criterion(model(ids), label)
              loss.backward()
              optimizer.step()
      `,
      `
      import torch
      from torch.utils.data import DataLoader

      def get_data_loader(dataset, batch_size, shuffle=False):
          data_loader = DataLoader(dataset=dataset, batch_size=batch_size, shuffle=shuffle, num_workers=2, pin_memory=True)
          return data_loader

      device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
      train_data_loader = get_data_loader(train_data, 512, shuffle=True)
      for epoch in range(10):
          for ids, label in train_data_loader:
              ids, label = ids.to(device, non_blocking=True), label.to(device, non_blocking=True)
              optimizer.zero_grad()
              loss = criterion(model(ids), label)
              loss.backward()
              optimizer.step()
      `,
    );
  });

  it('fix: replaces pin_memory=False, and reaches items, dict values and .cuda() copies in a training function', () => {
    expectFix(
      'GML302',
      `
      import torch

      def train(loader):
          for batch in loader:
              inputs = {k: v.cuda() for k, v in batch.items()}
              labels = batch["labels"].to(device=0)
              optimizer.zero_grad()
              loss = criterion(model(**inputs), labels)
              loss.backward()
              optimizer.step()

      train_loader = torch.utils.data.DataLoader(
          train_set,
          batch_size=32,
          pin_memory=False,
      )
      train(train_loader)
      `,
      `
      import torch

      def train(loader):
          for batch in loader:
              inputs = {k: v.cuda(non_blocking=True) for k, v in batch.items()}
              labels = batch["labels"].to(device=0, non_blocking=True)
              optimizer.zero_grad()
              loss = criterion(model(**inputs), labels)
              loss.backward()
              optimizer.step()

      train_loader = torch.utils.data.DataLoader(
          train_set,
          batch_size=32,
          pin_memory=True,
      )
      train(train_loader)
      `,
    );
  });

  it('fix: only pins when the loader has a collate_fn (its batches may have a .to of their own) and keeps an existing non_blocking', () => {
    expectFix(
      'GML302',
      `
      import torch
      from torch.utils.data import DataLoader
      device = "cuda"
      loader = DataLoader(data, batch_size=8, collate_fn=collator)
      for batch in loader:
          batch = batch.to(device)
          model(**batch).loss.backward()
          optimizer.step()
      `,
      `
      import torch
      from torch.utils.data import DataLoader
      device = "cuda"
      loader = DataLoader(data, batch_size=8, collate_fn=collator, pin_memory=True)
      for batch in loader:
          batch = batch.to(device)
          model(**batch).loss.backward()
          optimizer.step()
      `,
    );
    expectFix(
      'GML302',
      `
      import torch
      loader = torch.utils.data.DataLoader(data, batch_size=8)
      for x, y in loader:
          x = x.to("cuda", non_blocking=False)
          y = y.cuda()
          model(x).loss(y).backward()
          optimizer.step()
      `,
      `
      import torch
      loader = torch.utils.data.DataLoader(data, batch_size=8, pin_memory=True)
      for x, y in loader:
          x = x.to("cuda", non_blocking=False)
          y = y.cuda(non_blocking=True)
          model(x).loss(y).backward()
          optimizer.step()
      `,
    );
  });

  it('fix: a comment after the last argument stays on its line (with and without a trailing comma)', () => {
    expectFix(
      'GML302',
      `
      import torch
      from torch.utils.data import DataLoader
      device = "cuda" if torch.cuda.is_available() else "cpu"
      train_dataloader = DataLoader(train_data, # dataset to turn into iterable
          batch_size=32, # how many samples per batch?
          shuffle=True # shuffle data every epoch?
      )
      for X, y in train_dataloader:
          loss = loss_fn(model(X.to(device)), y.to(device))
          loss.backward()
          optimizer.step()
      `,
      `
      import torch
      from torch.utils.data import DataLoader
      device = "cuda" if torch.cuda.is_available() else "cpu"
      train_dataloader = DataLoader(train_data, # dataset to turn into iterable
          batch_size=32, # how many samples per batch?
          shuffle=True, # shuffle data every epoch?
          pin_memory=True
      )
      for X, y in train_dataloader:
          loss = loss_fn(model(X.to(device, non_blocking=True)), y.to(device, non_blocking=True))
          loss.backward()
          optimizer.step()
      `,
    );
    expectFix(
      'GML302',
      `
      import torch
      loader = torch.utils.data.DataLoader(
          data,
          batch_size=8,  # fits in memory
      )
      for x, y in loader:
          model(x.cuda()).loss(y.cuda()).backward()
          optimizer.step()
      `,
      `
      import torch
      loader = torch.utils.data.DataLoader(
          data,
          batch_size=8,  # fits in memory
          pin_memory=True,
      )
      for x, y in loader:
          model(x.cuda(non_blocking=True)).loss(y.cuda(non_blocking=True)).backward()
          optimizer.step()
      `,
    );
  });

  it('fix: keeps CRLF newlines', () => {
    expectFix(
      'GML302',
      `
      import torch
      loader = torch.utils.data.DataLoader(data, batch_size=8)
      for x, y in loader:
          x, y = x.cuda(), y.cuda()
          model(x).loss(y).backward()
          optimizer.step()
      `,
      `
      import torch
      loader = torch.utils.data.DataLoader(data, batch_size=8, pin_memory=True)
      for x, y in loader:
          x, y = x.cuda(non_blocking=True), y.cuda(non_blocking=True)
          model(x).loss(y).backward()
          optimizer.step()
      `,
      { eol: '\r\n' },
    );
  });

  it('not when the device chosen at run time is never used: the loop trains on the CPU (GML101 and GML404 agree)', () => {
    // pytorch/tutorials' CIFAR-10 tutorial: the device line comes after training and is only printed.
    const script = (use: string) => `
      import torch
      import torch.nn as nn
      import torchvision

      trainset = torchvision.datasets.CIFAR10(root="./data", train=True, download=True)
      trainloader = torch.utils.data.DataLoader(trainset, batch_size=4, shuffle=True, num_workers=2)
      net = nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 120), nn.ReLU(), nn.Linear(120, 10))
      criterion = nn.CrossEntropyLoss()
      optimizer = torch.optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
      ${use}
      for epoch in range(2):
          running_loss = 0.0
          for i, (inputs, labels) in enumerate(trainloader):
              optimizer.zero_grad()
              loss = criterion(net(inputs), labels)
              loss.backward()
              optimizer.step()
              running_loss += loss.item()

      device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
      print(device)
    `;
    for (const code of ['GML101', 'GML302', 'GML404']) expectNone(code, script(''));
    // The same script with the network moved to that device trains on the GPU when there is one.
    const moved = script('net.to(torch.device("cuda:0" if torch.cuda.is_available() else "cpu"))');
    for (const code of ['GML101', 'GML302', 'GML404']) assert.throws(() => expectNone(code, moved), new RegExp(code));
  });
  it('not in a script that hides every GPU before importing torch (CUDA_VISIBLE_DEVICES = "" or "-1"); flagged with a GPU index', () => {
    const script = (value: string, flagged: boolean) => `
      import os
      os.environ["CUDA_VISIBLE_DEVICES"] = ${value}
      import torch
      from torch.utils.data import DataLoader

      device = "cuda" if torch.cuda.is_available() else "cpu"
      train_loader = DataLoader(train_set, batch_size=128, shuffle=True, num_workers=4)${flagged ? '\n      #              ^^^^^^^^^^ GML302' : ''}
      for images, labels in train_loader:
          images, labels = images.to(device), labels.to(device)
          optimizer.zero_grad()
          criterion(model(images), labels).backward()
          optimizer.step()
    `;
    expectNone('GML302', script('""', false));
    expectNone('GML302', script('"-1"', false));
    expectFindings(script('"0"', true));
    expectFindings(script('args.gpu', true));
  });

  loaderLinkTests('GML302');
});
