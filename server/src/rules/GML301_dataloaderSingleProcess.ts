import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { TextEdit } from '../analysis/types';
import { numberValue } from '../analysis/values';
import { isPreparedHubDataset } from '../frameworks/hfDatasets';
import { cachesEveryItem } from '../frameworks/itemCache';
import { DATALOADERS, DATALOADER_NUM_WORKERS, isInMemoryDataset, viewedDataset } from '../frameworks/torch';
import { holdsForValue } from '../frameworks/parameters';
import { loaderFeedsTraining } from '../frameworks/training';
import { collateMovesToDevice } from '../frameworks/batches';
import { DEVICE_FACTS, trainingDevice } from '../frameworks/device';
import { defineRule } from './rule';

/**
 * Whether the loader's dataset is tensors already in memory (nothing to load per item, so workers
 * would only add overhead), or keeps every item it loads in the process (workers would each fill
 * their own copy of that cache).
 */
function inMemory(model: Semantic, loader: CallSite): boolean {
  const dataset = loader.argument('dataset', 0);
  // A factory's `dataset` parameter stands for what every call of the factory passes.
  return !!dataset && holdsForValue(model, dataset, (d) => isInMemoryDataset(model, d) || isPreparedHubDataset(model, d) || cachesEveryItem(model, viewedDataset(model, d)));
}

/** Devices on which workers buy time, not energy (see "Measured here"). */
const CPU_ONLY = new Set(['cpu', 'none']);

