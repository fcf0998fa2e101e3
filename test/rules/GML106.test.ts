import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixAllText } from '../../server/src/fixes/fixAll';
import { float64Training } from '../../server/src/rules/GML106_float64Training';
import { applyFix, findings, useParser, validPython } from '../helpers/analysis';
import { dedent, expectFindings, expectFix, expectNone } from '../helpers/markers';

useParser();

/** Every GML106 fix applied, one at a time as `greenml check --fix` does: the text afterwards. */
function fixEverything(before: string): string {
  const result = fixAllText(dedent(before), { unsafe: true, rules: [float64Training] });
  assert.ok(validPython(result.text), result.text);
  assert.deepEqual(result.remaining.map((f) => f.message), [], 'GML106 is still reported after the fixes');
  return result.text;
}

/** The text after applying only the fix of the GML106 finding on the line that contains `line`: what one quick fix in the editor does. */
function fixOnly(before: string, line: string): string {
  const text = dedent(before);
  const index = text.split('\n').findIndex((l) => l.includes(line));
  const finding = findings(text, 'GML106').find((f) => f.range.start.line === index);
  assert.ok(finding, `no GML106 on the line with ${line}`);
  assert.equal(finding.fixes.length, 1, finding.message);
  const fixed = applyFix(text, finding);
  assert.ok(validPython(fixed), fixed);
  return fixed;
}

/** The GML106 findings of a script, each with no fix. */
function expectNoFix(text: string, count: number, reason?: RegExp): void {
  const found = findings(dedent(text), 'GML106');
  assert.equal(found.length, count, found.map((f) => f.message).join(' | '));
  for (const f of found) {
    assert.deepEqual(f.fixes, [], `${f.message} has a fix`);
    assert.match(f.message, /No fix is offered/);
    if (reason) assert.match(f.message, reason);
  }
}

