import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { applyFix, assertOne, findings, useParser } from '../helpers/analysis';
import { expectFindings, expectFix, expectNone } from '../helpers/markers';

useParser();

/** A CPU script that loads a trained LSTM classifier and classifies batches: each case changes one part of it. */
const lstmScript = (changes: { imports?: string; afterLoad?: string; context?: string } = {}) =>
  [
    'import torch',
    'from torch import nn',
    changes.imports ?? '',
    '',
    'class TextClassifier(nn.Module):',
    '    def __init__(self):',
    '        super().__init__()',
    '        self.embedding = nn.Embedding(5000, 64)',
    '        self.lstm = nn.LSTM(64, 128, batch_first=True)',
    '        self.fc = nn.Linear(128, 4)',
    '',
    '    def forward(self, tokens):',
    '        output, _ = self.lstm(self.embedding(tokens))',
    '        return self.fc(output[:, -1])',
    '',
    'model = TextClassifier()',
    'model.load_state_dict(torch.load("classifier.pt", map_location="cpu"))',
    'model.eval()',
    changes.afterLoad ?? '',
    `with ${changes.context ?? 'torch.inference_mode()'}:`,
    '    for batch in batches:',
    '        print(model(batch).argmax(dim=1))',
  ].join('\n');

describe('GML405 fp32-cpu-inference', () => {
  it('flags a Hugging Face text model loaded and served by a function on the CPU', () => {
    expectFindings(`
      import torch
      from transformers import AutoModelForSequenceClassification, AutoTokenizer

      tokenizer = AutoTokenizer.from_pretrained("distilbert-base-uncased-finetuned-sst-2-english")
      model = AutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased-finetuned-sst-2-english")
      #       ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML405: \`model\` is a trained fp32 model of Linear layers that this script runs on the CPU
      model.eval()

      def classify(texts):
          with torch.inference_mode():
              return model(**tokenizer(texts, return_tensors="pt", padding=True)).logits.argmax(-1)
    `);
  });

  it('flags a local LSTM model given its trained weights and run in a loop', () => {
    const [finding] = expectFindings(lstmScript().replace('model = TextClassifier()\n', 'model = TextClassifier()\n#       ^^^^^^^^^^^^^^ GML405\n'));
    assert.equal(finding.severity, 'hint');
  });

  it('flags a Sequential of Linear layers pinned to the CPU, through aliases, and a model a serving class holds', () => {
    expectFindings(`
      import torch as T
      from torch import nn as tnn
      from transformers import BertForSequenceClassification

      device = T.device("cpu")
      mlp = tnn.Sequential(tnn.Linear(32, 64), tnn.ReLU(), tnn.Linear(64, 3)).to(device)
      #     ^^^^^^^^^^^^^^ GML405
      mlp.load_state_dict(T.load("mlp.pt", map_location=device))
      scores = [mlp(x.to(device)) for x in batches]

      class Service:
          def __init__(self):
              self.model = BertForSequenceClassification.from_pretrained("bert-base-uncased")
      #                    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML405: \`self.model\`

          def predict(self, batch):
              with T.no_grad():
                  return self.model(**batch).logits
    `);
  });

  it('reads a script that hides every GPU before importing torch (CUDA_VISIBLE_DEVICES = "") as running on the CPU, whatever device it asks for', () => {
    const onDevice = lstmScript({ afterLoad: 'device = "cuda" if torch.cuda.is_available() else "cpu"\nmodel.to(device)' });
    expectNone('GML405', onDevice);
    const hidden = `import os\nos.environ["CUDA_VISIBLE_DEVICES"] = ""\n${onDevice}`;
    expectFindings(hidden.replace('model = TextClassifier()\n', 'model = TextClassifier()\n#       ^^^^^^^^^^^^^^ GML405\n'));
    expectNone('GML405', hidden.replace('= ""', '= args.gpus'));
  });

  it('leaves a model the script already quantizes, compiles, scripts or exports alone', () => {
    for (const line of [
      'model = torch.ao.quantization.quantize_dynamic(model, {nn.Linear, nn.LSTM}, dtype=torch.qint8)',
      'model = torch.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)',
      'model = torch.jit.script(model)',
      'model = torch.compile(model)',
      'torch.onnx.export(model, torch.zeros(1, 16, dtype=torch.long), "model.onnx")',
    ]) {
      expectNone('GML405', lstmScript({ afterLoad: line }));
    }
    expectNone('GML405', lstmScript({ imports: 'import onnxruntime' }));
  });

  it('leaves a model in half precision, bfloat16 or bfloat16 autocast alone', () => {
    expectNone('GML405', lstmScript({ afterLoad: 'model.half()' }));
    expectNone('GML405', lstmScript({ afterLoad: 'model = model.to(torch.bfloat16)' }));
    expectNone('GML405', lstmScript({ context: 'torch.autocast("cpu", dtype=torch.bfloat16)' }));
    expectNone(
      'GML405',
      `
      import torch
      from transformers import AutoModelForCausalLM
      small = AutoModelForCausalLM.from_pretrained("gpt2", torch_dtype=torch.bfloat16)
      int8 = AutoModelForCausalLM.from_pretrained("gpt2", load_in_8bit=True)
      mapped = AutoModelForCausalLM.from_pretrained("gpt2", device_map="auto")
      def generate(batch):
          return small(**batch), int8(**batch), mapped(**batch)
    `,
    );
  });

  it('leaves a script that uses a GPU, or picks its device at run time, alone', () => {
    expectNone('GML405', lstmScript({ afterLoad: 'model.to("cuda")' }));
    expectNone('GML405', lstmScript({ afterLoad: 'model.to("cuda" if torch.cuda.is_available() else "cpu")' }));
  });

  it('leaves a script that trains alone', () => {
    expectNone(
      'GML405',
      lstmScript({
        afterLoad: [
          'optimizer = torch.optim.Adam(model.parameters())',
          'for tokens, labels in train_loader:',
          '    optimizer.zero_grad()',
          '    nn.functional.cross_entropy(model(tokens), labels).backward()',
          '    optimizer.step()',
        ].join('\n'),
      }),
    );
  });

  it('leaves convolutional models alone (dynamic quantization leaves convolutions in fp32)', () => {
    expectNone(
      'GML405',
      `
      import torch
      import torchvision
      from torch import nn

      resnet = torchvision.models.resnet18(weights="IMAGENET1K_V1")
      resnet.eval()

      class SmallCNN(nn.Module):
          def __init__(self):
              super().__init__()
              self.conv = nn.Conv2d(1, 32, 3)
              self.fc = nn.Linear(32 * 26 * 26, 10)

          def forward(self, x):
              return self.fc(self.conv(x).flatten(1))

      cnn = SmallCNN()
      cnn.load_state_dict(torch.load("cnn.pt"))
      with torch.no_grad():
          for x in loader:
              print(resnet(x), cnn(x))
    `,
    );
  });

  it('leaves models of unknown architecture, vision models, and untrained models alone', () => {
    expectNone(
      'GML405',
      `
      import torch
      from torch import nn
      from transformers import AutoModelForImageClassification

      whole = torch.load("model.pt")
      vit = AutoModelForImageClassification.from_pretrained("google/vit-base-patch16-224")
      fresh = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 1))
      with torch.no_grad():
          for x in loader:
              print(whole(x), vit(pixel_values=x), fresh(x))
    `,
    );
  });

  it("leaves GPT-2's architecture alone (its projections are Conv1D, not Linear), by class or checkpoint name", () => {
    expectNone(
      'GML405',
      `
      import torch
      from transformers import AutoModelForCausalLM, AutoTokenizer, GPT2LMHeadModel

      tokenizer = AutoTokenizer.from_pretrained("openai-community/gpt2")
      model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")
      chat = AutoModelForCausalLM.from_pretrained("microsoft/DialoGPT-medium")
      small = GPT2LMHeadModel.from_pretrained(checkpoint)
      model.eval()

      def next_token(ids):
          with torch.inference_mode():
              return model(ids).logits[:, -1].argmax(-1), chat(ids).logits, small(ids).logits
    `,
    );
  });

  it('leaves a single forward at module level alone (nothing repeats to pay for quantizing)', () => {
    expectNone(
      'GML405',
      `
      import torch
      from transformers import AutoModelForSequenceClassification
      model = AutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased-finetuned-sst-2-english")
      with torch.no_grad():
          print(model(**inputs).logits)
    `,
    );
  });

  it('leaves a model made again on each iteration alone: a model per fold, each run once', () => {
    expectNone(
      'GML405',
      `
      import torch
      from torch import nn

      class Classifier(nn.Module):
          def __init__(self):
              super().__init__()
              self.fc1 = nn.Linear(256, 128)
              self.fc2 = nn.Linear(128, 4)

          def forward(self, x):
              return self.fc2(torch.relu(self.fc1(x)))

      probabilities = []
      for fold in range(5):
          model = Classifier()
          model.load_state_dict(torch.load(f"fold{fold}.pt"))
          model.eval()
          with torch.no_grad():
              probabilities.append(model(features).softmax(-1))
      print(torch.stack(probabilities).mean(0).argmax(-1))
    `,
    );
  });

  it('leaves a look-alike class that is no torch module alone', () => {
    expectNone(
      'GML405',
      `
      import torch

      class TextClassifier:
          def __init__(self):
              self.weights = {}

          def load_state_dict(self, state):
              self.weights = state

          def __call__(self, x):
              return x

      model = TextClassifier()
      model.load_state_dict(torch.load("weights.pt"))
      for batch in batches:
          print(model(batch))
    `,
    );
  });

  it('fix: quantizes the model right after it is loaded and put in eval mode', () => {
    expectFix(
      'GML405',
      lstmScript(),
      lstmScript().replace('model.eval()\n', 'model.eval()\nmodel = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear, torch.nn.LSTM}, dtype=torch.qint8)\n'),
    );
  });

  it('fix: in a serving class, after self.model is prepared, writing the torch alias and adding the import when needed, with CRLF newlines', () => {
    expectFix(
      'GML405',
      `
      from torch import nn, inference_mode
      from transformers import AutoModelForSequenceClassification

      class Classifier:
          def __init__(self, name):
              self.model = AutoModelForSequenceClassification.from_pretrained(name)
              self.model.eval()
              self.labels = self.model.config.id2label

          def __call__(self, batch):
              with inference_mode():
                  return self.model(**batch).logits.argmax(-1)
      `,
      `
      from torch import nn, inference_mode
      from transformers import AutoModelForSequenceClassification
      import torch

      class Classifier:
          def __init__(self, name):
              self.model = AutoModelForSequenceClassification.from_pretrained(name)
              self.model.eval()
              self.model = torch.ao.quantization.quantize_dynamic(self.model, {torch.nn.Linear, torch.nn.LSTM}, dtype=torch.qint8)
              self.labels = self.model.config.id2label

          def __call__(self, batch):
              with inference_mode():
                  return self.model(**batch).logits.argmax(-1)
      `,
      { eol: '\r\n' },
    );
  });

  it('the fixed fixture script still classifies to the end with Debian python3-torch', () => {
    const python = '/usr/bin/python3';
    const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
    assert.equal(probe.status, 0, `${python} cannot import torch: run \`apt-get install -y python3-torch\` (CI installs it).\n${probe.stderr ?? ''}`);
    const fixture = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'scripts', 'torch_cpu_text_classifier.py'), 'utf8');
    const fixed = applyFix(fixture, assertOne(fixture, 'GML405'));
    assert.deepEqual(findings(fixed, 'GML405'), []);
    assert.match(fixed, /model = torch\.ao\.quantization\.quantize_dynamic\(model, \{torch\.nn\.Linear, torch\.nn\.LSTM\}, dtype=torch\.qint8\)/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'greenml-gml405-'));
    try {
      const script = path.join(dir, 'classify_tickets.py');
      fs.writeFileSync(script, fixed);
      // The weights a training run would have saved: the fixture's own model class, seeded.
      const save = spawnSync(python, ['-c', 'import torch, classify_tickets as c; torch.manual_seed(0); torch.save(c.TicketClassifier().state_dict(), "ticket_classifier.pt")'], { encoding: 'utf8', cwd: dir, timeout: 120_000 });
      assert.equal(save.status, 0, save.stderr);
      const run = spawnSync(python, [script], { encoding: 'utf8', timeout: 240_000, cwd: dir });
      assert.equal(run.status, 0, `fixed script failed:\n${run.stderr}`);
      assert.match(run.stdout, /classification finished\s*$/);
      assert.equal(run.stdout.trim().split('\n').length, 4, run.stdout);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
