import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectFix, expectNone } from '../helpers/markers';

useParser();

const TRAIN = `
for epoch in range(30):
    for images, labels in train_loader:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()`;

describe('GML403 training-from-scratch', () => {
  it('flags a torchvision classifier built with weights=None and trained, as a hint', () => {
    const [finding] = expectFindings(`
      import torch
      import torchvision

      model = torchvision.models.resnet50(weights=None)
      #                                   ^^^^^^^^^^^^ GML403: trains from random weights, though ImageNet-pretrained weights exist
      optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
      ${TRAIN.trim().split('\n').join('\n      ')}
    `);
    assert.equal(finding.severity, 'hint');
  });

  it('flags the pre-0.13 pretrained=False and a backbone held by a module that is trained', () => {
    expectFindings(`
      import torch
      import torch.nn as nn
      from torchvision import models

      class SiameseNetwork(nn.Module):
          def __init__(self):
              super().__init__()
              self.resnet = models.resnet18(pretrained=False)
      #                                     ^^^^^^^^^^^^^^^^ GML403
              self.fc = nn.Linear(1000, 1)

      model = SiameseNetwork().to(device)
      optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0)
      for epoch in range(1, 15):
          train(model, device, train_loader, optimizer, epoch)

      def train(model, device, loader, optimizer, epoch):
          for images_1, images_2, targets in loader:
              optimizer.zero_grad()
              loss = criterion(model(images_1, images_2).squeeze(), targets)
              loss.backward()
              optimizer.step()
    `);
  });

  it('flags timm, a Keras application and a Hugging Face model built from a hub config', () => {
    expectFindings(`
      import timm
      import torch
      model = timm.create_model("convnext_tiny", pretrained=False, num_classes=10)
      #                                          ^^^^^^^^^^^^^^^^ GML403: pretrained weights exist for most timm models
      opt = torch.optim.AdamW(model.parameters())
      for x, y in loader:
          opt.zero_grad()
          criterion(model(x), y).backward()
          opt.step()
    `);
    expectFindings(`
      from tensorflow import keras

      base = keras.applications.EfficientNetB0(weights=None, include_top=False, input_shape=(224, 224, 3))
      #                                        ^^^^^^^^^^^^ GML403: (\`weights="imagenet"\`)
      model = keras.Sequential([base, keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(5)])
      model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
      model.fit(train_ds, epochs=20)
    `);
    // Keras 2's fit_generator trains as fit does.
    expectFindings(`
      import tensorflow as tf

      base = tf.keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(150, 150, 3))
      #                                        ^^^^^^^^^^^^ GML403
      model = tf.keras.Sequential([base, tf.keras.layers.GlobalAveragePooling2D(), tf.keras.layers.Dense(2)])
      model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
      model.fit_generator(train_gen, steps_per_epoch=20, epochs=10)
    `);
    expectFindings(`
      from transformers import AutoConfig, AutoModelForSequenceClassification, Trainer

      config = AutoConfig.from_pretrained("bert-base-uncased", num_labels=2)
      model = AutoModelForSequenceClassification.from_config(config)
      #       ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML403: hub checkpoint
      trainer = Trainer(model=model, args=training_args, train_dataset=train_ds)
      trainer.train()
    `);
  });

  it('resolves aliases: torchvision.models as tvm, from torchvision.models import resnet18 as r18', () => {
    expectFindings(`
      import torch
      import torchvision.models as tvm
      from torchvision.models import resnet18 as r18
      a = tvm.get_model("vit_b_16", weights=None)
      #                             ^^^^^^^^^^^^ GML403
      b = r18(weights=None)
      #       ^^^^^^^^^^^^ GML403
      net = torch.nn.ModuleList([a, b])
      optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
      for x, y in loader:
          optimizer.zero_grad()
          criterion(a(x) + b(x), y).backward()
          optimizer.step()
    `);
  });

  it('leaves pretrained models alone', () => {
    expectNone('GML403', `
      import timm
      import torch
      import torchvision
      from transformers import AutoModelForSequenceClassification
      a = torchvision.models.resnet50(weights="DEFAULT")
      b = torchvision.models.resnet18(weights=torchvision.models.ResNet18_Weights.IMAGENET1K_V1)
      c = timm.create_model("resnet50d", pretrained=True)
      d = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased", num_labels=2)
      model = torch.nn.ModuleList([a, b, c, d])
      optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
      for x, y in loader:
          optimizer.zero_grad()
          criterion(model[0](x), y).backward()
          optimizer.step()
    `);
  });

  it('follows a model returned by a factory function of the file to where it is called and trained', () => {
    expectFindings(`
      import torch
      import torchvision
      import pytorch_lightning as pl
      import torch.nn.functional as F

      def create_model():
          model = torchvision.models.resnet18(pretrained=False, num_classes=10)
      #                                       ^^^^^^^^^^^^^^^^ GML403: replace the classification head
          model.maxpool = torch.nn.Identity()
          return model

      class LitResnet(pl.LightningModule):
          def __init__(self):
              super().__init__()
              self.model = create_model()

          def training_step(self, batch, batch_idx):
              x, y = batch
              return F.cross_entropy(self.model(x), y)

      trainer = pl.Trainer(max_epochs=30)
      trainer.fit(LitResnet(), train_dataloaders=loader)
    `);
    expectFindings(`
      import torch
      from torchvision import models

      def build():
          return torch.nn.Sequential(models.resnet50(weights=None), torch.nn.Linear(1000, 2))
      #                                              ^^^^^^^^^^^^ GML403

      net = build()
      optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
      for x, y in loader:
          optimizer.zero_grad()
          criterion(net(x), y).backward()
          optimizer.step()
    `);
  });

  it("leaves a factory's model alone where its calls load weights into it or do not train it", () => {
    expectNone('GML403', `
      import torch
      import torchvision

      def create_model():
          model = torchvision.models.resnet18(weights=None, num_classes=10)
          return model

      model = create_model()
      model.load_state_dict(torch.load("finetuned.pt"))
      optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
      for x, y in loader:
          optimizer.zero_grad()
          criterion(model(x), y).backward()
          optimizer.step()
    `);
    expectNone('GML403', `
      import torch
      import torchvision

      def create_model(pretrained):
          if pretrained:
              return torchvision.models.resnet18(weights="DEFAULT")
          model = torchvision.models.resnet18(weights=None)
          model.fc = torch.nn.Identity()
          return model.eval()

      def export():
          torch.onnx.export(create_model(False), dummy, "r18.onnx")
    `);
  });

  it('leaves a model whose weights are loaded from a checkpoint alone (inference, resumed training)', () => {
    expectNone('GML403', `
      import torch
      import torchvision
      model = torchvision.models.resnet18(weights=None, num_classes=10)
      model.load_state_dict(torch.load("finetuned.pt"))
      optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
      for x, y in loader:
          optimizer.zero_grad()
          criterion(model(x), y).backward()
          optimizer.step()
    `);
  });

  it('leaves a model that is not trained here alone', () => {
    expectNone('GML403', `
      import torchvision
      from tensorflow import keras
      model = torchvision.models.resnet18(weights=None)
      torch.onnx.export(model, dummy, "resnet18.onnx")
      base = keras.applications.ResNet50(weights=None)
      base.summary()
    `);
  });

  it('leaves values that are not literals, hand-built configs and other tasks alone', () => {
    expectNone('GML403', `
      import torch
      import timm
      import torchvision
      from transformers import BertConfig, BertForMaskedLM
      a = timm.create_model(args.model, pretrained=args.pretrained)
      b = torchvision.models.resnet50(weights=weights)
      c = BertForMaskedLM.from_config(BertConfig(hidden_size=256, num_hidden_layers=4))
      d = torchvision.models.detection.fasterrcnn_resnet50_fpn(weights=None, num_classes=3)
      model = torch.nn.ModuleList([a, b, c, d])
      optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
      for x, y in loader:
          optimizer.zero_grad()
          criterion(model[0](x), y).backward()
          optimizer.step()
    `);
  });

  it('a tokenizer loaded by the hub\'s legacy id and a config by its organisation\'s id (gpt2, openai-community/gpt2) are one checkpoint', () => {
    for (const [tokenizer, config] of [['gpt2', 'openai-community/gpt2'], ['google-bert/bert-base-uncased', 'bert-base-uncased']]) {
      expectFindings(`
        from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, Trainer
        tokenizer = AutoTokenizer.from_pretrained("${tokenizer}")
        config = AutoConfig.from_pretrained("${config}")
        model = AutoModelForCausalLM.from_config(config)
        #       ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML403: hub checkpoint
        Trainer(model=model, args=args, train_dataset=ds).train()
      `);
    }
    // Another organisation's model of the same name is another checkpoint.
    expectNone('GML403', `
      from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, Trainer
      tokenizer = AutoTokenizer.from_pretrained("my-org/gpt2")
      config = AutoConfig.from_pretrained("gpt2")
      model = AutoModelForCausalLM.from_config(config)
      Trainer(model=model, args=args, train_dataset=ds).train()
    `);
  });

  it('leaves a Hugging Face model alone when its tokenizer is not the config checkpoint\'s or the config is resized', () => {
    for (const fixture of [
      // The data is tokenized with another checkpoint's vocabulary (huggingface/notebooks, language_modeling_from_scratch).
      `
      from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, Trainer
      model_checkpoint = "gpt2"
      tokenizer_checkpoint = "my-org/gpt2-like-tokenizer"
      tokenizer = AutoTokenizer.from_pretrained(tokenizer_checkpoint)
      config = AutoConfig.from_pretrained(model_checkpoint)
      model = AutoModelForCausalLM.from_config(config)
      Trainer(model=model, args=args, train_dataset=ds).train()
      `,
      // A tokenizer whose checkpoint is not a literal.
      `
      from transformers import AutoConfig, AutoModelForMaskedLM, BertTokenizerFast, Trainer
      tokenizer = BertTokenizerFast.from_pretrained(args.tokenizer_dir)
      model = AutoModelForMaskedLM.from_config(AutoConfig.from_pretrained("bert-base-cased"))
      Trainer(model=model, args=training_args, train_dataset=ds).train()
      `,
      // A vocabulary trained here.
      `
      from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, Trainer
      old = AutoTokenizer.from_pretrained("gpt2")
      tokenizer = old.train_new_from_iterator(corpus, 52000)
      config = AutoConfig.from_pretrained("gpt2")
      model = AutoModelForCausalLM.from_config(config)
      Trainer(model=model, args=args, train_dataset=ds).train()
      `,
      `
      from tokenizers import ByteLevelBPETokenizer
      from transformers import AutoConfig, AutoModelForCausalLM, Trainer
      ByteLevelBPETokenizer().train(files=["corpus.txt"], vocab_size=52000)
      model = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained("gpt2"))
      Trainer(model=model, args=args, train_dataset=ds).train()
      `,
      `
      from transformers import AutoConfig, AutoModelForCausalLM, PreTrainedTokenizerFast, Trainer
      tokenizer = PreTrainedTokenizerFast(tokenizer_file="tokenizer.json")
      model = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained("gpt2"))
      Trainer(model=model, args=args, train_dataset=ds).train()
      `,
      // A resized config: the checkpoint's weights have other shapes.
      `
      from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, Trainer
      tokenizer = AutoTokenizer.from_pretrained("gpt2")
      config = AutoConfig.from_pretrained("gpt2", vocab_size=len(tokenizer), n_ctx=512)
      model = AutoModelForCausalLM.from_config(config)
      Trainer(model=model, args=args, train_dataset=ds).train()
      `,
      `
      from transformers import AutoConfig, AutoModelForCausalLM, Trainer
      config = AutoConfig.from_pretrained("gpt2", **overrides)
      model = AutoModelForCausalLM.from_config(config)
      Trainer(model=model, args=args, train_dataset=ds).train()
      `,
      `
      from transformers import AutoConfig, AutoModelForCausalLM, Trainer
      config = AutoConfig.from_pretrained("gpt2")
      config.n_layer = 6
      model = AutoModelForCausalLM.from_config(config)
      Trainer(model=model, args=args, train_dataset=ds).train()
      `,
    ]) {
      expectNone('GML403', fixture);
    }
  });

  it('still flags a Hugging Face model whose tokenizer is the config checkpoint\'s', () => {
    expectFindings(`
      from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, Trainer
      checkpoint = "gpt2"
      tokenizer = AutoTokenizer.from_pretrained(checkpoint)
      config = AutoConfig.from_pretrained(checkpoint, num_labels=2)
      config.id2label = {0: "no", 1: "yes"}
      model = AutoModelForCausalLM.from_config(config)
      #       ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML403
      Trainer(model=model, args=args, train_dataset=ds).train()
    `);
  });

  it('leaves a look-alike builder alone', () => {
    expectNone('GML403', `
      import torch
      import torchvision

      def resnet18(weights=None):
          return torch.nn.Linear(10, 2)

      model = resnet18(weights=None)
      optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
      for x, y in loader:
          optimizer.zero_grad()
          criterion(model(x), y).backward()
          optimizer.step()
    `);
  });

  it('says what to do instead of fixing when the head or the input differs', () => {
    const found = expectFindings(`
      import torch
      import torchvision
      from tensorflow import keras
      model = torchvision.models.resnet18(weights=None, num_classes=10)
      #                                   ^^^^^^^^^^^^ GML403: replace the classification head
      optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
      for x, y in loader:
          optimizer.zero_grad()
          criterion(model(x), y).backward()
          optimizer.step()
      cnn = keras.applications.MobileNetV2(weights=None, input_shape=(28, 28, 1), classes=10, include_top=False)
      #                                    ^^^^^^^^^^^^ GML403: 3-channel input
      cnn.fit(x_train, y_train, epochs=5)
    `);
    assert.deepEqual(found.map((f) => f.fixes.length), [0, 0]);
  });

  it('fix: torchvision weights=None and pretrained=False become weights="DEFAULT" (torchvision ≥ 0.13)', () => {
    const finding = expectFix(
      'GML403',
      `
      import torch
      import torchvision
      model = torchvision.models.resnet50(pretrained=False)
      optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
      for x, y in loader:
          optimizer.zero_grad()
          criterion(model(x), y).backward()
          optimizer.step()
      `,
      `
      import torch
      import torchvision
      model = torchvision.models.resnet50(weights="DEFAULT")
      optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
      for x, y in loader:
          optimizer.zero_grad()
          criterion(model(x), y).backward()
          optimizer.step()
      `,
    );
    assert.match(finding.fixes[0].title, /torchvision ≥ 0\.13/);
  });

  it('fix: timm pretrained=True, Keras weights="imagenet"', () => {
    expectFix(
      'GML403',
      `
      import timm
      import torch
      model = timm.create_model("resnet50", False, num_classes=10)
      opt = torch.optim.AdamW(model.parameters())
      for x, y in loader:
          opt.zero_grad()
          criterion(model(x), y).backward()
          opt.step()
      `,
      `
      import timm
      import torch
      model = timm.create_model("resnet50", True, num_classes=10)
      opt = torch.optim.AdamW(model.parameters())
      for x, y in loader:
          opt.zero_grad()
          criterion(model(x), y).backward()
          opt.step()
      `,
    );
    expectFix(
      'GML403',
      `
      import tensorflow as tf
      base = tf.keras.applications.ResNet50(weights=None, include_top=False)
      model = tf.keras.Sequential([base, tf.keras.layers.Dense(3)])
      model.fit(ds, epochs=10)
      `,
      `
      import tensorflow as tf
      base = tf.keras.applications.ResNet50(weights="imagenet", include_top=False)
      model = tf.keras.Sequential([base, tf.keras.layers.Dense(3)])
      model.fit(ds, epochs=10)
      `,
    );
  });

  it('fix: a Hugging Face from_config becomes from_pretrained with the same config', () => {
    expectFix(
      'GML403',
      `
      from transformers import AutoConfig, AutoModelForTokenClassification, Trainer
      config = AutoConfig.from_pretrained("distilbert-base-cased", num_labels=9)
      model = AutoModelForTokenClassification.from_config(config)
      Trainer(model=model, args=args, train_dataset=ds).train()
      `,
      `
      from transformers import AutoConfig, AutoModelForTokenClassification, Trainer
      config = AutoConfig.from_pretrained("distilbert-base-cased", num_labels=9)
      model = AutoModelForTokenClassification.from_pretrained("distilbert-base-cased", config=config)
      Trainer(model=model, args=args, train_dataset=ds).train()
      `,
    );
  });
});
