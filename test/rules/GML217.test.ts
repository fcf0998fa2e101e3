import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectFix, expectNone } from '../helpers/markers';

useParser();

const SETUP = `
        from ignite.engine import Events, create_supervised_evaluator, create_supervised_trainer
        from ignite.metrics import Accuracy, Loss

        trainer = create_supervised_trainer(model, optimizer, criterion, device=device)
        val_metrics = {"accuracy": Accuracy(), "nll": Loss(criterion)}
        evaluator = create_supervised_evaluator(model, metrics=val_metrics, device=device)

        @trainer.on(Events.EPOCH_COMPLETED)
        def log_validation_results(engine):
            evaluator.run(val_loader)
            print(evaluator.state.metrics["accuracy"])
`;

describe('GML217 ignite-no-early-stopping', () => {
  describe('flags', () => {
    it('a supervised trainer run for many epochs beside an evaluator', () => {
      expectFindings(`${SETUP}
        trainer.run(train_loader, max_epochs=100)
        ^^^^^^^^^^^ GML217: runs 100 epochs while an evaluator scores the model
      `);
    });

    it('max_epochs given by a command-line argument: information', () => {
      const [finding] = expectFindings(`${SETUP}
        def run(epochs):
            trainer.run(train_loader, max_epochs=epochs)
        #   ^^^^^^^^^^^ GML217: runs max_epochs epochs
      `);
      assert.equal(finding.severity, 'information');
    });

    it('a literal max_epochs: warning', () => {
      const [finding] = expectFindings(`${SETUP}
        trainer.run(train_loader, max_epochs=50)
        ^^^^^^^^^^^ GML217
      `);
      assert.equal(finding.severity, 'warning');
    });

    it('an Engine whose process function trains, and an Engine that evaluates', () => {
      expectFindings(`
        import torch
        from ignite.engine import Engine, Events

        def train_step(engine, batch):
            model.train()
            optimizer.zero_grad()
            x, y = batch
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
            return loss.item()

        def validation_step(engine, batch):
            model.eval()
            with torch.no_grad():
                x, y = batch
                return model(x), y

        trainer = Engine(train_step)
        evaluator = Engine(validation_step)

        @trainer.on(Events.EPOCH_COMPLETED)
        def run_validation():
            evaluator.run(val_loader)

        trainer.run(train_loader, 20)
        ^^^^^^^^^^^ GML217: runs 20 epochs
      `);
    });

    it('through a module alias', () => {
      expectFindings(`
        import ignite.engine as ie

        trainer = ie.create_supervised_trainer(model, optimizer, criterion)
        evaluator = ie.create_supervised_evaluator(model, metrics=metrics)
        trainer.add_event_handler(ie.Events.EPOCH_COMPLETED, lambda _: evaluator.run(val_loader))
        trainer.run(train_loader, max_epochs=30)
        ^^^^^^^^^^^ GML217
      `);
    });
  });

  describe('does not flag', () => {
    it('an EarlyStopping handler on the evaluator', () => {
      expectNone('GML217', `${SETUP}
        from ignite.handlers import EarlyStopping

        def score_function(engine):
            return engine.state.metrics["accuracy"]

        handler = EarlyStopping(patience=10, score_function=score_function, trainer=trainer)
        evaluator.add_event_handler(Events.COMPLETED, handler)
        trainer.run(train_loader, max_epochs=100)
      `);
    });

    it('a handler that terminates the trainer itself', () => {
      expectNone('GML217', `${SETUP}
        @trainer.on(Events.EPOCH_COMPLETED)
        def stop_when_good(engine):
            if evaluator.state.metrics["accuracy"] > 0.99:
                engine.terminate()

        trainer.run(train_loader, max_epochs=100)
      `);
    });

    it('no evaluator: nothing to stop on', () => {
      expectNone('GML217', `
        from ignite.engine import create_supervised_trainer

        trainer = create_supervised_trainer(model, optimizer, criterion)
        trainer.run(train_loader, max_epochs=100)
      `);
    });

    it('max_epochs left out (one epoch), or fewer than a patience of 5 could shorten', () => {
      expectNone('GML217', `${SETUP}
        trainer.run(train_loader)
        trainer.run(train_loader, max_epochs=1)
        trainer.run(train_loader, max_epochs=6)
      `);
    });

    it('an evaluator run alone', () => {
      expectNone('GML217', `
        from ignite.engine import create_supervised_evaluator

        evaluator = create_supervised_evaluator(model, metrics=metrics)
        evaluator.run(test_loader, max_epochs=3)
      `);
    });

    it('a local class whose run looks alike', () => {
      expectNone('GML217', `
        from ignite.engine import create_supervised_evaluator

        class Trainer:
            def run(self, data, max_epochs=1):
                pass

        evaluator = create_supervised_evaluator(model, metrics=metrics)
        evaluator.run(val_loader)
        trainer = Trainer()
        trainer.run(train_loader, max_epochs=100)
      `);
    });
  });

  describe('fix', () => {
    it('stops on the negated loss metric, before trainer.run', () => {
      expectFix(
        'GML217',
        `${SETUP}
        trainer.run(train_loader, max_epochs=100)
        `,
        `
        from ignite.engine import Events, create_supervised_evaluator, create_supervised_trainer
        from ignite.metrics import Accuracy, Loss
        from ignite.handlers import EarlyStopping

        trainer = create_supervised_trainer(model, optimizer, criterion, device=device)
        val_metrics = {"accuracy": Accuracy(), "nll": Loss(criterion)}
        evaluator = create_supervised_evaluator(model, metrics=val_metrics, device=device)

        @trainer.on(Events.EPOCH_COMPLETED)
        def log_validation_results(engine):
            evaluator.run(val_loader)
            print(evaluator.state.metrics["accuracy"])

        def score_function(engine):
            return -engine.state.metrics["nll"]

        evaluator.add_event_handler(Events.COMPLETED, EarlyStopping(patience=5, score_function=score_function, trainer=trainer))
        trainer.run(train_loader, max_epochs=100)
        `,
      );
    });

    it('no fix when the one evaluator also runs on the training data: the handler would count training scores', () => {
      const [finding] = expectFindings(`
        from ignite.engine import Events, create_supervised_evaluator, create_supervised_trainer
        from ignite.metrics import Accuracy, Loss

        trainer = create_supervised_trainer(model, optimizer, criterion)
        evaluator = create_supervised_evaluator(model, metrics={"accuracy": Accuracy(), "nll": Loss(criterion)})

        @trainer.on(Events.EPOCH_COMPLETED)
        def log_results(engine):
            evaluator.run(train_loader)
            print("train", evaluator.state.metrics)
            evaluator.run(val_loader)
            print("val", evaluator.state.metrics)

        trainer.run(train_loader, max_epochs=30)
        ^^^^^^^^^^^ GML217: No automatic fix: \`evaluator\` runs on \`train_loader\` and \`val_loader\`
      `);
      assert.deepEqual(finding.fixes, []);
    });

    it('no fix when the data the evaluator runs on is not named as validation data', () => {
      const [finding] = expectFindings(`
        from ignite.engine import Events, create_supervised_evaluator, create_supervised_trainer
        from ignite.metrics import Loss

        trainer = create_supervised_trainer(model, optimizer, criterion)
        evaluator = create_supervised_evaluator(model, metrics={"nll": Loss(criterion)})
        trainer.add_event_handler(Events.EPOCH_COMPLETED, lambda _: evaluator.run(loader))
        trainer.run(loader, max_epochs=30)
        ^^^^^^^^^^^ GML217: \`loader\`, the data \`evaluator\` runs on, is not named as validation data
      `);
      assert.deepEqual(finding.fixes, []);
    });

    it('attaches the handler to the evaluator run on validation data, not to one run on the training data', () => {
      expectFix(
        'GML217',
        `
        from ignite.engine import Events, create_supervised_evaluator, create_supervised_trainer
        from ignite.metrics import Loss

        trainer = create_supervised_trainer(model, optimizer, criterion)
        train_evaluator = create_supervised_evaluator(model, metrics={"nll": Loss(criterion)})
        evaluator = create_supervised_evaluator(model, metrics={"nll": Loss(criterion)})

        @trainer.on(Events.EPOCH_COMPLETED)
        def log_results(engine):
            train_evaluator.run(train_loader)
            evaluator.run(val_loader)

        trainer.run(train_loader, max_epochs=30)
        `,
        `
        from ignite.engine import Events, create_supervised_evaluator, create_supervised_trainer
        from ignite.metrics import Loss
        from ignite.handlers import EarlyStopping

        trainer = create_supervised_trainer(model, optimizer, criterion)
        train_evaluator = create_supervised_evaluator(model, metrics={"nll": Loss(criterion)})
        evaluator = create_supervised_evaluator(model, metrics={"nll": Loss(criterion)})

        @trainer.on(Events.EPOCH_COMPLETED)
        def log_results(engine):
            train_evaluator.run(train_loader)
            evaluator.run(val_loader)

        def score_function(engine):
            return -engine.state.metrics["nll"]

        evaluator.add_event_handler(Events.COMPLETED, EarlyStopping(patience=5, score_function=score_function, trainer=trainer))
        trainer.run(train_loader, max_epochs=30)
        `,
      );
    });

    it('inside a function, in its indentation, on an accuracy metric, adding Events to the existing import', () => {
      expectFix(
        'GML217',
        `
        from ignite.engine import create_supervised_evaluator, create_supervised_trainer
        from ignite.metrics import Accuracy

        def run(epochs):
          trainer = create_supervised_trainer(model, optimizer, criterion)
          evaluator = create_supervised_evaluator(model, metrics={"accuracy": Accuracy()})
          trainer.add_event_handler("epoch_completed", lambda _: evaluator.run(val_loader))
          trainer.run(train_loader, max_epochs=epochs)
        `,
        `
        from ignite.engine import create_supervised_evaluator, create_supervised_trainer, Events
        from ignite.metrics import Accuracy
        from ignite.handlers import EarlyStopping

        def run(epochs):
          trainer = create_supervised_trainer(model, optimizer, criterion)
          evaluator = create_supervised_evaluator(model, metrics={"accuracy": Accuracy()})
          trainer.add_event_handler("epoch_completed", lambda _: evaluator.run(val_loader))
          def score_function(engine):
            return engine.state.metrics["accuracy"]

          evaluator.add_event_handler(Events.COMPLETED, EarlyStopping(patience=5, score_function=score_function, trainer=trainer))
          trainer.run(train_loader, max_epochs=epochs)
        `,
      );
    });
  });
});