describe('GML106 float64-training', () => {
  it('flags a model converted in place with .double() and then trained', () => {
    expectFindings(`
      import torch
      import torch.nn as nn

      model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 2))
      model.double()
      ^^^^^^^^^^^^^^ GML106: makes what is trained float64
      optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
      for x, y in loader:
          optimizer.zero_grad()
          loss = nn.functional.cross_entropy(model(x), y)
          loss.backward()
          optimizer.step()
    `);
  });

  it('flags .double() on the model as it is built, trained through a function defined in the file', () => {
    expectFindings(`
      import torch

      def train(net, loader, opt):
          for x, y in loader:
              opt.zero_grad()
              torch.nn.functional.mse_loss(net(x), y).backward()
              opt.step()

      model = Net().double()
      #       ^^^^^^^^^^^^^^ GML106
      optimizer = torch.optim.Adam(params)
      for epoch in range(5):
          train(model, train_loader, optimizer)
    `);
  });

  it('flags the LBFGS closure style: a float64 model trained by optimizer.step(closure)', () => {
    expectFindings(`
      import torch
      import torch.nn as nn
      import torch.optim as optim

      seq = Sequence()
      seq.double()
      ^^^^^^^^^^^^ GML106
      criterion = nn.MSELoss()
      optimizer = optim.LBFGS(seq.parameters(), lr=0.8)
      for i in range(15):
          def closure():
              optimizer.zero_grad()
              loss = criterion(seq(input), target)
              loss.backward()
              return loss
          optimizer.step(closure)
    `);
  });

  it('flags float64 data made with dtype= and fed to training through TensorDataset and DataLoader', () => {
    expectFindings(`
      import torch
      from torch.utils.data import DataLoader, TensorDataset

      features = torch.tensor(X, dtype=torch.float64)
      #                                ^^^^^^^^^^^^^ GML106: makes what is trained float64
      loader = DataLoader(TensorDataset(features, labels), batch_size=64, shuffle=True)
      for xb, yb in loader:
          opt.zero_grad()
          loss_fn(model(xb), yb).backward()
          opt.step()
    `);
  });

  it('flags .to(torch.double) in the training loop itself', () => {
    expectFindings(`
      import torch
      for x, y in loader:
          x = x.to(device, torch.double)
      #                    ^^^^^^^^^^^^ GML106
          optimizer.zero_grad()
          criterion(model(x), y).backward()
          optimizer.step()
    `);
  });

  it('flags NumPy data made float64 and turned into a tensor as it is', () => {
    expectFindings(`
      import numpy as np
      import torch

      data = np.loadtxt("train.csv", delimiter=",", dtype=np.float64)
      #                                                   ^^^^^^^^^^ GML106: makes training data float64
      inputs = torch.from_numpy(data)
      for step in range(1000):
          optimizer.zero_grad()
          loss = ((model(inputs) - targets) ** 2).mean()
          loss.backward()
          optimizer.step()
    `);
  });

  it('flags .astype("float64") data turned into a tensor', () => {
    expectFindings(`
      import torch
      x_train = torch.tensor(frame.values.astype("float64"))
      #                                          ^^^^^^^^^ GML106
      for epoch in range(100):
          optimizer.zero_grad()
          loss = criterion(model(x_train), y_train)
          loss.backward()
          optimizer.step()
    `);
  });

  it('flags torch.set_default_dtype(torch.float64) in a script that trains', () => {
    expectFindings(`
      import torch
      torch.set_default_dtype(torch.float64)
      #                       ^^^^^^^^^^^^^ GML106: makes every new tensor and module float64
      model = torch.nn.Linear(3, 1)
      optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
      for x, y in loader:
          optimizer.zero_grad()
          torch.nn.functional.mse_loss(model(x), y).backward()
          optimizer.step()
    `);
  });

  it('resolves aliases and names imported on their own', () => {
    expectFindings(`
      import torch as T
      from torch import float64 as f64
      weights = T.zeros(10, 1, dtype=f64, requires_grad=True)
      #                              ^^^ GML106
      opt = T.optim.SGD([weights], lr=0.1)
      for x, y in batches:
          opt.zero_grad()
          ((x @ weights - y) ** 2).mean().backward()
          opt.step()
    `);
  });

  it('leaves float32 training alone', () => {
    expectNone('GML106', `
      import torch
      model = Net().float()
      features = torch.tensor(X, dtype=torch.float32)
      optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
      for x, y in DataLoader(TensorDataset(features, labels)):
          optimizer.zero_grad()
          criterion(model(x), y).backward()
          optimizer.step()
    `);
  });

  it('leaves float64 data cast to float32 before training alone', () => {
    expectNone('GML106', `
      import numpy as np
      import torch
      data = np.asarray(rows, dtype=np.float64)
      inputs = torch.from_numpy(data).float()
      raw = torch.tensor(X, dtype=torch.float64)
      for step in range(100):
          optimizer.zero_grad()
          loss = criterion(model(inputs), targets) + criterion(model(raw.float()), targets)
          loss.backward()
          optimizer.step()
    `);
  });

  it('leaves float64 used only for evaluation and metrics alone', () => {
    expectNone('GML106', `
      import torch
      for x, y in loader:
          optimizer.zero_grad()
          criterion(model(x), y).backward()
          optimizer.step()
      with torch.no_grad():
          accuracy = (model(x_test).argmax(1) == y_test).double().mean().item()
      reference = torch.zeros(10, dtype=torch.float64)
    `);
  });

  it('leaves a gradient check (gradients with no optimizer step) alone', () => {
    expectNone('GML106', `
      import torch
      x = torch.randn(8, 4, dtype=torch.float64, requires_grad=True)
      for _ in range(3):
          y = layer(x).sum()
          y.backward()
      torch.autograd.gradcheck(layer.double(), (x,))
    `);
  });

  it('leaves a dtype that is not a literal alone', () => {
    expectNone('GML106', `
      import torch
      dtype = torch.float64 if args.precise else torch.float32
      features = torch.tensor(X, dtype=dtype)
      model.to(args.dtype)
      for x, y in DataLoader(TensorDataset(features, labels)):
          optimizer.zero_grad()
          criterion(model(x), y).backward()
          optimizer.step()
    `);
  });

  it('leaves NumPy float64 that never becomes a tensor alone (scikit-learn in the same script)', () => {
    expectNone('GML106', `
      import numpy as np
      import torch
      X = np.asarray(rows, dtype=np.float64)
      clf.fit(X, y)
      for x, t in loader:
          optimizer.zero_grad()
          criterion(model(x), t).backward()
          optimizer.step()
    `);
  });

  it('leaves a look-alike double method and a look-alike torch alone', () => {
    expectNone('GML106', `
      import torch

      class Budget:
          def double(self):
              return Budget()

      budget = Budget()
      budget.double()
      class torch_like:
          float64 = "f"
      scores = make(dtype=torch_like.float64)
      for x, y in loader:
          optimizer.zero_grad()
          criterion(model(x), y).backward()
          optimizer.step()
    `);
  });

  it('leaves a script that does not train alone', () => {
    expectNone('GML106', `
      import torch
      model = Net().double()
      model.load_state_dict(torch.load("weights.pt"))
      print(model(torch.zeros(1, 3, dtype=torch.float64)))
    `);
  });

  it('fix: .double() becomes .float() on the model and on the batches it is called with', () => {
    expectFindings(`
      import torch
      model = Net()
      model.double()
      ^^^^^^^^^^^^^^ GML106
      optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
      for x, y in loader:
          optimizer.zero_grad()
          criterion(model(x.double()), y).backward()
      #                   ^^^^^^^^^^ GML106: \`x.double()\` makes what is trained float64
          optimizer.step()
    `);
    assert.equal(
      fixEverything(`
        import torch
        model = Net()
        model.double()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
        for x, y in loader:
            optimizer.zero_grad()
            criterion(model(x.double()), y).backward()
            optimizer.step()
      `),
      dedent(`
        import torch
        model = Net()
        model.float()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
        for x, y in loader:
            optimizer.zero_grad()
            criterion(model(x.float()), y).backward()
            optimizer.step()
      `),
    );
  });

  it('flags float64 collocation points reached through slices, and converts them with the model (physics-informed training)', () => {
    const script = `
      import numpy as np
      import torch
      import torch.nn as nn

      points = np.random.uniform(0.0, 1.0, size=(2000, 2))
      grid = torch.tensor(points, dtype=torch.float64, requires_grad=True).to(device)
      xs, ts = grid[:, 0:1], grid[:, 1:2]
      net = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 1)).to(torch.float64).to(device)
      optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
      for it in range(5000):
          u = net(torch.cat([xs, ts], dim=1))
          u_t = torch.autograd.grad(u, ts, torch.ones_like(u), create_graph=True)[0]
          loss = (u_t ** 2).mean()
          optimizer.zero_grad()
          loss.backward()
          optimizer.step()
    `;
    expectFindings(`
      import torch
      grid = torch.tensor(points, dtype=torch.float64, requires_grad=True).to(device)
      #                                 ^^^^^^^^^^^^^ GML106: makes what is trained float64
      xs, ts = grid[:, 0:1], grid[:, 1:2]
      net = Net().to(torch.float64)
      #              ^^^^^^^^^^^^^ GML106
      optimizer = torch.optim.LBFGS(net.parameters())
      for it in range(500):
          def closure():
              optimizer.zero_grad()
              loss = ((net(xs, ts) - exact) ** 2).mean()
              loss.backward()
              return loss
          optimizer.step(closure)
    `);
    const fixed = fixEverything(script);
    assert.match(fixed, /grid = torch\.tensor\(points, dtype=torch\.float32, requires_grad=True\)/);
    assert.match(fixed, /nn\.Linear\(64, 1\)\)\.to\(torch\.float32\)/);
    assert.doesNotMatch(fixed, /float64/);
  });

  it('fix: torch.double becomes float32 through the same module alias', () => {
    expectFix(
      'GML106',
      `
      import torch as T
      features = T.tensor(X, dtype=T.double)
      for xb, yb in T.utils.data.DataLoader(T.utils.data.TensorDataset(features, labels)):
          opt.zero_grad()
          loss_fn(model(xb), yb).backward()
          opt.step()
      `,
      `
      import torch as T
      features = T.tensor(X, dtype=T.float32)
      for xb, yb in T.utils.data.DataLoader(T.utils.data.TensorDataset(features, labels)):
          opt.zero_grad()
          loss_fn(model(xb), yb).backward()
          opt.step()
      `,
    );
  });

  it('fix: a float64 name imported on its own becomes torch.float32, importing torch once', () => {
    assert.equal(
      fixEverything(`
        from torch import float64, optim, rand, zeros
        x = rand(256, 3, dtype=float64)
        y = x.sum(1)
        w = zeros(3, dtype=float64, requires_grad=True)
        opt = optim.SGD([w], lr=0.1)
        for step in range(100):
            opt.zero_grad()
            ((x @ w - y) ** 2).mean().backward()
            opt.step()
      `),
      dedent(`
        from torch import float64, optim, rand, zeros
        import torch
        x = rand(256, 3, dtype=torch.float32)
        y = x.sum(1)
        w = zeros(3, dtype=torch.float32, requires_grad=True)
        opt = optim.SGD([w], lr=0.1)
        for step in range(100):
            opt.zero_grad()
            ((x @ w - y) ** 2).mean().backward()
            opt.step()
      `),
    );
  });

  it("fix: a NumPy dtype string keeps its quotes; np.float64 becomes np.float32", () => {
    expectFix(
      'GML106',
      `
      import torch
      x_train = torch.tensor(frame.values.astype('float64'))
      for epoch in range(100):
          optimizer.zero_grad()
          criterion(model(x_train), y_train).backward()
          optimizer.step()
      `,
      `
      import torch
      x_train = torch.tensor(frame.values.astype('float32'))
      for epoch in range(100):
          optimizer.zero_grad()
          criterion(model(x_train), y_train).backward()
          optimizer.step()
      `,
    );
    expectFix(
      'GML106',
      `
      import numpy as np
      import torch
      data = np.array(rows, dtype=np.float64)
      inputs = torch.from_numpy(data)
      for step in range(100):
          optimizer.zero_grad()
          criterion(model(inputs), targets).backward()
          optimizer.step()
      `,
      `
      import numpy as np
      import torch
      data = np.array(rows, dtype=np.float32)
      inputs = torch.from_numpy(data)
      for step in range(100):
          optimizer.zero_grad()
          criterion(model(inputs), targets).backward()
          optimizer.step()
      `,
    );
  });

  it('fix: set_default_tensor_type(torch.DoubleTensor) becomes torch.FloatTensor', () => {
    expectFix(
      'GML106',
      `
      import torch
      torch.set_default_tensor_type(torch.DoubleTensor)
      x = torch.linspace(-1, 1, 200).unsqueeze(1)
      model = torch.nn.Linear(1, 1)
      optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
      for step in range(100):
          optimizer.zero_grad()
          criterion(model(x), x ** 3).backward()
          optimizer.step()
      `,
      `
      import torch
      torch.set_default_tensor_type(torch.FloatTensor)
      x = torch.linspace(-1, 1, 200).unsqueeze(1)
      model = torch.nn.Linear(1, 1)
      optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
      for step in range(100):
          optimizer.zero_grad()
          criterion(model(x), x ** 3).backward()
          optimizer.step()
      `,
    );
  });
});

