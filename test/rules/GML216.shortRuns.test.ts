import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyFix, findings, useParser } from '../helpers/analysis';
import { expectFindings, expectNone } from '../helpers/markers';

useParser();

// How long a loop trains: a short run (3 to 9 epochs) gets information with a patience that can act,
// one or two epochs nothing; a count that is not a literal is read from the function's callers or an
// argparse default, else unknown.
describe('GML216 loop-no-early-stopping', () => {
  describe('short runs and epoch counts', () => {
    it('a short loop of 3 to 9 epochs that validates every epoch: information, with the honest bound', () => {
      const [f] = expectFindings(`
        import torch

        epochs = 3
        for epoch in tqdm(range(epochs)):
        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML216: With 3 epochs, stopping on the validation metric can save at most the last 1
            model.train()
            for X, y in train_dataloader:
                loss = loss_fn(model(X), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            test_loss, test_acc = 0, 0
            model.eval()
            with torch.inference_mode():
                for X, y in test_dataloader:
                    test_pred = model(X)
                    test_loss += loss_fn(test_pred, y)
                test_loss /= len(test_dataloader)
      `);
      assert.equal(f.severity, 'information');
      assert.match(f.message, /not improved for 1 epoch \(/);
      const [nine] = findings(`import torch\nfor epoch in range(9):\n    for x, y in loader:\n        opt.zero_grad()\n        crit(model(x), y).backward()\n        opt.step()\n    val_loss = evaluate(model, val_loader)\n`, 'GML216');
      assert.equal(nine.severity, 'information');
      assert.match(nine.message, /With 9 epochs, stopping on the validation metric can save at most the last 7/);
      assert.match(nine.message, /not improved for 2 epochs/);
    });

    it('a short GradientTape loop, the count through a name, with test_step on the test set each epoch', () => {
      const [f] = expectFindings(`
        import tensorflow as tf

        @tf.function
        def train_step(images, labels):
            with tf.GradientTape() as tape:
                loss = loss_object(labels, model(images, training=True))
            gradients = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(gradients, model.trainable_variables))

        @tf.function
        def test_step(images, labels):
            test_loss(loss_object(labels, model(images, training=False)))

        EPOCHS = 5
        for epoch in range(EPOCHS):
        ^^^^^^^^^^^^^^^^^^^^^^^^^^ GML216: With 5 epochs
            for images, labels in train_ds:
                train_step(images, labels)
            for test_images, test_labels in test_ds:
                test_step(test_images, test_labels)
      `);
      assert.equal(f.severity, 'information');
    });

    it('a short loop whose count is a look-alike range() defined in the file: quiet', () => {
      expectNone('GML216', `
        import torch

        def range(n):
            return [n]

        for epoch in range(5):
            for x, y in loader:
                opt.zero_grad()
                crit(model(x), y).backward()
                opt.step()
            val_loss = evaluate(model, val_loader)
      `);
    });

    // A function's epoch count is the one its callers pass: with 5 epochs a patience of 5 could never stop.
    const trainClassifier = (calls: string) => `import torch

def train_classifier(model, train_loader, val_loader, optimizer, num_epochs):
    for epoch in range(num_epochs):
        model.train()
        for input_batch, target_batch in train_loader:
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(input_batch), target_batch)
            loss.backward()
            optimizer.step()
        val_loss = evaluate(model, val_loader)
        print(f"Epoch {epoch + 1}: val loss {val_loss:.3f}")

${calls}
`;

    it('an epoch count that the only call passes (5): information with the bound and a patience of 1', () => {
      const [f] = findings(trainClassifier('train_classifier(model, train_loader, val_loader, optimizer, num_epochs=5)'), 'GML216');
      assert.equal(f.severity, 'information');
      assert.match(f.message, /trains for 5 epochs/);
      assert.match(f.message, /With 5 epochs, stopping on the validation metric can save at most the last 3/);
      assert.match(f.message, /not improved for 1 epoch \(/);
      assert.match(f.fixes[0].title, /for 1 epoch /);
      assert.match(applyFix(trainClassifier('train_classifier(model, train_loader, val_loader, optimizer, num_epochs=5)'), f), /\n    patience = 1\n/);
    });

    it('an epoch count that every call passes the same (7, by position): patience 2', () => {
      const [f] = findings(trainClassifier('train_classifier(model, train_loader, val_loader, optimizer, 7)\ntrain_classifier(model2, train_loader, val_loader, optimizer2, 7)'), 'GML216');
      assert.equal(f.severity, 'information');
      assert.match(f.message, /With 7 epochs/);
      assert.match(f.message, /not improved for 2 epochs/);
    });

    it('an epoch count that the only call passes (20): a warning with a patience of 5', () => {
      const [f] = findings(trainClassifier('train_classifier(model, train_loader, val_loader, optimizer, num_epochs=20)'), 'GML216');
      assert.equal(f.severity, 'warning');
      assert.match(f.message, /trains for 20 epochs/);
      assert.match(f.fixes[0].title, /for 5 epochs/);
    });

    it('calls that pass different epoch counts (5 and 50): unknown, information without a short-run bound', () => {
      const [f] = findings(trainClassifier('train_classifier(model, train_loader, val_loader, optimizer, num_epochs=5)\ntrain_classifier(model, train_loader, val_loader, optimizer, num_epochs=50)'), 'GML216');
      assert.equal(f.severity, 'information');
      assert.match(f.message, /fixed in advance \(`range\(num_epochs\)`\)/);
      assert.doesNotMatch(f.message, /can save at most/);
      assert.match(f.fixes[0].title, /for 5 epochs/);
    });

    it('an epoch count from an argparse default: 2 is quiet, 100 information (the command line may give another count)', () => {
      const script = (epochs: number) => `import argparse
import torch

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=${epochs})
args = parser.parse_args()
for epoch in range(args.epochs):
    for x, y in train_loader:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    val_loss = evaluate(model, val_loader)
`;
      assert.deepEqual(findings(script(2), 'GML216'), []);
      assert.deepEqual(findings(script(100), 'GML216').map((f) => [f.severity, /trains for 100 epochs/.test(f.message)]), [['information', true]]);
    });

    it('an epoch count that is not a literal is unknown: information, not a warning', () => {
      const loop = (count: string) =>
        `import torch\nfor epoch in range(${count}):\n    for x, y in loader:\n        optimizer.zero_grad()\n        loss_fn(model(x), y).backward()\n        optimizer.step()\n    val_loss = evaluate(model, val_loader)\n`;
      assert.deepEqual(findings(loop('args.epochs'), 'GML216').map((f) => f.severity), ['information']);
      assert.deepEqual(findings(loop('50'), 'GML216').map((f) => f.severity), ['warning']);
    });

    it('one or two epochs, literal or through a name: nothing a stop could save', () => {
      expectNone('GML216', `
        import torch

        NUM_EPOCHS = 2
        for epoch in range(NUM_EPOCHS):
            for x, y in loader:
                optimizer.zero_grad()
                loss_fn(model(x), y).backward()
                optimizer.step()
            val_loss = evaluate(model, val_loader)

        for epoch in range(1, 2):
            for x, y in loader:
                optimizer.zero_grad()
                loss_fn(model(x), y).backward()
                optimizer.step()
            evaluate(model, val_loader)
      `);
    });

    it('a short loop (3 to 9 epochs) that validates nothing: quiet, unlike a long one', () => {
      const gan = (count: string) => `
        import torch

        for epoch in range(${count}):
            for real, _ in loader:
                opt_d.zero_grad()
                criterion(disc(real), ones).backward()
                opt_d.step()
      `;
      expectNone('GML216', gan('5'));
      expectNone('GML216', gan('3'));
      assert.deepEqual(findings(gan('10'), 'GML216').map((f) => f.severity), ['information']);
    });

    it('validation under `if validate:` that every call of the function turns off measures nothing: a short loop stays quiet', () => {
      const run = (call: string, count = '5') => `
        import torch

        def train_model(model, train_loader, valid_loader, validate=True):
            optimizer = torch.optim.Adam(model.parameters())
            for epoch in range(${count}):
                model.train()
                for xb, yb in train_loader:
                    loss = torch.nn.functional.mse_loss(model(xb), yb)
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
                if validate:
                    with torch.no_grad():
                        val_loss = sum(torch.nn.functional.mse_loss(model(xb), yb).item() for xb, yb in valid_loader)
                    print(epoch, val_loss)

        ${call}
      `;
      expectNone('GML216', run('train_model(model, train_loader, valid_loader, validate=False)'));
      expectNone('GML216', run('train_model(model, train_loader, valid_loader, False)\ntrain_model(model2, train_loader, valid_loader, validate=False)'));
      // A long run that validates nothing: information, asking for a validation split, with no fix.
      const [long] = findings(run('train_model(model, train_loader, valid_loader, validate=False)', '50'), 'GML216');
      assert.match(long.message, /measures nothing on held-out data/);
      assert.equal(long.fixes.length, 0);
      // A call that validates, passes nothing (the default), or passes a flag that is not a literal: it may validate.
      for (const call of [
        'train_model(model, train_loader, valid_loader, validate=True)',
        'train_model(model, train_loader, valid_loader)',
        'train_model(model, train_loader, valid_loader, validate=False)\ntrain_model(model, train_loader, valid_loader, validate=True)',
        'train_model(model, train_loader, valid_loader, validate=args.validate)',
      ]) {
        const [f] = findings(run(call), 'GML216');
        assert.ok(f, call);
        assert.match(f.message, /evaluates on validation data every epoch/, call);
      }
      // A function the file never calls: unknown, so it may validate.
      assert.match(findings(run(''), 'GML216')[0].message, /evaluates on validation data every epoch/);
    });

    it('also through an evaluation function called only under the flag', () => {
      expectNone('GML216', `
        import torch

        def evaluate(model, loader):
            with torch.no_grad():
                return sum(torch.nn.functional.mse_loss(model(x), y).item() for x, y in loader)

        def fit(model, loader, optimizer, do_eval=True):
            for epoch in range(5):
                for x, y in loader:
                    optimizer.zero_grad()
                    torch.nn.functional.mse_loss(model(x), y).backward()
                    optimizer.step()
                if do_eval and epoch % 2 == 0:
                    evaluate(model, val_loader)

        fit(model, train_loader, optimizer, do_eval=False)
      `);
    });

    it('`range(1, N + 1)` and `range(start, start + N)` run N epochs', () => {
      const loop = (count: string, before = '') => `
        import torch
        ${before}
        def train(model, loader, optimizer, epochs):
            for epoch in ${count}:
                for x, y in loader:
                    optimizer.zero_grad()
                    torch.nn.functional.mse_loss(model(x), y).backward()
                    optimizer.step()
                val_loss = evaluate(model, val_loader)

        train(model, train_loader, optimizer, epochs=5)
      `;
      for (const count of ['range(1, epochs + 1)', 'range(1, 1 + epochs)', 'range(start, start + epochs)']) {
        const [f] = findings(loop(count, 'start = 3'), 'GML216');
        assert.ok(f, count);
        assert.equal(f.severity, 'information', count);
        assert.match(f.message, /trains for 5 epochs .* With 5 epochs/, count);
      }
      // Not a length: `range(2, epochs + 1)` runs epochs − 1, `range(start, epochs)` ends at the count.
      for (const count of ['range(2, epochs + 1)', 'range(start, epochs)']) {
        const [f] = findings(loop(count), 'GML216');
        assert.match(f.message, /a number of epochs fixed in advance/, count);
      }
    });
  });
});
