import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectNone } from '../helpers/markers';

useParser();

// Lightning Fabric sets the precision of the loops it runs (`Fabric(precision=…)`): GML104 checks
// it, and GML101 leaves `fabric.backward(loss)` alone however the Fabric reaches the loop.
describe('GML101 fp32-training-loop: Lightning Fabric loops are GML104s', () => {
  const epochFunction = (header: string, signature = 'fabric') => `
      import torch
      ${header}

      def run_epoch(net, batches, opt, ${signature}):
          net.train()
          for inputs, targets in batches:
              opt.zero_grad()
              logits = net(inputs)
              loss = torch.nn.functional.cross_entropy(logits, targets)
              fabric.backward(loss)
              opt.step()
  `;

  it('leaves a bf16 Fabric handed to the epoch function as a parameter alone', () => {
    expectNone('GML101', `
      ${epochFunction('from lightning.fabric import Fabric')}

      def main(args):
          fabric = Fabric(precision="bf16-mixed")
          net, opt = fabric.setup(Net(), torch.optim.AdamW(Net().parameters()))
          batches = fabric.setup_dataloaders(train_loader)
          for epoch in range(args.epochs):
              run_epoch(net, batches, opt, fabric)
    `);
  });

  it('leaves an fp32 Fabric parameter to GML104, which reports the Fabric itself', () => {
    expectFindings(`
      ${epochFunction('from lightning.fabric import Fabric')}

      fabric = Fabric(accelerator="cuda")
      #        ^^^^^^ GML104: Lightning \`Fabric\` with no precision
      net, opt = fabric.setup(Net(), torch.optim.SGD(Net().parameters(), lr=0.01))
      for epoch in range(10):
          run_epoch(net, train_loader, opt, fabric=fabric)
    `,
      { codes: ['GML101', 'GML104'] },
    );
  });

  it('follows the Fabric through alias imports: `Fabric as F`, `import lightning as L; L.Fabric`', () => {
    expectNone('GML101', `
      ${epochFunction('from lightning.fabric import Fabric as F')}

      run_epoch(net, train_loader, opt, F(precision="16-mixed"))
    `);
    expectNone('GML101', `
      ${epochFunction('import lightning as L')}

      trainer_fabric = L.Fabric(accelerator="gpu", devices=2)
      run_epoch(net, train_loader, opt, trainer_fabric)
    `);
  });

  it('leaves a Fabric kept on self by __init__ alone, built there or handed to the constructor', () => {
    const trainer = (parameters: string, init: string, construction: string) => `
      import torch
      import lightning as L

      class Trainer:
          def __init__(self, ${parameters}):
              self.fabric = ${init}
              self.epochs = epochs

          def fit(self, net, opt, batches):
              for epoch in range(self.epochs):
                  for inputs, targets in batches:
                      opt.zero_grad()
                      loss = torch.nn.functional.mse_loss(net(inputs), targets)
                      self.fabric.backward(loss)
                      opt.step()

      ${construction}
    `;
    expectNone('GML101', trainer('epochs', 'L.Fabric(precision="bf16-mixed")', 'Trainer(epochs=20).fit(net, opt, batches)'));
    expectNone('GML101', trainer('fabric, epochs', 'fabric', 'Trainer(L.Fabric(), 20).fit(net, opt, batches)'));
  });

  it('leaves a parameter annotated as a Fabric alone, though nothing in the file calls the function', () => {
    expectNone('GML101', `
      import torch
      import lightning as L

      def run_epoch(net, batches, opt, fabric: L.Fabric, device="cuda"):
          for inputs, targets in batches:
              opt.zero_grad()
              loss = torch.nn.functional.cross_entropy(net(inputs.to(device)), targets.to(device))
              fabric.backward(loss)
              opt.step()
    `);
  });

  it('stays quiet on `x.backward(loss)` it cannot follow in a file that builds a Fabric', () => {
    expectNone('GML101', `
      import torch
      from lightning.fabric import Fabric

      def run_epoch(net, batches, opt, runner):
          for inputs, targets in batches:
              opt.zero_grad()
              loss = torch.nn.functional.cross_entropy(net(inputs), targets)
              runner.backward(loss)
              opt.step()

      def main():
          fabric = Fabric(accelerator="cuda")
          net, opt = fabric.setup(Net(), torch.optim.Adam(Net().parameters()))
    `);
  });

  it('still flags the tensor backward beside a Fabric, and a parameter handed something else', () => {
    expectFindings(`
      import torch
      from lightning.fabric import Fabric

      fabric = Fabric(precision="bf16-mixed")
      device = "cuda" if torch.cuda.is_available() else "cpu"

      def run_epoch(net, batches, opt, scaler_like):
          for inputs, targets in batches:
              opt.zero_grad()
              loss = torch.nn.functional.cross_entropy(net(inputs.to(device)), targets.to(device))
              scaler_like.backward(loss)
      #       ^^^^^^^^^^^^^^^^^^^^^^^^^^ GML101: Training loop runs in fp32
              opt.step()

      for inputs, targets in loader:
          optimizer.zero_grad()
          loss = criterion(model(inputs.to(device)), targets.to(device))
          loss.backward()
      #   ^^^^^^^^^^^^^^^ GML101: Training loop runs in fp32
          optimizer.step()

      run_epoch(model, loader, optimizer, LossWrapper())
    `);
  });

  it("flags a class of the file's own named Fabric (not Lightning's): its backward trains in fp32", () => {
    expectFindings(`
      import torch

      class Fabric:
          def backward(self, loss):
              loss.backward()

      def run_epoch(net, batches, opt, fabric):
          for inputs, targets in batches:
              opt.zero_grad()
              loss = torch.nn.functional.cross_entropy(net(inputs.cuda()), targets.cuda())
              fabric.backward(loss)
      #       ^^^^^^^^^^^^^^^^^^^^^ GML101: Training loop runs in fp32
              opt.step()

      run_epoch(net, loader, opt, Fabric())
    `);
  });
});