describe('GML106 fixes keep a model and its inputs in one dtype', () => {
  it('offers no fix when the model is fed float64 NumPy data it cannot follow (np.loadtxt)', () => {
    expectNoFix(
      `
      import numpy as np
      import torch
      table = np.loadtxt("measurements.csv", delimiter=",")
      inputs = torch.from_numpy(table[:, :3])
      targets = torch.from_numpy(table[:, 3:])
      model = torch.nn.Linear(3, 1).double()
      optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
      for step in range(1000):
          optimizer.zero_grad()
          loss = torch.nn.functional.mse_loss(model(inputs), targets)
          loss.backward()
          optimizer.step()
      `,
      1,
    );
  });

  it('offers no fix when float64 data not converted is given to the model after training', () => {
    expectNoFix(
      `
      import torch
      train_x = torch.tensor(train_rows, dtype=torch.float64)
      model = Regressor().double()
      optimizer = torch.optim.Adam(model.parameters())
      for epoch in range(200):
          optimizer.zero_grad()
          loss = ((model(train_x) - train_y) ** 2).mean()
          loss.backward()
          optimizer.step()
      test_x = torch.tensor(test_rows, dtype=torch.float64)
      print(model(test_x))
      `,
      2,
    );
  });

  it('offers no fix when the model builds float64 tensors of its own in forward', () => {
    expectNoFix(
      `
      import torch
      import torch.nn as nn

      class Recurrent(nn.Module):
          def __init__(self):
              super().__init__()
              self.cell = nn.LSTMCell(1, 51)

          def forward(self, x):
              h = torch.zeros(x.size(0), 51, dtype=torch.double)
              c = torch.zeros(x.size(0), 51, dtype=torch.double)
              return self.cell(x, (h, c))[0]

      series = torch.tensor(rows, dtype=torch.float64)
      seq = Recurrent()
      seq.double()
      optimizer = torch.optim.LBFGS(seq.parameters(), lr=0.8)
      for i in range(15):
          def closure():
              optimizer.zero_grad()
              loss = criterion(seq(series), target)
              loss.backward()
              return loss
          optimizer.step(closure)
      `,
      2,
    );
  });

  it('follows the batches of a DataLoader over a TensorDataset back to their dtype', () => {
    assert.equal(
      fixEverything(`
        import torch
        from torch.utils.data import DataLoader, TensorDataset
        features = torch.tensor(X, dtype=torch.float64)
        labels = torch.tensor(y)
        loader = DataLoader(TensorDataset(features, labels), batch_size=32, shuffle=True)
        model = Classifier().double()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        for epoch in range(10):
            for i, (xb, yb) in enumerate(loader):
                optimizer.zero_grad()
                criterion(model(xb), yb).backward()
                optimizer.step()
      `),
      dedent(`
        import torch
        from torch.utils.data import DataLoader, TensorDataset
        features = torch.tensor(X, dtype=torch.float32)
        labels = torch.tensor(y)
        loader = DataLoader(TensorDataset(features, labels), batch_size=32, shuffle=True)
        model = Classifier().float()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        for epoch in range(10):
            for i, (xb, yb) in enumerate(loader):
                optimizer.zero_grad()
                criterion(model(xb), yb).backward()
                optimizer.step()
      `),
    );
  });

  it('offers no fix for a model fed batches of a loader it cannot see', () => {
    expectNoFix(
      `
      import torch
      model = Net()
      model.double()
      optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
      for x, y in loader:
          optimizer.zero_grad()
          criterion(model(x), y).backward()
          optimizer.step()
      `,
      1,
    );
  });

  it('offers no fix for a float64 default dtype when the model is fed NumPy data (torch.from_numpy keeps float64)', () => {
    expectNoFix(
      `
      import numpy as np
      import torch
      torch.set_default_dtype(torch.float64)
      x = torch.from_numpy(np.random.rand(256, 3))
      model = torch.nn.Linear(3, 1)
      optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
      for step in range(100):
          optimizer.zero_grad()
          model(x).pow(2).mean().backward()
          optimizer.step()
      `,
      1,
    );
  });
});