/**
 * ## What it flags
 *
 * A PyTorch `DataLoader` that loads in the training process — `num_workers` absent or `0` — and
 * feeds a training loop: a loop that calls `.backward()` and an optimizer step (directly, in a
 * function it calls, or in a function the loader is passed to — a call that hands it over, not a
 * function whose parameter only shares the loader's name: a `dataloader` peeked at with
 * `next(iter(dataloader))` next to `def train(dataloader): …` called with another loader is left
 * alone; a loader a same-file function builds
 * and returns counts where a call of that function feeds training — returned alone, or in a tuple
 * its caller unpacks, `train_loader, val_loader = get_loaders(…)` — and a loader kept in a dict —
 * `{x: DataLoader(…) for x in phases}`, `{"train": train_loader, …}` — counts where the loop
 * iterates the dict's items, `dataloaders[phase]`; a loader built right in the call counts too,
 * `train(model, DataLoader(…))`, `trainer.fit(model, DataLoader(…))`), a Lightning `Trainer.fit`, a
 * LightningModule's or LightningDataModule's `train_dataloader` hook (the Trainer's `fit` iterates
 * what it returns), or an Ignite trainer's `run` (`create_supervised_trainer`, or an `Engine` whose
 * process function trains).
 * Loaders over tensors already in memory (`TensorDataset`) are left alone, and so are Hugging Face
 * `datasets` prepared ahead of time (`load_dataset(…).map(tokenize)`, then `["train"]`, or splits
 * unpacked from one `load_dataset(…, split=[…])` call): an item is a
 * row of a memory-mapped Arrow table, with nothing for workers to take over — unless the file attaches
 * a per-item transform (`set_transform` / `with_transform`). This holds for a dataset kept on `self`
 * as well (a LightningDataModule's `setup()` assigning `self.dataset = load_dataset(…)` and each
 * split's `.map(…)`), when every value the class assigns to that attribute is prepared so, and for
 * a factory function's `dataset` parameter when every call of the factory passes such a dataset. A `num_workers` that is not a literal is
 * left alone too.
 *
 * Also left alone: a loader over a Dataset class of this file that keeps every item it loads in the
 * process — its `__getitem__`, or a function or method of the file that `__getitem__` calls, memoized
 * without a bound (`@functools.cache`, `@functools.lru_cache(maxsize=None)`, a `maxsize` that is not
 * a literal), or writing each item into a dict the class starts empty (`self.cache[i] = item`),
 * also through a `random_split` part or `Subset` of it. From the second epoch on such a dataset serves its items from memory, as a `TensorDataset` does,
 * and worker processes do not share that cache: each fills its own copy (memory times the number of
 * workers, each item decoded again in every worker that meets it), and without
 * `persistent_workers` the workers and their caches end with each epoch, so every epoch would
 * decode again. Workers are then not the remedy, so the rule stays quiet rather than reporting
 * without a fix. A bounded cache (the bare `@lru_cache` keeps 128 items, or a literal `maxsize`)
 * holds only part of a data set and is flagged as before.
 *
 * A loader whose `collate_fn` copies each batch to the device itself (`.to(device)` or `.cuda()` in
 * a function of this file given by name, in a lambda or a function the lambda calls, or in a
 * `functools.partial` of one) is reported with no fix: worker processes would run that copy, and
 * CUDA cannot be initialised again in a worker forked from a process that has used it. The message
 * says to move the `.to(device)` out of the `collate_fn` into the training loop first.
 *
 * Severity: information; a hint in a script that trains on the CPU (it names only the CPU, moves
 * nothing to a device, or hides every GPU before importing torch with a literal
 * `os.environ["CUDA_VISIBLE_DEVICES"] = ""` or `"-1"`, and the `target-device` setting does not say otherwise). There the message
 * says what *Measured here* found: workers shorten the run but cost more energy.
 *
 * ## Why
 *
 * With `num_workers=0` every batch is read, decoded and transformed in the training process,
 * between optimizer steps: the GPU (or the CPU's math units) waits for data, and the run takes
 * longer while the machine draws its idle and memory power all the same. Worker processes load
 * the next batches while the current one trains. PyTorch's performance tuning guide lists
 * asynchronous data loading (`num_workers > 0`) first among its general optimizations. The gain
 * depends on how much work each item takes: nothing for tensors already in memory, most for
 * images decoded and augmented per item. So the finding is information, not a warning.
 *
 * ## Example
 *
 * ```python
 * import torch
 * from torch.utils.data import DataLoader
 * from torchvision import datasets, transforms
 *
 * train_set = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
 * train_loader = DataLoader(train_set, batch_size=64, shuffle=True)
 * model = torch.nn.Linear(784, 10)
 * optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
 * for epoch in range(10):
 *     for images, labels in train_loader:
 *         optimizer.zero_grad()
 *         loss = torch.nn.functional.cross_entropy(model(images.flatten(1)), labels)
 *         loss.backward()
 *         optimizer.step()
 * ```
 *
 * ## Fixed example
 *
 * ```python
 * import torch
 * from torch.utils.data import DataLoader
 * from torchvision import datasets, transforms
 * import os
 *
 * train_set = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
 * train_loader = DataLoader(train_set, batch_size=64, shuffle=True, num_workers=min(8, os.cpu_count() or 1), persistent_workers=True)
 * model = torch.nn.Linear(784, 10)
 * optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
 * for epoch in range(10):
 *     for images, labels in train_loader:
 *         optimizer.zero_grad()
 *         loss = torch.nn.functional.cross_entropy(model(images.flatten(1)), labels)
 *         loss.backward()
 *         optimizer.step()
 * ```
 *
 * ## Measured here
 *
 * `bench/evidence/GML301/`: a small CNN trained 2 epochs on 3,000 generated 96×96 images decoded and
 * augmented per item (torchvision `FakeData`, `RandomResizedCrop`), on the CPU. `before.py` loads in
 * the training process; `after.py` is the same script with this rule's fix applied (two workers on
 * this 2-core machine). Median of 5 runs (min–max), measured with `greenml run`:
 *
 * | | before (main process) | after (workers) |
 * |---|---|---|
 * | wall time | 13.4 s (7.9–24.7) | 11.1 s (9.9–17.1) |
 * | energy (estimated from CPU time) | 47.4 J (32.1–54.1) | 57.1 J (50.0–63.4) |
 *
 * The run finished about a sixth sooner (×0.83) but used about a fifth more CPU energy (×1.20): the
 * workers do the same loading work, in parallel, plus their own start-up. On a CPU-only machine
 * workers buy time, not energy. The saving this rule is for is on an accelerator: while the main
 * process loads a batch the GPU waits, drawing its idle power (tens of watts) for nothing, and
 * workers keep it fed — not measured here (no GPU was available). Machine: 2 vCPUs of an AMD EPYC,
 * Debian 12, torch 1.13, load average 2–4 (other work running); energy estimated from CPU time
 * (4 W per CPU-second, no RAPL). Command: `npm run build && node bench/evidence/measure.mjs --runs 5
 * --json bench/evidence/GML301/result.json bench/evidence/GML301/before.py bench/evidence/GML301/after.py`.
 *
 * ## Fix safety
 *
 * Unsafe. Workers are separate processes: the dataset must be picklable, and on platforms that
 * start processes with `spawn` (Windows, macOS) the script needs an `if __name__ == "__main__":`
 * guard, and datasets defined in a notebook cell may not load in workers. Each worker holds a copy
 * of the dataset object, so memory grows with the count (capped at 8 here).
 * `persistent_workers=True` keeps the workers between epochs instead of starting them again each
 * epoch. Random augmentations draw from each worker's own seed. No fix is offered for a loader whose
 * `collate_fn` (one this file defines) moves batches to the GPU (see *What it flags*); a custom
 * `Dataset` that does so itself is not seen.
 *
 * ## References
 *
 * - PyTorch, *torch.utils.data — Single- and Multi-process Data Loading*: https://pytorch.org/docs/stable/data.html#single-and-multi-process-data-loading
 * - PyTorch, *Performance Tuning Guide — Enable asynchronous data loading and augmentation*: https://pytorch.org/tutorials/recipes/recipes/tuning_guide.html
 */
