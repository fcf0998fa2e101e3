import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyFix, assertOne, useParser } from '../helpers/analysis';
import { expectFix } from '../helpers/markers';

useParser();

// The fix: a patience counter before the loop and a check after the metric, in the file's layout.
describe('GML216 loop-no-early-stopping', () => {
  describe('fix', () => {
    it('a patience counter before the loop and the check at the end of the epoch, after its logging (lower is better for a loss)', () => {
      expectFix(
        'GML216',
        `
        import torch

        def train_one_epoch(model, loader, optimizer):
            for x, y in loader:
                optimizer.zero_grad()
                loss_fn(model(x), y).backward()
                optimizer.step()

        for epoch in range(100):
            train_one_epoch(model, train_loader, optimizer)
            val_loss = evaluate(model, val_loader)
            print(f"epoch {epoch}: {val_loss:.4f}")
        `,
        `
        import torch

        def train_one_epoch(model, loader, optimizer):
            for x, y in loader:
                optimizer.zero_grad()
                loss_fn(model(x), y).backward()
                optimizer.step()

        # Early stopping: end training once val_loss has not improved by more than min_delta for patience epochs.
        best_val_loss = float("inf")
        epochs_without_improvement = 0
        patience = 5
        min_delta = 0.0
        for epoch in range(100):
            train_one_epoch(model, train_loader, optimizer)
            val_loss = evaluate(model, val_loader)
            print(f"epoch {epoch}: {val_loss:.4f}")
            if float(val_loss) < best_val_loss - min_delta:
                best_val_loss = float(val_loss)
                epochs_without_improvement = 0
            else:
                epochs_without_improvement += 1
                if epochs_without_improvement >= patience:
                    print(f"Early stopping: val_loss has not improved for {patience} epochs")
                    break
        `,
      );
    });

    it('a short loop gets a patience that can act within its epochs (1 for 3 epochs)', () => {
      expectFix(
        'GML216',
        `
        import torch

        def train_one_epoch(model, loader, optimizer):
            for x, y in loader:
                optimizer.zero_grad()
                loss_fn(model(x), y).backward()
                optimizer.step()

        for epoch in range(3):
            train_one_epoch(model, train_loader, optimizer)
            val_loss = evaluate(model, val_loader)
        `,
        `
        import torch

        def train_one_epoch(model, loader, optimizer):
            for x, y in loader:
                optimizer.zero_grad()
                loss_fn(model(x), y).backward()
                optimizer.step()

        # Early stopping: end training once val_loss has not improved by more than min_delta for patience epoch.
        best_val_loss = float("inf")
        epochs_without_improvement = 0
        patience = 1
        min_delta = 0.0
        for epoch in range(3):
            train_one_epoch(model, train_loader, optimizer)
            val_loss = evaluate(model, val_loader)
            if float(val_loss) < best_val_loss - min_delta:
                best_val_loss = float(val_loss)
                epochs_without_improvement = 0
            else:
                epochs_without_improvement += 1
                if epochs_without_improvement >= patience:
                    print(f"Early stopping: val_loss has not improved for {patience} epoch")
                    break
        `,
      );
    });

    it('an accuracy from validate(): higher is better, with names that do not clash with the file’s', () => {
      expectFix(
        'GML216',
        `
        import torch

        def main():
            best_acc1 = 0
            patience = 3
            scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, "max", patience=patience)
            for epoch in range(args.start_epoch, args.epochs):
                train(train_loader, model, criterion, optimizer, epoch)
                acc1 = validate(val_loader, model, criterion)  # top-1
                scheduler.step(acc1)
                best_acc1 = max(acc1, best_acc1)

        def train(train_loader, model, criterion, optimizer, epoch):
            for images, target in train_loader:
                optimizer.zero_grad()
                criterion(model(images), target).backward()
                optimizer.step()
        `,
        `
        import torch

        def main():
            best_acc1 = 0
            patience = 3
            scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, "max", patience=patience)
            # Early stopping: end training once acc1 has not improved by more than min_delta for early_stopping_patience epochs.
            best_acc1_so_far = float("-inf")
            epochs_without_improvement = 0
            early_stopping_patience = 5
            min_delta = 0.0
            for epoch in range(args.start_epoch, args.epochs):
                train(train_loader, model, criterion, optimizer, epoch)
                acc1 = validate(val_loader, model, criterion)  # top-1
                scheduler.step(acc1)
                best_acc1 = max(acc1, best_acc1)
                if float(acc1) > best_acc1_so_far + min_delta:
                    best_acc1_so_far = float(acc1)
                    epochs_without_improvement = 0
                else:
                    epochs_without_improvement += 1
                    if epochs_without_improvement >= early_stopping_patience:
                        print(f"Early stopping: acc1 has not improved for {early_stopping_patience} epochs")
                        break

        def train(train_loader, model, criterion, optimizer, epoch):
            for images, target in train_loader:
                optimizer.zero_grad()
                criterion(model(images), target).backward()
                optimizer.step()
        `,
      );
    });

    it('a tuple from test_step, the loss chosen; tabs and CRLF kept', () => {
      expectFix(
        'GML216',
        [
          'import torch',
          'for epoch in tqdm(range(epochs)):',
          '\ttrain_loss, train_acc = train_step(model, train_dataloader, loss_fn, optimizer)',
          '\ttest_loss, test_acc = test_step(model, test_dataloader, loss_fn)',
          '\tresults["test_loss"].append(test_loss)',
          'def train_step(model, dataloader, loss_fn, optimizer):',
          '\tfor X, y in dataloader:',
          '\t\toptimizer.zero_grad()',
          '\t\tloss_fn(model(X), y).backward()',
          '\t\toptimizer.step()',
        ].join('\n'),
        [
          'import torch',
          '# Early stopping: end training once test_loss has not improved by more than min_delta for patience epochs.',
          'best_test_loss = float("inf")',
          'epochs_without_improvement = 0',
          'patience = 5',
          'min_delta = 0.0',
          'for epoch in tqdm(range(epochs)):',
          '\ttrain_loss, train_acc = train_step(model, train_dataloader, loss_fn, optimizer)',
          '\ttest_loss, test_acc = test_step(model, test_dataloader, loss_fn)',
          '\tresults["test_loss"].append(test_loss)',
          '\tif float(test_loss) < best_test_loss - min_delta:',
          '\t\tbest_test_loss = float(test_loss)',
          '\t\tepochs_without_improvement = 0',
          '\telse:',
          '\t\tepochs_without_improvement += 1',
          '\t\tif epochs_without_improvement >= patience:',
          '\t\t\tprint(f"Early stopping: test_loss has not improved for {patience} epochs")',
          '\t\t\tbreak',
          'def train_step(model, dataloader, loss_fn, optimizer):',
          '\tfor X, y in dataloader:',
          '\t\toptimizer.zero_grad()',
          '\t\tloss_fn(model(X), y).backward()',
          '\t\toptimizer.step()',
        ].join('\n'),
        { eol: '\r\n' },
      );
    });

    it('a sum finished by /= inside torch.inference_mode(): the check goes after that block, at the end of the epoch', () => {
      expectFix(
        'GML216',
        `
        import torch

        for epoch in range(30):
          model.train()
          for X, y in train_dataloader:
            optimizer.zero_grad()
            loss_fn(model(X), y).backward()
            optimizer.step()
          test_loss = 0
          model.eval()
          with torch.inference_mode():
            for X, y in test_dataloader:
              test_loss += loss_fn(model(X), y)
            test_loss /= len(test_dataloader)
          print(f"test loss: {test_loss:.5f}")
        `,
        `
        import torch

        # Early stopping: end training once test_loss has not improved by more than min_delta for patience epochs.
        best_test_loss = float("inf")
        epochs_without_improvement = 0
        patience = 5
        min_delta = 0.0
        for epoch in range(30):
          model.train()
          for X, y in train_dataloader:
            optimizer.zero_grad()
            loss_fn(model(X), y).backward()
            optimizer.step()
          test_loss = 0
          model.eval()
          with torch.inference_mode():
            for X, y in test_dataloader:
              test_loss += loss_fn(model(X), y)
            test_loss /= len(test_dataloader)
          print(f"test loss: {test_loss:.5f}")
          if float(test_loss) < best_test_loss - min_delta:
            best_test_loss = float(test_loss)
            epochs_without_improvement = 0
          else:
            epochs_without_improvement += 1
            if epochs_without_improvement >= patience:
              print(f"Early stopping: test_loss has not improved for {patience} epochs")
              break
        `,
      );
    });

    it('the epoch that stops still prints its metrics (huggingface/peft timm LoRA notebook)', () => {
      expectFix(
        'GML216',
        `
        import torch

        def train(model, optimizer, criterion, train_dataloader, valid_dataloader, epochs):
            for epoch in range(epochs):
                model.train()
                train_loss = 0
                for batch in train_dataloader:
                    outputs = model(batch["x"])
                    loss = criterion(outputs, batch["y"])
                    train_loss += loss.detach().float()
                    loss.backward()
                    optimizer.step()
                    optimizer.zero_grad()

                model.eval()
                valid_loss = 0
                correct = 0
                for batch in valid_dataloader:
                    with torch.no_grad():
                        outputs = model(batch["x"])
                    valid_loss += criterion(outputs, batch["y"]).detach().float()
                    correct += (outputs.argmax(-1) == batch["y"]).sum().item()

                train_loss_total = (train_loss / len(train_dataloader)).item()
                valid_loss_total = (valid_loss / len(valid_dataloader)).item()
                valid_acc_total = correct / len(valid_dataloader.dataset)
                print(f"{epoch=:<2}  {train_loss_total=:.4f}  {valid_loss_total=:.4f}  {valid_acc_total=:.4f}")

        train(model, optimizer, criterion, train_dataloader, valid_dataloader, epochs=10)
        `,
        `
        import torch

        def train(model, optimizer, criterion, train_dataloader, valid_dataloader, epochs):
            # Early stopping: end training once valid_loss_total has not improved by more than min_delta for patience epochs.
            best_valid_loss_total = float("inf")
            epochs_without_improvement = 0
            patience = 5
            min_delta = 0.0
            for epoch in range(epochs):
                model.train()
                train_loss = 0
                for batch in train_dataloader:
                    outputs = model(batch["x"])
                    loss = criterion(outputs, batch["y"])
                    train_loss += loss.detach().float()
                    loss.backward()
                    optimizer.step()
                    optimizer.zero_grad()

                model.eval()
                valid_loss = 0
                correct = 0
                for batch in valid_dataloader:
                    with torch.no_grad():
                        outputs = model(batch["x"])
                    valid_loss += criterion(outputs, batch["y"]).detach().float()
                    correct += (outputs.argmax(-1) == batch["y"]).sum().item()

                train_loss_total = (train_loss / len(train_dataloader)).item()
                valid_loss_total = (valid_loss / len(valid_dataloader)).item()
                valid_acc_total = correct / len(valid_dataloader.dataset)
                print(f"{epoch=:<2}  {train_loss_total=:.4f}  {valid_loss_total=:.4f}  {valid_acc_total=:.4f}")
                if float(valid_loss_total) < best_valid_loss_total - min_delta:
                    best_valid_loss_total = float(valid_loss_total)
                    epochs_without_improvement = 0
                else:
                    epochs_without_improvement += 1
                    if epochs_without_improvement >= patience:
                        print(f"Early stopping: valid_loss_total has not improved for {patience} epochs")
                        break

        train(model, optimizer, criterion, train_dataloader, valid_dataloader, epochs=10)
        `,
      );
    });

    it('the check goes before a statement that can skip the rest of the epoch, and stays in the branch that measures', () => {
      expectFix(
        'GML216',
        `
        import torch

        for epoch in range(100):
            train_one_epoch(model, train_loader, optimizer)
            val_loss = evaluate(model, val_loader)
            print(f"epoch {epoch}: {val_loss:.4f}")
            if epoch < warmup:
                continue
            scheduler.step()

        def train_one_epoch(model, loader, optimizer):
            for x, y in loader:
                optimizer.zero_grad()
                loss_fn(model(x), y).backward()
                optimizer.step()
        `,
        `
        import torch

        # Early stopping: end training once val_loss has not improved by more than min_delta for patience epochs.
        best_val_loss = float("inf")
        epochs_without_improvement = 0
        patience = 5
        min_delta = 0.0
        for epoch in range(100):
            train_one_epoch(model, train_loader, optimizer)
            val_loss = evaluate(model, val_loader)
            print(f"epoch {epoch}: {val_loss:.4f}")
            if float(val_loss) < best_val_loss - min_delta:
                best_val_loss = float(val_loss)
                epochs_without_improvement = 0
            else:
                epochs_without_improvement += 1
                if epochs_without_improvement >= patience:
                    print(f"Early stopping: val_loss has not improved for {patience} epochs")
                    break
            if epoch < warmup:
                continue
            scheduler.step()

        def train_one_epoch(model, loader, optimizer):
            for x, y in loader:
                optimizer.zero_grad()
                loss_fn(model(x), y).backward()
                optimizer.step()
        `,
      );
      expectFix(
        'GML216',
        `
        import torch

        for epoch in range(100):
            train_one_epoch(model, train_loader, optimizer)
            if epoch % 5 == 0:
                val_loss = evaluate(model, val_loader)
                print(f"epoch {epoch}: {val_loss:.4f}")
            scheduler.step()

        def train_one_epoch(model, loader, optimizer):
            for x, y in loader:
                optimizer.zero_grad()
                loss_fn(model(x), y).backward()
                optimizer.step()
        `,
        `
        import torch

        # Early stopping: end training once val_loss has not improved by more than min_delta for patience epochs.
        best_val_loss = float("inf")
        epochs_without_improvement = 0
        patience = 5
        min_delta = 0.0
        for epoch in range(100):
            train_one_epoch(model, train_loader, optimizer)
            if epoch % 5 == 0:
                val_loss = evaluate(model, val_loader)
                print(f"epoch {epoch}: {val_loss:.4f}")
                if float(val_loss) < best_val_loss - min_delta:
                    best_val_loss = float(val_loss)
                    epochs_without_improvement = 0
                else:
                    epochs_without_improvement += 1
                    if epochs_without_improvement >= patience:
                        print(f"Early stopping: val_loss has not improved for {patience} epochs")
                        break
            scheduler.step()

        def train_one_epoch(model, loader, optimizer):
            for x, y in loader:
                optimizer.zero_grad()
                loss_fn(model(x), y).backward()
                optimizer.step()
        `,
      );
    });

    it('from a tuple of train, validation and test metrics, the validation one is monitored', () => {
      const text = [
        'import torch',
        'for epoch in range(1, 1001):',
        '    loss = train()',
        '    train_acc, val_acc, test_acc = test()',
        '    print(epoch, loss, train_acc, val_acc, test_acc)',
        'def train():',
        '    optimizer.zero_grad()',
        '    loss = F.cross_entropy(model(x), y)',
        '    loss.backward()',
        '    optimizer.step()',
        '    return float(loss)',
        '',
      ].join('\n');
      const fixed = applyFix(text, assertOne(text, 'GML216'));
      assert.match(fixed, /if float\(val_acc\) > best_val_acc \+ min_delta:/);
      assert.doesNotMatch(fixed, /best_train_acc|best_test_acc/);
    });

    it('from a tuple an evaluation call returns on held-out data alone, the loss is monitored', () => {
      const text = 'import torch\nfor epoch in range(100):\n    train_one_epoch(model, train_loader, optimizer)\n    loss, acc = evaluate(model, val_loader)\ndef train_one_epoch(model, loader, optimizer):\n    for x, y in loader:\n        optimizer.zero_grad()\n        loss_fn(model(x), y).backward()\n        optimizer.step()\n';
      const fixed = applyFix(text, assertOne(text, 'GML216'));
      assert.match(fixed, /if float\(loss\) < best_loss - min_delta:/);
      assert.doesNotMatch(fixed, /best_acc/);
    });

    it('no fix from a tuple whose names do not tell which value is held out, and whose data does not either', () => {
      for (const call of ['evaluate(model, loader)', 'evaluate(model, train_loader, val_loader)', 'evaluate(model, data=trainloader)']) {
        const text = `import torch\nfor epoch in range(100):\n    train_one_epoch(model, train_loader, optimizer)\n    loss, acc = ${call}\ndef train_one_epoch(model, loader, optimizer):\n    for x, y in loader:\n        optimizer.zero_grad()\n        loss_fn(model(x), y).backward()\n        optimizer.step()\n`;
        const f = assertOne(text, 'GML216');
        assert.equal(f.severity, 'warning', call);
        assert.deepEqual(f.fixes, [], call);
      }
    });

    it('no fix when the metric lives in an object, or its name does not say which way is better', () => {
      for (const text of [
        'import torch\nfor epoch in range(10):\n    for b in train_dl:\n        accelerator.backward(model(**b).loss)\n        optimizer.step()\n    for b in eval_dl:\n        metric.add_batch(predictions=model(**b).logits.argmax(-1), references=b["labels"])\n    eval_metric = metric.compute()\n',
        'import torch\nfor epoch in range(10):\n    for x, y in loader:\n        opt.zero_grad()\n        crit(model(x), y).backward()\n        opt.step()\n    val_result = evaluate(model, val_loader)\n',
        'import tensorflow as tf\nfor epoch in range(20):\n    test_accuracy = tf.keras.metrics.SparseCategoricalAccuracy()\n    for x, y in train_ds:\n        train_step(x, y)\n    for x, y in test_ds:\n        test_accuracy.update_state(y, model(x))\n@tf.function\ndef train_step(x, y):\n    with tf.GradientTape() as tape:\n        loss = loss_fn(y, model(x))\n    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))\n',
      ]) {
        const f = assertOne(text, 'GML216');
        assert.equal(f.severity, 'warning', text);
        assert.deepEqual(f.fixes, [], text);
      }
    });

    it('under a StepLR stepped once per epoch, a patience of at least its step, so the run can reach the next rate drop', () => {
      expectFix(
        'GML216',
        `
        import torch
        from torch.optim.lr_scheduler import StepLR

        scheduler = StepLR(optimizer, step_size=30, gamma=0.1)
        for epoch in range(90):
            for x, y in train_loader:
                optimizer.zero_grad()
                loss_fn(model(x), y).backward()
                optimizer.step()
            scheduler.step()
            acc1 = validate(val_loader, model)
        `,
        `
        import torch
        from torch.optim.lr_scheduler import StepLR

        scheduler = StepLR(optimizer, step_size=30, gamma=0.1)
        # Early stopping: end training once acc1 has not improved by more than min_delta for patience epochs.
        best_acc1 = float("-inf")
        epochs_without_improvement = 0
        patience = 30
        min_delta = 0.0
        for epoch in range(90):
            for x, y in train_loader:
                optimizer.zero_grad()
                loss_fn(model(x), y).backward()
                optimizer.step()
            scheduler.step()
            acc1 = validate(val_loader, model)
            if float(acc1) > best_acc1 + min_delta:
                best_acc1 = float(acc1)
                epochs_without_improvement = 0
            else:
                epochs_without_improvement += 1
                if epochs_without_improvement >= patience:
                    print(f"Early stopping: acc1 has not improved for {patience} epochs")
                    break
        `,
      );
    });
  });
});
