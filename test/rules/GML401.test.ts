import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { effectiveConfig } from '../../server/src/config/settings';
import { analyzeNotebook } from '../../server/src/notebooks/cells';
import { parseIpynb } from '../../server/src/notebooks/ipynb';
import { applyFix, assertOne, findings, useParser } from '../helpers/analysis';
import { expectFindings, expectFix, expectNone, parseFixture } from '../helpers/markers';

useParser();

/** A classifier built and loaded in the file, in evaluation mode: the model the parameter tests pass around. */
const TRAINED_CLASSIFIER = `
      import torch
      from torch import nn

      class TextClassifier(nn.Module):
          def __init__(self):
              super().__init__()
              self.embedding = nn.Embedding(5000, 128)
              self.fc = nn.Linear(128, 4)

          def forward(self, ids):
              return self.fc(self.embedding(ids).mean(dim=1))

      device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
      classifier = TextClassifier().to(device)
      classifier.load_state_dict(torch.load("classifier.pt"))
      classifier.eval()
`;


const ROOT = path.join(__dirname, '..', '..', '..');

describe('GML401 grad-tracking-inference', () => {
  it('flags an evaluation loop after model.eval() at module level', () => {
    expectFindings(`
      import torch
      from torch import nn

      model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 2))
      model.load_state_dict(torch.load("model.pt"))
      model.eval()
      correct = 0
      for x, y in test_loader:
          correct += (model(x).argmax(1) == y).sum().item()
      #               ^^^^^^^^ GML401: runs forward with autograd on after \`model.eval()\`
    `);
  });

  it('flags an evaluate function that puts its model parameter in eval mode', () => {
    expectFindings(`
      import torch
      import torch.nn.functional as F

      def test(model, device, test_loader):
          model.eval()
          test_loss = 0
          correct = 0
          for data, target in test_loader:
              data, target = data.to(device), target.to(device)
              output = model(data)
      #                ^^^^^^^^^^^ GML401
              test_loss += F.nll_loss(output, target, reduction="sum").item()
              pred = output.argmax(dim=1, keepdim=True)
              correct += pred.eq(target.view_as(pred)).sum().item()
          return test_loss / len(test_loader.dataset), correct
    `);
  });

  it('flags only the validation loop of an epoch loop that trains, then evaluates', () => {
    expectFindings(`
      import torch
      from torch import nn

      model = nn.Linear(8, 2)
      optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
      for epoch in range(10):
          model.train()
          for x, y in train_loader:
              optimizer.zero_grad()
              loss = nn.functional.cross_entropy(model(x), y)
              loss.backward()
              optimizer.step()
          model.eval()
          val_loss = 0.0
          for x, y in val_loader:
              val_loss += nn.functional.cross_entropy(model(x), y).item()
      #                                               ^^^^^^^^ GML401
          print(epoch, val_loss)
    `);
  });

  it('flags a token-by-token generation loop of a pretrained model, with no eval() call', () => {
    expectFindings(`
      import torch
      from transformers import AutoModelForCausalLM, AutoTokenizer

      tokenizer = AutoTokenizer.from_pretrained("gpt2")
      model = AutoModelForCausalLM.from_pretrained("gpt2")
      ids = tokenizer("The weather today", return_tensors="pt").input_ids
      for _ in range(40):
          logits = model(ids).logits
      #            ^^^^^^^^^^ GML401: in code that computes no gradients
          next_id = logits[:, -1].argmax(-1, keepdim=True)
          ids = torch.cat([ids, next_id], dim=1)
      print(tokenizer.decode(ids[0]))
    `);
  });

  it('flags the forward of a model a serving class loads, in its predict method', () => {
    expectFindings(`
      import torch

      class Classifier:
          def __init__(self, path):
              self.model = torch.load(path, map_location="cpu")
              self.model.eval()

          def predict(self, batch):
              return self.model(batch).softmax(dim=-1)
      #              ^^^^^^^^^^^^^^^^^ GML401: \`self.model\` runs forward
    `);
  });

  it('flags the one forward of a script that loads a model and computes no gradients', () => {
    expectFindings(`
      import torch
      from PIL import Image
      from torchvision.transforms import ToTensor

      model = torch.load("super_res.pth")
      image = ToTensor()(Image.open("input.png").convert("L")).unsqueeze(0)
      out = model(image)
      #     ^^^^^^^^^^^^ GML401
      Image.fromarray((out[0, 0].detach().numpy() * 255).clip(0, 255).astype("uint8")).save("out.png")
    `);
  });

  describe('a model whose every parameter is frozen records nothing: left alone', () => {
    const script = (freeze: string) => `
      import torch
      from torch import nn

      model = nn.Sequential(nn.Embedding(1000, 64), nn.Flatten(), nn.Linear(64 * 16, 1))
      model.load_state_dict(torch.load("weights.bin"))
      other = nn.Linear(4, 4)
      ${freeze}
      model.eval()
      scores = []
      for ids in loader:
          scores.append(model(ids)[:, 0].numpy())
    `;

    it('frozen by a loop over its parameters, or by requires_grad_(False)', () => {
      expectNone('GML401', script('for p in model.parameters():\n          p.requires_grad = False'));
      expectNone('GML401', script('model.requires_grad_(False)'));
    });

    it('still flags a part frozen, another module frozen, a freeze turned back on, or no freeze', () => {
      for (const freeze of [
        'for p in model[0].parameters():\n          p.requires_grad = False',
        'for p in other.parameters():\n          p.requires_grad = False',
        'other.requires_grad_(False)',
        'model.requires_grad_(False)\n      model[2].weight.requires_grad = True',
        'model.requires_grad_(args.finetune)',
        'pass',
      ]) {
        const found = findings(parseFixture(script(freeze)).text, 'GML401');
        assert.equal(found.length, 1, freeze);
      }
    });
  });

  it('follows a model bound by a tuple assignment (`net, preds = build(), []`) to its predictions loop', () => {
    expectFindings(`
      import torch
      import torchvision

      net, preds = torchvision.models.resnet18(num_classes=10), []
      net.load_state_dict(torch.load("cifar.pt"))
      for X, _ in test_iter:
          y_hat = net(X.to("cuda"))
      #           ^^^^^^^^^^^^^^^^^ GML401
          preds.extend(y_hat.argmax(dim=1).cpu().numpy())
    `);
    expectNone('GML401', `
      import torch
      import torchvision

      net, preds = torchvision.models.resnet18(num_classes=10), []
      with torch.no_grad():
          for X, _ in test_iter:
              preds.extend(net(X.to("cuda")).argmax(dim=1).cpu().numpy())
    `);
  });

  it('flags a comprehension of forwards and `model.forward(x)` through aliases', () => {
    expectFindings(`
      import torch as T
      from torch import nn as tnn

      net = tnn.Sequential(tnn.Linear(4, 4), tnn.Tanh())
      net.load_state_dict(T.load("net.pt"))
      net.eval()
      outputs = [net.forward(x) for x in batches]
      #          ^^^^^^^^^^^^^^ GML401
    `);
  });

  it('leaves forwards under no_grad, inference_mode and their decorators alone, also imported under other names', () => {
    expectNone(
      'GML401',
      `
      import torch
      from torch import no_grad as ng
      from torch.autograd import inference_mode

      model = torch.load("model.pt")
      model.eval()
      with torch.no_grad():
          for x in loader:
              model(x)
      with ng():
          for x in loader:
              model(x)

      @torch.inference_mode()
      def predict(batch):
          return model(batch)

      @inference_mode
      def evaluate(loader):
          return [model(x) for x in loader]
    `,
    );
  });

  it('leaves a function alone when every call of it runs under no_grad', () => {
    expectNone(
      'GML401',
      `
      import torch
      model = torch.load("model.pt")
      model.eval()

      def run_batch(x):
          return model(x).argmax(1)

      with torch.no_grad():
          for x in loader:
              run_batch(x)
    `,
    );
  });

  it('leaves a script that chooses the grad mode with set_grad_enabled alone', () => {
    expectNone(
      'GML401',
      `
      import torch
      torch.set_grad_enabled(False)
      model = torch.load("model.pt")
      model.eval()
      for x in loader:
          model(x)
    `,
    );
  });

  it('leaves a phase loop under set_grad_enabled(phase == "train") alone (the mode is chosen at run time)', () => {
    expectNone(
      'GML401',
      `
      import torch
      import torchvision

      model = torchvision.models.resnet18(weights="IMAGENET1K_V1")
      for phase in ["train", "val"]:
          if phase == "train":
              model.train()
          else:
              model.eval()
          for inputs, labels in dataloaders[phase]:
              with torch.set_grad_enabled(phase == "train"):
                  outputs = model(inputs)
                  loss = criterion(outputs, labels)
                  if phase == "train":
                      loss.backward()
                      optimizer.step()
    `,
    );
  });

  it('leaves a context that may turn gradients off alone: a conditional no_grad, one passed in as a parameter, a local no_grad decorator', () => {
    // `ctx = nullcontext() if train else torch.no_grad()`, and the same inline.
    expectNone(
      'GML401',
      `
      import contextlib
      import torch

      def run_epoch(model, loader, train):
          if not train:
              model.eval()
          ctx = contextlib.nullcontext() if train else torch.no_grad()
          with ctx:
              for x in loader:
                  out = model(x)
          return out

      model = torch.load("model.pt")
      model.eval()
      with (torch.no_grad() if not args.train else contextlib.nullcontext()):
          for x in loader:
              out = model(x)
    `,
    );
    // The grad mode handed to a function by the file's call, or by callers the file does not show.
    for (const call of ['run_epoch(model, val_loader, torch.no_grad())', '']) {
      expectNone(
        'GML401',
        `
        import torch

        def run_epoch(model, loader, grad_context):
            with grad_context:
                for x in loader:
                    out = model(x)
            return out

        model = torch.load("model.pt")
        model.eval()
        ${call}
      `,
      );
    }
    expectNone(
      'GML401',
      `
      import functools
      import torch

      model = torch.load("model.pt")
      model.eval()

      def no_grad_wrapper(fn):
          @functools.wraps(fn)
          def inner(*args, **kwargs):
              with torch.no_grad():
                  return fn(*args, **kwargs)
          return inner

      @no_grad_wrapper
      def predict(batch):
          return model(batch)

      for x in loader:
          predict(x)
    `,
    );
  });

  it('still flags a context or decorator that certainly leaves gradients on: nullcontext passed in, a local decorator that only times', () => {
    expectFindings(`
      import contextlib
      import torch

      def run_epoch(model, loader, grad_context):
          with grad_context:
              for x in loader:
                  out = model(x)
      #                 ^^^^^^^^ GML401
          return out

      model = torch.load("model.pt")
      model.eval()
      run_epoch(model, val_loader, contextlib.nullcontext())
    `);
    expectFindings(`
      import functools
      import torch

      model = torch.load("model.pt")
      model.eval()

      def timed(fn):
          @functools.wraps(fn)
          def inner(*args, **kwargs):
              return fn(*args, **kwargs)
          return inner

      @timed
      def predict(batch):
          return model(batch)
      #          ^^^^^^^^^^^^ GML401

      for x in loader:
          predict(x)
    `);
  });

  it("leaves Lightning's step hooks and a module's forward alone", () => {
    expectNone(
      'GML401',
      `
      import torch
      import lightning as L

      class LitClassifier(L.LightningModule):
          def __init__(self):
              super().__init__()
              self.backbone = torch.nn.Linear(32, 10)

          def validation_step(self, batch, batch_idx):
              x, y = batch
              self.backbone.eval()
              return self.backbone(x)

      class Wrapper:
          def test_step(self, batch, batch_idx):
              self.model.eval()
              return self.model(batch)

      class Encoder(torch.nn.Module):
          def __init__(self):
              super().__init__()
              self.layer = torch.nn.Linear(8, 8)

          def forward(self, x):
              self.layer.eval()
              return self.layer(x)
    `,
    );
  });

  it('leaves a saliency map alone: the gradient of the output is computed after the forward', () => {
    expectNone(
      'GML401',
      `
      import torch
      import torchvision

      model = torchvision.models.resnet18(weights="IMAGENET1K_V1")
      model.eval()
      image.requires_grad_()
      scores = model(image)
      scores[0, scores.argmax()].backward()
      saliency = image.grad.abs().amax(dim=1)
    `,
    );
  });

  it('leaves an adversarial attack loop alone (gradients with respect to the input)', () => {
    expectNone(
      'GML401',
      `
      import torch
      import torch.nn.functional as F

      def fgsm(model, loader, epsilon):
          model.eval()
          for data, target in loader:
              data.requires_grad = True
              output = model(data)
              loss = F.nll_loss(output, target)
              model.zero_grad()
              loss.backward()
              perturbed = data + epsilon * data.grad.data.sign()
    `,
    );
  });

  it('leaves features extracted before a head is trained on them alone', () => {
    expectNone(
      'GML401',
      `
      import torch
      from torch import nn

      backbone = torch.load("backbone.pt")
      backbone.eval()
      head = nn.Linear(512, 10)
      optimizer = torch.optim.SGD(head.parameters(), lr=0.1)
      features = [backbone(x) for x, _ in loader]
      for f, (_, y) in zip(features, loader):
          optimizer.zero_grad()
          nn.functional.cross_entropy(head(f), y).backward()
          optimizer.step()
    `,
    );
  });

  it('leaves features extracted by a loaded model with no eval() alone when a head is trained on them after', () => {
    expectNone(
      'GML401',
      `
      import torch
      from torch import nn

      backbone = torch.load("backbone.pt")
      features = torch.cat([backbone(x) for x, _ in loader])
      head = nn.Linear(512, 10)
      optimizer = torch.optim.SGD(head.parameters(), lr=0.1)
      for epoch in range(5):
          optimizer.zero_grad()
          nn.functional.cross_entropy(head(features), labels).backward()
          optimizer.step()
    `,
    );
  });

  it('leaves an online-learning loop alone: it trains (through a function) before each prediction', () => {
    expectNone(
      'GML401',
      `
      import torch

      def update(model, optimizer, x, y):
          optimizer.zero_grad()
          torch.nn.functional.mse_loss(model(x), y).backward()
          optimizer.step()

      model = torch.nn.Linear(4, 1)
      optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
      model.eval()
      for x, y in stream:
          update(model, optimizer, x, y)
          print(model(x))
    `,
    );
  });

  it('leaves a training loop alone whose backward pass runs in a method it calls (self._update)', () => {
    expectNone(
      'GML401',
      `
      import torch
      from torch import nn

      class Net(nn.Module):
          def __init__(self):
              super().__init__()
              self.fc = nn.Linear(10, 2)

          def forward(self, x):
              return self.fc(x)

      class Runner:
          def __init__(self):
              self.model = Net()
              self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.1)

          def _update(self, logits, y):
              loss = nn.functional.cross_entropy(logits, y)
              self.optimizer.zero_grad()
              loss.backward()
              self.optimizer.step()

          def fit(self, loader):
              for x, y in loader:
                  logits = self.model(x)
                  self._update(logits, y)
    `,
    );
  });

  it('leaves a loop alone whose optimizer step runs a closure that calls backward (LBFGS)', () => {
    expectNone(
      'GML401',
      `
      import torch
      from torch import nn

      model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 1))
      optimizer = torch.optim.LBFGS(model.parameters(), lr=0.5)

      def closure():
          optimizer.zero_grad()
          loss = nn.functional.mse_loss(model(x), y)
          loss.backward()
          return loss

      for step in range(20):
          optimizer.step(closure)
          print(step, nn.functional.mse_loss(model(x), y).item())
    `,
    );
  });

  it('leaves pytest unit tests alone (a few forwards that check the code), but not a test() evaluation function', () => {
    expectFindings(`
      import torch
      from torch import nn

      class Net(nn.Module):
          def __init__(self):
              super().__init__()
              self.fc = nn.Linear(8, 2)

          def forward(self, x):
              return self.fc(x)

      def test_output_shape():
          model = Net()
          assert model(torch.randn(4, 8)).shape == (4, 2)

      def test_eval_is_deterministic():
          model = Net()
          model.eval()
          x = torch.randn(4, 8)
          assert torch.equal(model(x), model(x))

      def test(model, loader):
          model.eval()
          correct = 0
          for x, y in loader:
              correct += (model(x).argmax(1) == y).sum().item()
      #                   ^^^^^^^^ GML401: after \`model.eval()\`
          return correct
    `);
  });

  it('leaves a predict function that makes its input require gradients alone (an explanation needs them)', () => {
    expectNone(
      'GML401',
      `
      import torch
      model = torch.load("model.pt")

      def predict_with_attribution(x):
          x = x.clone().requires_grad_(True)
          scores = model(x)
          return scores, x
    `,
    );
  });

  it('leaves a shape check of a freshly built model alone (one forward, no weights, no loop)', () => {
    expectNone(
      'GML401',
      `
      import torch
      from torch import nn

      class Net(nn.Module):
          def __init__(self):
              super().__init__()
              self.fc = nn.Linear(32, 10)

          def forward(self, x):
              return self.fc(x)

      if __name__ == "__main__":
          net = Net()
          print(net(torch.randn(2, 32)).shape)
    `,
    );
  });

  it('leaves a one-off forward in a script that trains later alone (an interactive shape check)', () => {
    expectNone(
      'GML401',
      `
      import torch
      from torch import nn

      model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
      print(model(torch.randn(2, 4)).shape)
      optimizer = torch.optim.Adam(model.parameters())
      for x, y in loader:
          optimizer.zero_grad()
          nn.functional.mse_loss(model(x), y).backward()
          optimizer.step()
    `,
    );
  });

  it("leaves Hugging Face generate() alone (it runs under no_grad)", () => {
    expectNone(
      'GML401',
      `
      from transformers import AutoModelForCausalLM
      model = AutoModelForCausalLM.from_pretrained("gpt2")
      model.eval()
      for prompt in prompts:
          print(model.generate(prompt, max_new_tokens=20))
    `,
    );
  });

  it('leaves a torch.hub model of a repository whose entry points it does not know alone (YOLOv5 runs under inference mode itself)', () => {
    expectNone(
      'GML401',
      `
      import os
      import torch

      model = torch.hub.load("ultralytics/yolov5", "custom", "best.pt")
      for root, _, files in os.walk("test_images"):
          for file in files:
              results = model(os.path.join(root, file))
              results.save(save_dir="preds")
      `,
    );
    expectNone(
      'GML401',
      `
      import torch

      detector = torch.hub.load(args.repo, args.entry)
      detector.eval()
      for batch in loader:
          print(detector(batch))
      `,
    );
    expectNone(
      'GML401',
      `
      import torch

      def predict(net, images):
          return [net(image) for image in images]

      net = torch.hub.load("pytorch/vision", "resnet18", source="local")
      predict(net, images)
      `,
    );
  });

  it('flags a torchvision model loaded through torch.hub (its entry points return plain modules)', () => {
    expectFindings(`
      import torch

      model = torch.hub.load("pytorch/vision:v0.10.0", "resnet18", pretrained=True)
      model.eval()
      for x in loader:
          print(model(x).argmax(1))
      #         ^^^^^^^^ GML401: after \`model.eval()\`
    `);
  });

  it('flags a model imported from the project whose weights the file loads, put in eval mode and run in predict()', () => {
    expectFindings(`
      import torch
      from fastapi import FastAPI
      from model import model

      model.load_state_dict(torch.load("weights.pth"))
      model.eval()
      app = FastAPI()

      @app.post("/predict")
      def predict(data: dict) -> dict:
          x = torch.tensor(data["inputs"])
          y = model(x)
      #       ^^^^^^^^ GML401: \`model\` runs forward with autograd on after \`model.eval()\`
          return {"result": y.tolist()}
    `);
  });

  it('leaves an imported object alone when the file loads no weights into it (unknown), or it comes from another library', () => {
    expectNone(
      'GML401',
      `
      import torch
      from expressions import expr

      expr.eval()
      for x in data:
          print(expr(torch.tensor(x)))
      `,
    );
    expectNone(
      'GML401',
      `
      import torch
      from helpers import predictor

      def load():
          predictor = make()
          predictor.load_state_dict(torch.load("w.pt"))
          return predictor

      predictor.eval()
      for x in data:
          print(predictor(torch.tensor(x)))
      `,
    );
    expectNone(
      'GML401',
      `
      import torch
      from sklearn.pipeline import model

      model.load_state_dict(state)
      model.eval()
      for x in data:
          print(model(x))
      `,
    );
  });

  it('leaves a model that is a parameter with no eval() call alone (unknown)', () => {
    expectNone(
      'GML401',
      `
      import torch

      def run(model, loader):
          outputs = []
          for x in loader:
              outputs.append(model(x))
          return outputs
    `,
    );
  });

  it('leaves look-alikes alone: a local function named model, and a local class with an eval method', () => {
    expectNone(
      'GML401',
      `
      import torch

      def model(x):
          return x * 2

      class Expression:
          def eval(self):
              return self

          def __call__(self, x):
              return x

      expr = Expression()
      expr.eval()
      for x in data:
          model(x)
          expr(x)
    `,
    );
  });

  it('flags an inference function whose model parameter is a loaded model at every call in the file', () => {
    expectFindings(`
${TRAINED_CLASSIFIER}
      def predict_label(sentence, net, vocab):
          ids = torch.tensor([vocab[w] for w in sentence.split()], device=device).unsqueeze(0)
          logits = net(ids)
      #            ^^^^^^^^ GML401: in code that computes no gradients
          return logits.argmax(dim=-1).item()

      print(predict_label("a quiet and moving film", classifier, vocab))
      print(predict_label("two hours I will never get back", classifier, vocab))
    `);
  });

  it('flags a model parameter that every call passes as a global put in eval mode (no origin known)', () => {
    expectFindings(`
      import torch
      from my_project.models import build_model

      net = build_model("resnet18")
      net.eval()

      def classify(batch, model):
          return model(batch).softmax(dim=-1).tolist()
      #          ^^^^^^^^^^^^ GML401

      scores = classify(images, net)
    `);
  });

  it('stays quiet on a model parameter when every call of the function runs under torch.no_grad()', () => {
    expectNone(
      'GML401',
      `
${TRAINED_CLASSIFIER}
      def predict_label(sentence, net, vocab):
          ids = torch.tensor([vocab[w] for w in sentence.split()], device=device).unsqueeze(0)
          return net(ids).argmax(dim=-1).item()

      with torch.no_grad():
          print(predict_label("a quiet and moving film", classifier, vocab))
          print(predict_label("two hours I will never get back", classifier, vocab))
    `,
    );
  });

  it('stays quiet on a model parameter when one call of the function passes an unknown object', () => {
    expectNone(
      'GML401',
      `
${TRAINED_CLASSIFIER}
      def predict_label(sentence, net, vocab):
          ids = torch.tensor([vocab[w] for w in sentence.split()], device=device).unsqueeze(0)
          return net(ids).argmax(dim=-1).item()

      print(predict_label("a quiet and moving film", classifier, vocab))
      print(predict_label("a quiet and moving film", other_model, vocab))
    `,
    );
  });

  it('stays quiet on a model parameter of a function never called in the file', () => {
    expectNone(
      'GML401',
      `
${TRAINED_CLASSIFIER}
      def predict_label(sentence, net, vocab):
          ids = torch.tensor([vocab[w] for w in sentence.split()], device=device).unsqueeze(0)
          return net(ids).argmax(dim=-1).item()
    `,
    );
  });

  it('stays quiet on a model parameter when the function computes gradients itself', () => {
    expectNone(
      'GML401',
      `
${TRAINED_CLASSIFIER}
      def predict_with_saliency(sentence, net, vocab):
          ids = torch.tensor([vocab[w] for w in sentence.split()], device=device).unsqueeze(0)
          embedded = net.embedding(ids).detach().requires_grad_()
          logits = net.fc(embedded.mean(dim=1))
          score = net(ids).max()
          score.backward()
          return embedded.grad

      saliency = predict_with_saliency("a quiet and moving film", classifier, vocab)
    `,
    );
  });

  it('fix: wraps the statement that runs a model parameter in torch.inference_mode()', () => {
    const finding = expectFix(
      'GML401',
      `
      import torch

      model = torch.load("sentiment.pt")
      model.eval()

      def predict(text, model, vocab):
          tensor = torch.LongTensor(vocab(text.split())).unsqueeze(0)
          prediction = model(tensor)
          return prediction.argmax(dim=-1).item()

      label = predict("great film", model, vocab)
      `,
      `
      import torch

      model = torch.load("sentiment.pt")
      model.eval()

      def predict(text, model, vocab):
          tensor = torch.LongTensor(vocab(text.split())).unsqueeze(0)
          with torch.inference_mode():
              prediction = model(tensor)
          return prediction.argmax(dim=-1).item()

      label = predict("great film", model, vocab)
      `,
    );
    assert.equal(finding.fixes[0].safety, 'safe');
  });

  it('fix: wraps the evaluation loop in torch.inference_mode() (safe: only plain numbers leave it)', () => {
    const finding = expectFix(
      'GML401',
      `
      import torch

      def evaluate(model, loader):
          model.eval()
          correct = 0
          for x, y in loader:
              correct += (model(x).argmax(1) == y).sum().item()
          return correct / len(loader.dataset)
      `,
      `
      import torch

      def evaluate(model, loader):
          model.eval()
          correct = 0
          with torch.inference_mode():
              for x, y in loader:
                  correct += (model(x).argmax(1) == y).sum().item()
          return correct / len(loader.dataset)
      `,
    );
    assert.equal(finding.fixes[0].safety, 'safe');
  });

  it('fix: adds `import torch` when the file imports only from torch, and wraps a single statement', () => {
    expectFix(
      'GML401',
      `
      from torch import load
      from torchvision.transforms import ToTensor

      model = load("super_res.pth")
      out = model(ToTensor()(image).unsqueeze(0))
      out_image = out[0].detach().numpy()
      `,
      `
      from torch import load
      from torchvision.transforms import ToTensor
      import torch

      model = load("super_res.pth")
      with torch.inference_mode():
          out = model(ToTensor()(image).unsqueeze(0))
      out_image = out[0].detach().numpy()
      `,
    );
  });

  it("fix: indents in the code's unit, not by the text of a docstring (reStructuredText indented 3 spaces)", () => {
    expectFix(
      'GML401',
      `
      """
      Docs with an RST directive:

      .. figure:: /_static/img/x.png
         :alt: x
      """
      import torch
      from torch import nn

      net = nn.Linear(4, 2)
      loader = [torch.randn(8, 4) for _ in range(3)]
      total = 0
      for x in loader:
          out = net(x)
          total += out.sum()
      `,
      `
      """
      Docs with an RST directive:

      .. figure:: /_static/img/x.png
         :alt: x
      """
      import torch
      from torch import nn

      net = nn.Linear(4, 2)
      loader = [torch.randn(8, 4) for _ in range(3)]
      total = 0
      with torch.inference_mode():
          for x in loader:
              out = net(x)
              total += out.sum()
      `,
    );
  });

  it('fix: writes the alias the file imports torch as, with CRLF newlines', () => {
    expectFix(
      'GML401',
      `
      import torch as T
      model = T.load("m.pt")
      model.eval()
      for x in batches:
          print(model(x).argmax(1).tolist())
      `,
      `
      import torch as T
      model = T.load("m.pt")
      model.eval()
      with T.inference_mode():
          for x in batches:
              print(model(x).argmax(1).tolist())
      `,
      { eol: '\r\n' },
    );
  });

  it('fix is unsafe when a tensor summed in the block is changed in place after it (inference tensors forbid that)', () => {
    const finding = expectFix(
      'GML401',
      `
      import torch
      model = torch.load("m.pt")
      model.eval()
      total_loss = 0
      for x, y in loader:
          total_loss += criterion(model(x), y)
      total_loss /= len(loader)
      `,
      `
      import torch
      model = torch.load("m.pt")
      model.eval()
      total_loss = 0
      with torch.inference_mode():
          for x, y in loader:
              total_loss += criterion(model(x), y)
      total_loss /= len(loader)
      `,
    );
    assert.equal(finding.fixes[0].safety, 'unsafe');
    assert.match(finding.fixes[0].title, /`total_loss` is changed in place after the block/);
  });

  it('fix is safe when the block stores only plain values after it: a list of .item() ints with a counter, a numeric NumPy array filled from .numpy()', () => {
    const [submission, validation] = expectFindings(`
      import numpy as np
      import pandas as pd
      import torch

      model = torch.load("trained_model.pth")
      submission = []
      i = 1
      for data in test_loader:
          output = model(data)
      #            ^^^^^^^^^^^ GML401
          submission.append([i, output.argmax(1).item()])
          i += 1
      submission = pd.DataFrame(submission)
      submission.columns = ["ImageId", "Label"]

      def predict_all(model, loader, n):
          model.eval()
          preds = np.zeros((n,), dtype=np.float32)
          for i, (x,) in enumerate(loader):
              y = model(x).detach()
      #           ^^^^^^^^ GML401
              preds[i * 32:(i + 1) * 32] = sigmoid(y.cpu().numpy())[:, 0]
          preds[preds < 0] = 0
          return preds
    `);
    assert.equal(submission.fixes[0].safety, 'safe');
    assert.equal(validation.fixes[0].safety, 'safe');
  });

  it('fix stays unsafe when a stored value is not known to be plain: a counter that is a tensor, an object-dtype or re-bound array', () => {
    const findings = expectFindings(`
      import numpy as np
      import torch

      model = torch.load("m.pt")
      rows = []
      step = torch.zeros(1)
      for x in loader:
          out = model(x)
      #         ^^^^^^^^ GML401
          rows.append([step, out.sum().item()])
      rows[0][0] += 1

      def boxes(model, loader, n):
          model.eval()
          found = np.empty(n, dtype=object)
          for i, x in enumerate(loader):
              found[i] = model(x)
      #                  ^^^^^^^^ GML401
          found[0] += 1
          return found

      def scores(model, loader, n, use_torch):
          model.eval()
          preds = np.zeros(n)
          if use_torch:
              preds = torch.zeros(n)
          for i, x in enumerate(loader):
              preds[i] = model(x).max()
      #                  ^^^^^^^^ GML401
          preds += 1
          return preds
    `);
    for (const finding of findings) assert.equal(finding.fixes[0].safety, 'unsafe');
  });

  it('fix is unsafe when the block returns the model output', () => {
    const finding = assertOne(
      `
import torch
model = torch.load("m.pt")
model.eval()

def predict(x):
    return model(x)
`,
      'GML401',
    );
    assert.equal(finding.fixes[0].safety, 'unsafe');
    assert.match(finding.fixes[0].title, /returns a value made in it/);
  });

  it('the notebook fixture: flags the prediction cell, not the training cell', () => {
    const notebook = parseIpynb(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'notebooks', 'torch_predictions.ipynb'), 'utf8'));
    const found = analyzeNotebook(notebook.cells, { config: effectiveConfig(undefined, undefined) }).findings.filter((f) => f.finding.code === 'GML401');
    assert.deepEqual(
      found.map((f) => [f.cell + 1, f.finding.range.start.line + 1]),
      [[6, 5]],
    );
  });

  it('the fixed fixture script still trains and evaluates to the end with Debian python3-torch', () => {
    const python = '/usr/bin/python3';
    const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
    assert.equal(probe.status, 0, `${python} cannot import torch: run \`apt-get install -y python3-torch\` (CI installs it).\n${probe.stderr ?? ''}`);
    const fixture = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'scripts', 'torch_eval_autograd_on.py'), 'utf8');
    const finding = assertOne(fixture, 'GML401');
    assert.equal(finding.fixes[0].safety, 'safe');
    const fixed = applyFix(fixture, finding);
    assert.deepEqual(findings(fixed, 'GML401'), []);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'greenml-gml401-'));
    try {
      const script = path.join(dir, 'train.py');
      fs.writeFileSync(script, fixed);
      const run = spawnSync(python, [script], { encoding: 'utf8', timeout: 240_000, cwd: dir });
      assert.equal(run.status, 0, `fixed script failed:\n${run.stderr}`);
      assert.match(run.stdout, /evaluation finished\s*$/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