describe('GML106 fixes: models reached other than by their name, raw tensors, integer inputs', () => {
  it('follows the inputs of model.forward(x): the model and its float64 data change in one fix', () => {
    const fixed = fixOnly(
      `
      import torch
      import torch.nn as nn
      inputs = torch.rand(256, 3, dtype=torch.float64)
      targets = inputs.sum(1, keepdim=True)
      model = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 1))
      model.double()
      optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
      for step in range(50):
          optimizer.zero_grad()
          nn.functional.mse_loss(model.forward(inputs), targets).backward()
          optimizer.step()
      `,
      'model.double()',
    );
    assert.match(fixed, /model\.float\(\)/);
    assert.match(fixed, /inputs = torch\.rand\(256, 3, dtype=torch\.float32\)/);
  });

  it('offers no fix for a model called only as model.forward(x) on data it cannot follow', () => {
    expectNoFix(
      `
      import numpy as np
      import torch
      import torch.nn as nn
      data = np.random.rand(256, 4)
      inputs = torch.from_numpy(data[:, :3])
      model = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 1))
      model.double()
      optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
      for step in range(50):
          optimizer.zero_grad()
          nn.functional.mse_loss(model.forward(inputs), targets).backward()
          optimizer.step()
      `,
      1,
    );
  });

  it('offers no fix for a model handed to a trainer class of the file, which calls it as self.net(x)', () => {
    expectNoFix(
      `
      import numpy as np
      import torch
      import torch.nn as nn

      class Trainer:
          def __init__(self, net, optimizer):
              self.net = net
              self.optimizer = optimizer

          def step(self, x, y):
              self.optimizer.zero_grad()
              loss = ((self.net(x) - y) ** 2).mean()
              loss.backward()
              self.optimizer.step()

      rows = np.random.rand(256, 4)
      model = nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 1))
      model.double()
      optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
      trainer = Trainer(model, optimizer)
      for epoch in range(50):
          trainer.step(torch.from_numpy(rows[:, :3]), torch.from_numpy(rows[:, 3:]))
      `,
      1,
      /not every call of this model could be found/,
    );
  });

  it('offers no fix for a model also handed to a function of another module (a trainer, an evaluator)', () => {
    expectNoFix(
      `
      import torch
      from torch.utils.data import DataLoader, TensorDataset
      from helpers import evaluate
      features = torch.tensor(X, dtype=torch.float64)
      model = Classifier().double()
      optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
      for xb, yb in DataLoader(TensorDataset(features, labels), batch_size=32):
          optimizer.zero_grad()
          criterion(model(xb), yb).backward()
          optimizer.step()
      evaluate(model, test_loader)
      `,
      2,
      /handed to a trainer, a class of this file or a function of another module/,
    );
  });

  it('offers no fix for float64 data fed to a model that a class of the file makes float64 (self.net = ….to(torch.float64))', () => {
    expectNoFix(
      `
      import torch
      import torch.nn as nn

      class Model(nn.Module):
          def __init__(self):
              super().__init__()
              self.net = nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 1)).to(torch.float64)

          def forward(self, x):
              return self.net(x)

      x = torch.rand(256, 3, dtype=torch.float64)
      y = x.sum(1, keepdim=True)
      model = Model()
      optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
      for step in range(50):
          optimizer.zero_grad()
          ((model(x) - y) ** 2).mean().backward()
          optimizer.step()
      `,
      1,
      /a class of this file makes float64 modules or tensors of its own/,
    );
  });

  it('keeps following a model wrapped in DataParallel under the same name', () => {
    const fixed = fixOnly(
      `
      import torch
      import torch.nn as nn
      x = torch.rand(256, 3, dtype=torch.float64)
      model = nn.Linear(3, 1).double()
      model = nn.DataParallel(model)
      optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
      for step in range(50):
          optimizer.zero_grad()
          model(x).pow(2).mean().backward()
          optimizer.step()
      `,
      'nn.Linear(3, 1).double()',
    );
    assert.doesNotMatch(fixed, /float64|double/);
  });

  it('offers no fix for a raw float64 parameter matrix-multiplied with data it cannot follow', () => {
    expectNoFix(
      `
      import numpy as np
      import torch
      data = np.random.rand(256, 4)
      x = torch.from_numpy(data[:, :3])
      y = torch.from_numpy(data[:, 3:])
      w = torch.randn(3, 1, dtype=torch.float64, requires_grad=True)
      b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
      optimizer = torch.optim.SGD([w, b], lr=0.1)
      for step in range(50):
          optimizer.zero_grad()
          loss = ((x @ w + b - y) ** 2).mean()
          loss.backward()
          optimizer.step()
      `,
      2,
      /matrix-multiplied/,
    );
    expectNoFix(
      `
      import numpy as np
      import torch
      x = torch.tensor(np.random.rand(256, 3))
      w = torch.randn(3, 1, dtype=torch.float64, requires_grad=True)
      optimizer = torch.optim.SGD([w], lr=0.1)
      for step in range(50):
          optimizer.zero_grad()
          torch.matmul(x, w).pow(2).mean().backward()
          optimizer.step()
      `,
      1,
    );
  });

  it('converts a raw-tensor network and the data it multiplies together, through tanh and the next layer', () => {
    const script = `
      import torch
      x = torch.rand(256, 3, dtype=torch.float64)
      y = torch.sin(x.sum(1, keepdim=True))
      w1 = torch.randn(3, 16, dtype=torch.float64, requires_grad=True)
      b1 = torch.zeros(16, dtype=torch.float64, requires_grad=True)
      w2 = torch.randn(16, 1, dtype=torch.float64, requires_grad=True)
      b2 = torch.zeros(1, dtype=torch.float64, requires_grad=True)
      optimizer = torch.optim.Adam([w1, b1, w2, b2], lr=1e-2)
      for step in range(100):
          optimizer.zero_grad()
          h = torch.tanh(x @ w1 + b1)
          loss = ((h @ w2 + b2 - y) ** 2).mean()
          loss.backward()
          optimizer.step()
    `;
    const fixed = fixOnly(script, 'w2 = ');
    for (const name of ['x', 'w1', 'b1', 'w2']) assert.match(fixed, new RegExp(`\\n${name} = torch\\.\\w+\\([^\\n]*dtype=torch\\.float32`), name);
    assert.doesNotMatch(fixOnly(script, 'w1 = '), /x = torch\.rand\(256, 3, dtype=torch\.float64\)/);
    assert.doesNotMatch(fixEverything(script), /float64/);
  });

  it('follows a raw-tensor network through a name rebound to itself (a residual h = tanh(h @ w2) + h)', () => {
    const fixed = fixOnly(
      `
      import torch
      x = torch.rand(256, 3, dtype=torch.float64)
      w1 = torch.randn(3, 8, dtype=torch.float64, requires_grad=True)
      w2 = torch.randn(8, 8, dtype=torch.float64, requires_grad=True)
      optimizer = torch.optim.SGD([w1, w2], lr=0.01)
      for step in range(100):
          optimizer.zero_grad()
          h = torch.tanh(x @ w1)
          h = torch.tanh(h @ w2) + h
          h.pow(2).mean().backward()
          optimizer.step()
      `,
      'w2 = ',
    );
    assert.doesNotMatch(fixed, /float64/);
  });

  it('follows raw parameters into a function of the file that gives them to F.linear', () => {
    const fixed = fixOnly(
      `
      import torch
      from torch.nn import functional as F
      x = torch.rand(256, 3, dtype=torch.float64)
      y = x.sum(1, keepdim=True)
      w = torch.randn(1, 3, dtype=torch.float64, requires_grad=True)

      def predict(inputs, weight):
          return F.linear(inputs, weight)

      optimizer = torch.optim.SGD([w], lr=0.1)
      for step in range(100):
          optimizer.zero_grad()
          ((predict(x, w) - y) ** 2).mean().backward()
          optimizer.step()
      `,
      'w = ',
    );
    assert.doesNotMatch(fixed, /float64/);
  });

  it('offers no fix for a raw float64 parameter passed to a function of another module', () => {
    expectNoFix(
      `
      import torch
      from mymodels import mlp_forward
      x = torch.rand(256, 3, dtype=torch.float64)
      w = torch.randn(3, 1, dtype=torch.float64, requires_grad=True)
      optimizer = torch.optim.SGD([w], lr=0.1)
      for step in range(100):
          optimizer.zero_grad()
          mlp_forward(x, w).pow(2).mean().backward()
          optimizer.step()
      `,
      2,
    );
  });

  it('keeps the one-place fix of a raw parameter that is only multiplied elementwise (PyTorch promotes the dtypes)', () => {
    expectFix(
      'GML106',
      `
      import numpy as np
      import torch
      x = torch.tensor(np.random.rand(256, 3))
      scale = torch.ones(3, dtype=torch.float64, requires_grad=True)
      optimizer = torch.optim.SGD([scale], lr=0.1)
      for step in range(100):
          optimizer.zero_grad()
          (x * scale).sum(1).pow(2).mean().backward()
          optimizer.step()
      `,
      `
      import numpy as np
      import torch
      x = torch.tensor(np.random.rand(256, 3))
      scale = torch.ones(3, dtype=torch.float32, requires_grad=True)
      optimizer = torch.optim.SGD([scale], lr=0.1)
      for step in range(100):
          optimizer.zero_grad()
          (x * scale).sum(1).pow(2).mean().backward()
          optimizer.step()
      `,
    );
  });

  it('takes integer inputs (torch.LongTensor, .argmax()) as no part of the dtype change: an Embedding model is fixed', () => {
    const fixed = fixOnly(
      `
      import torch
      import torch.nn as nn
      tokens = torch.LongTensor(ids)
      model = nn.Sequential(nn.Embedding(100, 16), nn.Linear(16, 1)).double()
      optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
      for step in range(50):
          optimizer.zero_grad()
          (model(tokens) + model(scores.argmax(1))).pow(2).mean().backward()
          optimizer.step()
      `,
      'nn.Embedding',
    );
    assert.match(fixed, /nn\.Linear\(16, 1\)\)\.float\(\)/);
  });

  it('takes None and string arguments of a model call as no tensor (model(x, mask=None))', () => {
    const fixed = fixOnly(
      `
      import torch
      x = torch.rand(64, 3, dtype=torch.float64)
      model = Net().double()
      optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
      for step in range(50):
          optimizer.zero_grad()
          model(x, mask=None, mode="train").pow(2).mean().backward()
          optimizer.step()
      `,
      'Net().double()',
    );
    assert.doesNotMatch(fixed, /float64|double/);
  });

  it('offers no fix for a model fed torch.tensor of a list it cannot follow (NumPy float64 scalars in it stay float64)', () => {
    expectNoFix(
      `
      import torch
      import torch.nn as nn
      tokens = torch.tensor(encode(texts))
      model = nn.Sequential(nn.Embedding(100, 16), nn.Linear(16, 1)).double()
      optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
      for step in range(50):
          optimizer.zero_grad()
          model(tokens).pow(2).mean().backward()
          optimizer.step()
      `,
      1,
    );
  });
});