export const dataloaderSingleProcess = defineRule({
  code: 'GML301',
  name: 'dataloader-single-process',
  summary: 'A `DataLoader` feeding a training loop loads every batch in the training process (`num_workers` absent or 0).',
  defaultSeverity: 'information',
  frameworks: ['torch'],
  fixSafety: 'unsafe',
  facts: DEVICE_FACTS,
  check({ model, sites, facts, options, edits, report }) {
    // Read once, and only for a loader that would be reported (the device facts read the whole file).
    let onCpu: boolean | undefined;
    const cpuOnly = () => (onCpu ??= CPU_ONLY.has(options.targetDevice ?? trainingDevice(facts)));
    for (const loader of sites.callsTo(DATALOADERS)) {
      if (!loader.argumentList || loader.presence('num_workers', DATALOADER_NUM_WORKERS) === 'unknown') continue;
      const workers = loader.valueOf('num_workers', DATALOADER_NUM_WORKERS);
      if (workers !== undefined && numberValue(workers) !== 0) continue;
      if (inMemory(model, loader) || !loaderFeedsTraining(model, loader)) continue;
      const cpu = cpuOnly();
      const loads = `DataLoader ${workers === undefined ? 'has no num_workers' : 'sets num_workers=0'}, so every batch is loaded in the training process while training waits for it`;
      // Workers would run the collate_fn, and with it CUDA, in processes forked from one that has used it already.
      if (collateMovesToDevice(model, loader)) {
        report({
          node: loader.callee,
          severity: cpu ? 'hint' : undefined,
          message:
            `${loads}. Its collate_fn copies each batch to the device, which worker processes cannot do (CUDA cannot be initialised again in a forked worker): ` +
            'move the .to(device) out of the collate_fn into the training loop first, then load the batches in worker processes (num_workers).',
          fixes: [],
        });
        continue;
      }
      const imports = edits.importer(loader.node);
      const os = imports.module('os');
      const given = loader.argument('num_workers', DATALOADER_NUM_WORKERS);
      const workersText = `min(8, ${os.name}.cpu_count() or 1)`;
      const changes: TextEdit[] = [];
      const added: Array<[string, string]> = [];
      if (given) changes.push(edits.replace(given, workersText));
      else added.push(['num_workers', workersText]);
      if (loader.presence('persistent_workers') === 'absent') added.push(['persistent_workers', 'True']);
      if (added.length) changes.push(edits.addKeywordArguments(loader, added));
      if (os.edit) changes.push(os.edit);
      report({
        node: loader.callee,
        severity: cpu ? 'hint' : undefined,
        message:
          `${loads}; worker processes would load the next batches during each step. ` +
          (cpu
            ? 'This script trains on the CPU, where workers shorten the run but take CPU time of their own: measured here, a run ×0.83 as long used ×1.2 the energy.'
            : 'The gain depends on how much work each item takes to load.'),
        fixes: [{ title: 'Load batches in worker processes: num_workers=min(8, os.cpu_count() or 1), persistent_workers=True', edits: changes }],
      });
    }
  },
});
