import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertOne, useParser } from '../helpers/analysis';
import { expectFix } from '../helpers/markers';

useParser();

// CUDA autocast refuses binary cross-entropy on probabilities ("torch.nn.functional.binary_cross_entropy
// and torch.nn.BCELoss are unsafe to autocast"), whatever the dtype: the fix keeps it out of the block.
describe('GML101 fp32-training-loop: a BCELoss stays outside the autocast block', () => {
  it('an nn.BCELoss held in `criterion` is computed after the block, on its float32 input (dcgan)', () => {
    expectFix(
      'GML101',
      `
      import torch
      import torch.nn as nn

      device = torch.device("cuda")
      criterion = nn.BCELoss()
      for epoch in range(25):
          for x, label in loader:
              x, label = x.to(device), label.to(device)
              optimizer.zero_grad()
              output = netD(x).view(-1)
              err = criterion(output, label)
              err.backward()
              optimizer.step()
      `,
      `
      import torch
      import torch.nn as nn

      device = torch.device("cuda")
      criterion = nn.BCELoss()
      for epoch in range(25):
          for x, label in loader:
              x, label = x.to(device), label.to(device)
              optimizer.zero_grad()
              with torch.autocast(device_type="cuda", dtype=torch.bfloat16):
                  output = netD(x).view(-1)
              err = criterion(output.float(), label)
              err.backward()
              optimizer.step()
      `,
    );
  });

  it('F.binary_cross_entropy in the middle of the loss run: the statements around it get a block each, a target from the block is cast too (a VAE)', () => {
    const finding = expectFix(
      'GML101',
      `
      import torch
      from torch.nn import functional as fn

      model.cuda()
      for epoch in range(10):
          for x in loader:
              x = x.cuda()
              recon, mu, logvar = model(x)
              target = model.encode_target(x)
              rec = fn.binary_cross_entropy(recon, target, reduction="sum")
              kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
              loss = rec + kld
              optimizer.zero_grad()
              loss.backward()
              optimizer.step()
      `,
      `
      import torch
      from torch.nn import functional as fn

      model.cuda()
      for epoch in range(10):
          for x in loader:
              x = x.cuda()
              with torch.autocast(device_type="cuda", dtype=torch.bfloat16):
                  recon, mu, logvar = model(x)
                  target = model.encode_target(x)
              rec = fn.binary_cross_entropy(recon.float(), target.float(), reduction="sum")
              with torch.autocast(device_type="cuda", dtype=torch.bfloat16):
                  kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
                  loss = rec + kld
              optimizer.zero_grad()
              loss.backward()
              optimizer.step()
      `,
    );
    assert.match(finding.fixes[0].title, /binary cross-entropy loss stays outside, on float32 inputs/);
  });

  it('a BCELoss held in a `self.` attribute of a trainer class stays outside too', () => {
    expectFix(
      'GML101',
      `
      import torch
      from torch import nn

      class Trainer:
          def __init__(self, model):
              self.model = model.cuda()
              self.criterion = nn.BCELoss()

          def train(self, loader, optimizer):
              for x, y in loader:
                  optimizer.zero_grad()
                  probs = self.model(x)
                  loss = self.criterion(probs, y)
                  loss.backward()
                  optimizer.step()
      `,
      `
      import torch
      from torch import nn

      class Trainer:
          def __init__(self, model):
              self.model = model.cuda()
              self.criterion = nn.BCELoss()

          def train(self, loader, optimizer):
              for x, y in loader:
                  optimizer.zero_grad()
                  with torch.autocast(device_type="cuda", dtype=torch.bfloat16):
                      probs = self.model(x)
                  loss = self.criterion(probs.float(), y)
                  loss.backward()
                  optimizer.step()
      `,
    );
  });

  it('a BCELoss that runs the model inside its call gets no fix, and the message says why and what to use', () => {
    const finding = assertOne(
      `
import torch
import torch.nn as nn

criterion = nn.BCELoss()
model.cuda()
for x, y in loader:
    optimizer.zero_grad()
    loss = criterion(model(x.cuda()), y.cuda())
    loss.backward()
    optimizer.step()
`,
      'GML101',
    );
    assert.equal(finding.fixes.length, 0);
    assert.match(finding.message, /No fix is offered: the loss is binary cross-entropy on probabilities .*CUDA autocast refuses.*nn\.BCEWithLogitsLoss/);
  });

  it('BCEWithLogitsLoss, which autocast runs in float32, is wrapped with the forward as before', () => {
    expectFix(
      'GML101',
      `
      import torch
      import torch.nn as nn

      criterion = nn.BCEWithLogitsLoss()
      model.cuda()
      for x, y in loader:
          optimizer.zero_grad()
          logits = model(x)
          loss = criterion(logits, y)
          loss.backward()
          optimizer.step()
      `,
      `
      import torch
      import torch.nn as nn

      criterion = nn.BCEWithLogitsLoss()
      model.cuda()
      for x, y in loader:
          optimizer.zero_grad()
          with torch.autocast(device_type="cuda", dtype=torch.bfloat16):
              logits = model(x)
              loss = criterion(logits, y)
          loss.backward()
          optimizer.step()
      `,
    );
  });
});
