// Where a DataLoader feeds training and what its collate_fn does: shared by GML301 (workers) and GML302
// (pinned memory), which read loaders through the same helpers (frameworks/training.ts, batches.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findings } from '../helpers/analysis';
import { expectFindings, expectNone } from '../helpers/markers';

/** The loader-link and collate_fn cases, checked for one of the two loader rules. */
export function loaderLinkTests(code: 'GML301' | 'GML302'): void {
  it('leaves alone a loader only peeked with next(iter(…)) whose name a training function\'s parameter shares', () => {
    // `def train(dataloader)` trains on what it is handed (train_dl), not on the module-level `dataloader`.
    expectFindings(`
      import torch
      from torch import nn
      from torch.utils.data import DataLoader

      device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
      model = nn.Linear(100, 1).to(device)
      optimizer = torch.optim.Adam(model.parameters())

      def train(dataloader):
          for x, y in dataloader:
              loss = nn.functional.mse_loss(model(x.to(device)), y.to(device))
              loss.backward()
              optimizer.step()
              optimizer.zero_grad()

      dataloader = DataLoader(train_dataset, batch_size=4, shuffle=False)
      x_batch, y_batch = next(iter(dataloader))
      train_dl = DataLoader(train_dataset, batch_size=32, shuffle=True)
      #          ^^^^^^^^^^ ${code}
      for epoch in range(2):
          train(train_dl)
    `);
  });

  it('leaves alone a loader whose name only a nested function\'s own loop variable shares', () => {
    expectNone(code, `
      import torch
      from torch.utils.data import DataLoader
      device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
      loader = DataLoader(images, batch_size=8)
      preview = next(iter(loader))

      def fit(model, optimizer, data):
          for loader in data:
              for x, y in loader:
                  optimizer.zero_grad()
                  model(x.to(device)).sum().backward()
                  optimizer.step()
    `);
  });

  it('follows a loader a function returns in a tuple to the names its caller unpacks it into', () => {
    expectFindings(`
      import torch
      from torch.utils.data import DataLoader
      device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

      def get_loaders(batch_size):
          train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=True)
          #              ^^^^^^^^^^ ${code}
          val_loader = DataLoader(val_set, batch_size=batch_size)
          return train_loader, val_loader

      def run():
          tl, vl = get_loaders(64)
          for epoch in range(10):
              for x, y in tl:
                  optimizer.zero_grad()
                  model(x.to(device)).sum().backward()
                  optimizer.step()
    `);
  });

  describe('a collate_fn that moves each batch to the device', () => {
    const script = (collate: string, extra = '') => `
      import functools
      import torch
      from torch.utils.data import DataLoader
      device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
      model = Net().to(device)

      def collate_batch(batch, device=device):
          text = torch.stack([t for t, _ in batch])
          labels = torch.tensor([l for _, l in batch])
          return text.to(device), labels.cuda()
      ${extra}
      train_dl = DataLoader(data, batch_size=32, shuffle=True, collate_fn=${collate})
      for epoch in range(10):
          for text, labels in train_dl:
              optimizer.zero_grad()
              model(text).sum().backward()
              optimizer.step()
    `;

    it('reports the loader with no fix, saying to move the copy out of the collate_fn first (a def, a lambda, a partial, a name for one)', () => {
      for (const [collate, extra] of [
        ['collate_batch', ''],
        ['lambda b: collate_batch(b, device)', ''],
        ['functools.partial(collate_batch, device=device)', ''],
        ['collate', 'collate = functools.partial(collate_batch, device=device)'],
        ['lambda b: [t.to(device) for t in torch.utils.data.default_collate(b)]', ''],
      ]) {
        const [finding] = findings(script(collate, extra), code);
        assert.ok(finding, `no ${code} with collate_fn=${collate}`);
        assert.deepEqual(finding.fixes ?? [], [], `a fix is offered with collate_fn=${collate}`);
        assert.match(finding.message, /collate_fn copies each batch to the device.*move the \.to\(device\) out of the collate_fn/);
      }
    });

    it('still fixes a loader whose collate_fn only casts dtypes or stays on the CPU', () => {
      for (const collate of ['lambda b: [t.to(torch.long) for t in torch.utils.data.default_collate(b)]', 'lambda b: [t.to("cpu") for t in b]', 'some_module.collate']) {
        const [finding] = findings(script(collate), code);
        assert.ok(finding && (finding.fixes ?? []).length === 1, `no fix with collate_fn=${collate}`);
      }
    });
  });
}
