import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { applyFix, assertOne, findings, useParser } from '../helpers/analysis';
import { loaderLinkTests } from './loaderLinks';
import { expectFindings, expectFix, expectNone, parseFixture } from '../helpers/markers';

useParser();

describe('GML301 dataloader-single-process', () => {
  it('flags a loader without num_workers iterated by a training loop', () => {
    expectFindings(`
      import torch
      from torch.utils.data import DataLoader
      from torchvision import datasets, transforms

      train_set = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
      train_loader = DataLoader(train_set, batch_size=64, shuffle=True)
      #              ^^^^^^^^^^ GML301: has no num_workers
      for epoch in range(10):
          for images, labels in train_loader:
              optimizer.zero_grad()
              loss = torch.nn.functional.cross_entropy(model(images), labels)
              loss.backward()
              optimizer.step()
    `);
  });

  it('is a hint, saying workers cost energy there, in a script that trains on the CPU; information where a GPU may run', () => {
    const script = (device: string) => parseFixture(`
      import torch
      from torch.utils.data import DataLoader
      from torchvision import datasets, transforms

      device = ${device}
      train_loader = DataLoader(datasets.FashionMNIST("data", transform=transforms.ToTensor()), batch_size=64)
      model = Net().to(device)
      for images, labels in train_loader:
          images, labels = images.to(device), labels.to(device)
          optimizer.zero_grad()
          torch.nn.functional.cross_entropy(model(images), labels).backward()
          optimizer.step()
    `).text;
    const [cpu] = findings(script('torch.device("cpu")'), 'GML301');
    assert.equal(cpu.severity, 'hint');
    assert.match(cpu.message, /trains on the CPU.*×1\.2 the energy/);
    const [gpu] = findings(script('torch.device("cuda" if torch.cuda.is_available() else "cpu")'), 'GML301');
    assert.equal(gpu.severity, 'information');
    assert.doesNotMatch(gpu.message, /CPU/);
    const [target] = findings(script('torch.device("cpu")'), 'GML301', { targetDevice: 'cuda' });
    assert.equal(target.severity, 'information', 'the target-device setting wins over what the script says');
  });

  it('is a hint in a script that hides every GPU before importing torch (CUDA_VISIBLE_DEVICES = ""), whatever device it asks for', () => {
    const script = (value: string) => parseFixture(`
      import os
      os.environ["CUDA_VISIBLE_DEVICES"] = ${value}
      import torch
      from torch.utils.data import DataLoader
      from torchvision import datasets, transforms

      device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
      train_loader = DataLoader(datasets.FashionMNIST("data", transform=transforms.ToTensor()), batch_size=64)
      model = Net().to(device)
      for images, labels in train_loader:
          images, labels = images.to(device), labels.to(device)
          optimizer.zero_grad()
          torch.nn.functional.cross_entropy(model(images), labels).backward()
          optimizer.step()
    `).text;
    assert.equal(findings(script('""'), 'GML301')[0].severity, 'hint');
    assert.equal(findings(script('"0,1"'), 'GML301')[0].severity, 'information');
  });

  it('flags a loader passed to a training function defined in the file', () => {
    expectFindings(`
      import torch
      from torch.utils.data import DataLoader

      def train(model, loader, optimizer):
          model.train()
          for batch_idx, (data, target) in enumerate(loader):
              optimizer.zero_grad()
              output = model(data)
              loss = torch.nn.functional.nll_loss(output, target)
              loss.backward()
              optimizer.step()

      train_loader = torch.utils.data.DataLoader(dataset1, batch_size=64, num_workers=0)
      #              ^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML301: sets num_workers=0
      for epoch in range(1, 15):
          train(model, train_loader, optimizer)
    `);
  });

  it('flags a loader built in a factory function and returned through a local name to the training loop', () => {
    expectFindings(`
      import torch
      from torchvision import datasets, transforms

      def build_loader(train, batch_size):
          dataset = datasets.FashionMNIST("data", train=train, download=True, transform=transforms.ToTensor())
          loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=train)
      #            ^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML301: has no num_workers
          return loader

      train_loader = build_loader(True, 64)
      for epoch in range(10):
          for images, labels in train_loader:
              optimizer.zero_grad()
              loss = torch.nn.functional.cross_entropy(model(images), labels)
              loss.backward()
              optimizer.step()
    `);
  });

  it('flags a loader handed to a Lightning Trainer', () => {
    expectFindings(`
      import lightning as L
      from torch.utils.data import DataLoader

      train_loader = DataLoader(train_set, batch_size=32)
      #              ^^^^^^^^^^ GML301
      trainer = L.Trainer(max_epochs=5, precision="bf16-mixed")
      trainer.fit(model, train_loader)
    `);
  });

  it('flags a loader built right in the call that trains on it: a Trainer\'s fit, a training function of the file', () => {
    expectFindings(`
      import lightning as L
      from torch.utils.data import DataLoader

      trainer = L.Trainer(max_epochs=5)
      trainer.fit(model, DataLoader(train_set, batch_size=32, shuffle=True), val_dataloaders=DataLoader(val_set, batch_size=64, num_workers=4))
      #                  ^^^^^^^^^^ GML301
    `);
    expectFindings(`
      import torch
      from torch.utils.data import DataLoader

      def train(model, loader, optimizer):
          for x, y in loader:
              optimizer.zero_grad()
              torch.nn.functional.cross_entropy(model(x), y).backward()
              optimizer.step()

      train(model, loader=DataLoader(train_set, batch_size=64), optimizer=opt)
      #                   ^^^^^^^^^^ GML301
    `);
  });

  it('leaves a loader built in a call that only evaluates alone', () => {
    expectNone('GML301', `
      import torch
      from torch.utils.data import DataLoader

      def evaluate(model, loader):
          with torch.no_grad():
              return sum((model(x).argmax(1) == y).sum().item() for x, y in loader)

      print(evaluate(model, DataLoader(test_set, batch_size=256)))
      trainer.validate(model, DataLoader(val_set, batch_size=64))
    `);
  });

  it('flags a loader built in the for statement itself, through an alias', () => {
    expectFindings(`
      import torch.utils.data as tud

      for epoch in range(3):
          for x, y in tud.DataLoader(data, batch_size=16, shuffle=True):
      #               ^^^^^^^^^^^^^^ GML301
              opt.zero_grad()
              model(x).sum().backward()
              opt.step()
    `);
  });

  it("flags a loader returned by a LightningDataModule's train_dataloader hook (pytorch_lightning as pl), not its evaluation loaders", () => {
    expectFindings(`
      import pytorch_lightning as pl
      from torch.utils.data import DataLoader, random_split
      from torchvision import datasets, transforms

      class FashionMNISTDataModule(pl.LightningDataModule):
          def setup(self, stage=None):
              full = datasets.FashionMNIST(self.data_dir, train=True, download=True, transform=transforms.ToTensor())
              self.train_set, self.val_set = random_split(full, [55000, 5000])

          def train_dataloader(self):
              return DataLoader(self.train_set, batch_size=self.batch_size, shuffle=True, pin_memory=True)
      #              ^^^^^^^^^^ GML301: has no num_workers

          def val_dataloader(self):
              return DataLoader(self.val_set, batch_size=self.batch_size, pin_memory=True)

      trainer = pl.Trainer(max_epochs=10, accelerator="auto", devices=1)
      trainer.fit(model, datamodule=FashionMNISTDataModule())
    `);
  });

  it("flags a loader a LightningModule's own train_dataloader hook builds (from lightning.pytorch import LightningModule as Module)", () => {
    expectFindings(`
      from lightning.pytorch import LightningModule as Module
      from torch.utils.data import DataLoader

      class LitClassifier(Module):
          def train_dataloader(self):
              loader = DataLoader(self.train_set, batch_size=32, shuffle=True, num_workers=0)
      #                ^^^^^^^^^^ GML301: sets num_workers=0
              return loader
    `);
  });

  it('flags a loader run by an Ignite trainer: create_supervised_trainer, and an Engine whose process function trains', () => {
    expectFindings(`
      import torch
      from torch.utils.data import DataLoader
      from ignite.engine import Engine, create_supervised_trainer as make_trainer

      def get_data_loaders(train_batch_size):
          train_loader = DataLoader(MNIST(download=True, root=".", transform=data_transform, train=True), batch_size=train_batch_size, shuffle=True)
      #                  ^^^^^^^^^^ GML301
          return train_loader

      def train_step(engine, batch):
          model.train()
          optimizer.zero_grad()
          x, y = batch
          loss = criterion(model(x), y)
          loss.backward()
          optimizer.step()
          return loss.item()

      train_loader = get_data_loaders(64)
      trainer = make_trainer(model, optimizer, criterion)
      trainer.run(train_loader, max_epochs=10)

      vae_loader = DataLoader(train_data, batch_size=32, shuffle=True)
      #            ^^^^^^^^^^ GML301
      vae_trainer = Engine(train_step)
      vae_trainer.run(vae_loader, max_epochs=20)
    `);
  });

  it('leaves loaders in hooks with worker processes, or with a num_workers that is not a literal, alone', () => {
    expectNone('GML301', `
      import lightning as L
      from torch.utils.data import DataLoader

      class MNISTDataModule(L.LightningDataModule):
          def __init__(self, batch_size=32, num_workers=4):
              super().__init__()
              self.batch_size = batch_size
              self.num_workers = num_workers

          def train_dataloader(self):
              return DataLoader(self.mnist_train, batch_size=self.batch_size, shuffle=True, num_workers=self.num_workers)

      class CIFARDataModule(L.LightningDataModule):
          def train_dataloader(self):
              return DataLoader(self.cifar_train, batch_size=64, shuffle=True, num_workers=8, persistent_workers=True)
    `);
  });

  it('leaves a train_dataloader method of a class that is not a LightningModule or LightningDataModule alone', () => {
    expectNone('GML301', `
      from torch.utils.data import DataLoader

      class DataModule:
          def train_dataloader(self):
              return DataLoader(self.train_set, batch_size=32, shuffle=True)

      class Loaders(SomeBase):
          def train_dataloader(self):
              return DataLoader(self.train_set, batch_size=32, shuffle=True)
    `);
  });

  it('leaves a loader only an Ignite evaluator runs alone, and a look-alike Engine', () => {
    expectNone('GML301', `
      from torch.utils.data import DataLoader
      from ignite.engine import create_supervised_evaluator

      class Engine:
          def __init__(self, fn):
              self.fn = fn

          def run(self, data, max_epochs=1):
              for batch in data:
                  self.fn(self, batch)

      def train_step(engine, batch):
          optimizer.zero_grad()
          criterion(model(batch[0]), batch[1]).backward()
          optimizer.step()

      val_loader = DataLoader(val_data, batch_size=256)
      evaluator = create_supervised_evaluator(model, metrics=metrics)
      evaluator.run(val_loader)

      other_loader = DataLoader(train_data, batch_size=32)
      Engine(train_step).run(other_loader, max_epochs=3)
    `);
  });

  it('leaves a loader with worker processes alone', () => {
    expectNone('GML301', `
      from torch.utils.data import DataLoader
      train_loader = DataLoader(train_set, batch_size=64, shuffle=True, num_workers=4)
      for x, y in train_loader:
          opt.zero_grad()
          model(x).sum().backward()
          opt.step()
    `);
  });

  it('leaves a num_workers that is not a literal alone', () => {
    expectNone('GML301', `
      from torch.utils.data import DataLoader
      train_loader = DataLoader(train_set, batch_size=args.batch_size, num_workers=args.workers)
      for x, y in train_loader:
          opt.zero_grad()
          model(x).sum().backward()
          opt.step()
    `);
  });

  it('leaves a loader whose keyword arguments come from a dict alone', () => {
    expectNone('GML301', `
      from torch.utils.data import DataLoader
      train_loader = DataLoader(train_set, **loader_kwargs)
      for x, y in train_loader:
          opt.zero_grad()
          model(x).sum().backward()
          opt.step()
    `);
  });

  it('leaves a loader over Hugging Face splits unpacked from one load_dataset call and prepared with map alone', () => {
    expectNone('GML301', `
      import datasets
      import torch

      train_split, test_split = datasets.load_dataset("imdb", split=["train", "test"])
      train_split = train_split.map(tokenize, batched=True)
      train_split = train_split.with_format(type="torch", columns=["input_ids", "label"])
      loader = torch.utils.data.DataLoader(train_split, batch_size=32, shuffle=True)
      for batch in loader:
          optimizer.zero_grad()
          model(batch["input_ids"]).loss.backward()
          optimizer.step()
    `);
  });

  it('leaves a factory-built loader alone when every call of the factory passes a prepared Hugging Face dataset', () => {
    expectNone('GML301', `
      import datasets
      import torch

      def get_loader(dataset, batch_size, shuffle=False):
          return torch.utils.data.DataLoader(dataset=dataset, batch_size=batch_size, shuffle=shuffle)

      train_split, valid_split = datasets.load_dataset("imdb", split=["train", "test"])
      train_split = train_split.map(tokenize).with_format(type="torch", columns=["input_ids", "label"])
      valid_split = valid_split.map(tokenize).with_format(type="torch", columns=["input_ids", "label"])
      train_loader = get_loader(train_split, 64, shuffle=True)
      valid_loader = get_loader(valid_split, 64)
      for epoch in range(3):
          for batch in train_loader:
              optimizer.zero_grad()
              model(batch["input_ids"]).loss.backward()
              optimizer.step()
    `);
  });

  it('leaves a loader over tensors already in memory alone', () => {
    expectNone('GML301', `
      import torch
      from torch.utils.data import DataLoader, TensorDataset
      dataset = TensorDataset(torch.randn(1000, 8), torch.randn(1000, 1))
      loader = DataLoader(dataset, batch_size=32, shuffle=True)
      for x, y in loader:
          opt.zero_grad()
          torch.nn.functional.mse_loss(model(x), y).backward()
          opt.step()
    `);
  });

  it('leaves a loader alone whose Dataset keeps every item it loads in the process (workers would each fill their own cache)', () => {
    const TRAIN = `
      for epoch in range(10):
          for x, y in loader:
              opt.zero_grad()
              torch.nn.functional.l1_loss(model(x), y).backward()
              opt.step()`;
    // functools.lru_cache(maxsize=None) on __getitem__ itself.
    expectNone('GML301', `
      import functools
      import torch
      from torch.utils.data import DataLoader, Dataset

      class CachedSet(Dataset):
          def __len__(self):
              return 1000

          @functools.lru_cache(maxsize=None)
          def __getitem__(self, i):
              return torch.randn(3, 64, 64), torch.tensor(float(i % 100))

      loader = DataLoader(CachedSet(), batch_size=64, shuffle=True)
      ${TRAIN.trim().split('\n').join('\n      ')}
    `);
    // A memoized classmethod helper (the Kaggle notebook's form), functools.cache on a function of the file.
    expectNone('GML301', `
      import functools
      from functools import cache
      import torch
      from torch.utils.data import DataLoader, Dataset

      @cache
      def decode(path):
          return torch.load(path)

      class Ageset(Dataset):
          def __init__(self, paths):
              self.paths = paths

          @classmethod
          @functools.lru_cache(None)
          def to_tensor(cls, path):
              return torch.load(path)

          def __getitem__(self, i):
              return self.to_tensor(self.paths[i]), 0

      class Other(Dataset):
          def __getitem__(self, i):
              return decode(self.paths[i]), 0

      train_set = Ageset(paths)
      loader = DataLoader(train_set, batch_size=64, shuffle=True)
      other = DataLoader(Other(), batch_size=64)
      for epoch in range(10):
          for (x, y), (u, v) in zip(loader, other):
              opt.zero_grad()
              torch.nn.functional.l1_loss(model(x), y).backward()
              opt.step()
    `);
    // A dict the dataset starts empty and fills with each item; also through a random_split part or a Subset of it.
    for (const [made, used] of [
      ['', 'DictCached(paths)'],
      ['full = DictCached(paths)\n      train_set, val_set = random_split(full, [0.8, 0.2])', 'train_set'],
      ['full = DictCached(paths)\n      train_set = Subset(full, range(1000))', 'train_set'],
    ]) {
      expectNone('GML301', `
      import torch
      from torch.utils.data import DataLoader, Dataset, Subset, random_split

      class DictCached(Dataset):
          def __init__(self, paths):
              self.paths = paths
              self.cache = {}

          def __getitem__(self, i):
              if i not in self.cache:
                  self.cache[i] = torch.load(self.paths[i])
              return self.cache[i]

      ${made}
      loader = DataLoader(${used}, batch_size=64, shuffle=True)
      ${TRAIN.trim().split('\n').join('\n      ')}
    `);
    }
  });

  it('still flags a Dataset whose cache is bounded (the bare lru_cache keeps 128 items) or not on the way to its items', () => {
    expectFindings(`
      import functools
      import torch
      from torch.utils.data import DataLoader, Dataset

      class Bounded(Dataset):
          @functools.lru_cache
          def __getitem__(self, i):
              return torch.load(f"{i}.pt")

      class Sized(Dataset):
          @functools.lru_cache(maxsize=256)
          def __getitem__(self, i):
              return torch.load(f"{i}.pt")

      class Elsewhere(Dataset):
          def __init__(self):
              self.stats = {}

          @functools.cache
          def mean(self):
              return 0.5

          def __getitem__(self, i):
              self.stats["last"] = i
              return torch.load(f"{i}.pt")

      a = DataLoader(Bounded(), batch_size=64)
      #   ^^^^^^^^^^ GML301
      b = DataLoader(Sized(), batch_size=64)
      #   ^^^^^^^^^^ GML301
      c = DataLoader(Elsewhere(), batch_size=64)
      #   ^^^^^^^^^^ GML301
      for epoch in range(10):
          for (x, y), (u, v), (s, t) in zip(a, b, c):
              opt.zero_grad()
              torch.nn.functional.l1_loss(model(x), y).backward()
              opt.step()
    `);
  });

  it('leaves a loader over a Hugging Face dataset prepared ahead of time alone (as the course and Accelerate examples write it)', () => {
    expectNone('GML301', `
      import torch
      from datasets import load_dataset as load
      from torch.utils.data import DataLoader

      raw_datasets = load("glue", "mrpc")
      tokenized_datasets = raw_datasets.map(tokenize_function, batched=True)
      tokenized_datasets = tokenized_datasets.remove_columns(["sentence1", "sentence2", "idx"])
      tokenized_datasets = tokenized_datasets.rename_column("label", "labels")
      tokenized_datasets.set_format("torch")
      train_dataloader = DataLoader(tokenized_datasets["train"], shuffle=True, batch_size=8, collate_fn=data_collator)
      for epoch in range(3):
          for batch in train_dataloader:
              loss = model(**batch).loss
              loss.backward()
              optimizer.step()
              optimizer.zero_grad()
    `);
  });

  it('leaves a DataModule alone whose setup() tokenizes a Hugging Face dataset held on self (as the Lightning GLUE tutorial writes it)', () => {
    expectNone('GML301', `
      import datasets
      import lightning.pytorch as pl
      from torch.utils.data import DataLoader
      from transformers import AutoTokenizer

      class GlueData(pl.LightningDataModule):
          def __init__(self, model_name, batch_size=32):
              super().__init__()
              self.batch_size = batch_size
              self.tokenizer = AutoTokenizer.from_pretrained(model_name)

          def encode(self, batch):
              return self.tokenizer(batch["sentence1"], batch["sentence2"], truncation=True, padding="max_length")

          def setup(self, stage=None):
              self.splits = datasets.load_dataset("glue", "rte")
              for name in self.splits.keys():
                  self.splits[name] = self.splits[name].map(self.encode, batched=True)
                  self.splits[name].set_format(type="torch", columns=["input_ids", "attention_mask", "label"])

          def train_dataloader(self):
              return DataLoader(self.splits["train"], batch_size=self.batch_size, shuffle=True)
    `);
  });

  it('flags a DataModule whose dataset on self is not only the Hugging Face one, or gets a per-item transform', () => {
    expectFindings(`
      import datasets
      import lightning.pytorch as pl
      from torch.utils.data import DataLoader

      class ImageData(pl.LightningDataModule):
          def setup(self, stage=None):
              self.splits = datasets.load_dataset("beans")
              if stage == "fit":
                  self.splits = ImageFolderSplits("data/beans", transform=augment)

          def train_dataloader(self):
              return DataLoader(self.splits["train"], batch_size=32, shuffle=True)
              #      ^^^^^^^^^^ GML301
    `);
    expectFindings(`
      import datasets
      import lightning.pytorch as pl
      from torch.utils.data import DataLoader

      class ImageData(pl.LightningDataModule):
          def setup(self, stage=None):
              self.splits = datasets.load_dataset("beans")
              self.splits["train"] = self.splits["train"].with_transform(augment)

          def train_dataloader(self):
              return DataLoader(self.splits["train"], batch_size=32, shuffle=True)
              #      ^^^^^^^^^^ GML301
    `);
  });

  it('flags a Hugging Face dataset given a per-item transform, and one that is not from the datasets library', () => {
    expectFindings(`
      import torch
      from datasets import load_dataset
      from torch.utils.data import DataLoader

      images = load_dataset("beans")
      images.set_transform(augment)
      loader = DataLoader(images["train"], batch_size=32, shuffle=True)
      #        ^^^^^^^^^^ GML301
      for batch in loader:
          model(batch["pixel_values"]).loss.backward()
          optimizer.step()
    `);
    expectFindings(`
      import torch
      from torch.utils.data import DataLoader

      splits = my_loader.load_splits()
      splits = splits.map(tokenize)
      loader = DataLoader(splits["train"], batch_size=32, shuffle=True)
      #        ^^^^^^^^^^ GML301
      for batch in loader:
          model(**batch).loss.backward()
          optimizer.step()
    `);
  });

  it('leaves a loader that only feeds evaluation alone', () => {
    expectNone('GML301', `
      import torch
      from torch.utils.data import DataLoader
      val_loader = DataLoader(val_set, batch_size=256)
      model.eval()
      with torch.no_grad():
          for x, y in val_loader:
              correct += (model(x).argmax(1) == y).sum().item()
    `);
  });

  it('leaves a loop that computes gradients without an optimizer step alone (an attack, not training)', () => {
    expectNone('GML301', `
      from torch.utils.data import DataLoader
      loader = DataLoader(test_set, batch_size=1)
      for x, y in loader:
          x.requires_grad_(True)
          loss = criterion(model(x), y)
          loss.backward()
          adversarial = x + 0.03 * x.grad.sign()
    `);
  });

  it('leaves a look-alike DataLoader class alone', () => {
    expectNone('GML301', `
      import torch

      class DataLoader:
          def __init__(self, data, batch_size):
              self.data = data

      loader = DataLoader(rows, batch_size=8)
      for x, y in loader:
          opt.zero_grad()
          model(x).sum().backward()
          opt.step()
    `);
  });

  it('fix: adds worker processes that persist across epochs, importing os once', () => {
    expectFix(
      'GML301',
      `
      import torch
      from torch.utils.data import DataLoader
      train_loader = DataLoader(train_set, batch_size=64, shuffle=True)
      for x, y in train_loader:
          optimizer.zero_grad()
          model(x).sum().backward()
          optimizer.step()
      `,
      `
      import torch
      from torch.utils.data import DataLoader
      import os
      train_loader = DataLoader(train_set, batch_size=64, shuffle=True, num_workers=min(8, os.cpu_count() or 1), persistent_workers=True)
      for x, y in train_loader:
          optimizer.zero_grad()
          model(x).sum().backward()
          optimizer.step()
      `,
    );
  });

  it('fix: replaces num_workers=0 in place, uses an existing import of os and keeps persistent_workers as written', () => {
    expectFix(
      'GML301',
      `
      import os
      import torch
      loader = torch.utils.data.DataLoader(
          train_set,
          batch_size=64,
          num_workers=0,
          persistent_workers=False,
      )
      for x, y in loader:
          optimizer.zero_grad()
          model(x).sum().backward()
          optimizer.step()
      `,
      `
      import os
      import torch
      loader = torch.utils.data.DataLoader(
          train_set,
          batch_size=64,
          num_workers=min(8, os.cpu_count() or 1),
          persistent_workers=False,
      )
      for x, y in loader:
          optimizer.zero_grad()
          model(x).sum().backward()
          optimizer.step()
      `,
    );
  });

  it('the fixed fixture script still trains to the end with Debian python3-torch', () => {
    const python = '/usr/bin/python3';
    const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
    assert.equal(probe.status, 0, `${python} cannot import torch: run \`apt-get install -y python3-torch\` (CI installs it).\n${probe.stderr ?? ''}`);
    const fixture = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'scripts', 'torch_dataloader_main_process.py'), 'utf8');
    const fixed = applyFix(fixture, assertOne(fixture, 'GML301'));
    assert.deepEqual(findings(fixed, 'GML301'), []);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'greenml-gml301-'));
    try {
      const script = path.join(dir, 'train.py');
      fs.writeFileSync(script, fixed);
      const run = spawnSync(python, [script], { encoding: 'utf8', timeout: 240_000, cwd: dir });
      assert.equal(run.status, 0, `fixed script failed:\n${run.stderr}`);
      assert.match(run.stdout, /training finished\s*$/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  loaderLinkTests('GML301');
});
