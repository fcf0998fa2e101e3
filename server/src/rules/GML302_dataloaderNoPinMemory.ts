import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import type { TextEdit } from '../analysis/types';
import { truthiness } from '../analysis/values';
import { batchCopiesToDevice, collateMovesToDevice } from '../frameworks/batches';
import { DEVICE_FACTS, trainingDevice } from '../frameworks/device';
import { DATALOADER_COLLATE_FN, DATALOADER_PIN_MEMORY, DATALOADERS, isInMemoryDataset } from '../frameworks/torch';
import { holdsForValue } from '../frameworks/parameters';
import { isTrainerRun, loaderFeedsTraining, trainingConsumers } from '../frameworks/training';
import { defineRule } from './rule';

/**
 * ## What it flags
 *
 * A PyTorch `DataLoader` without `pin_memory=True` (absent, or `False`) that feeds training — a
 * loop that calls `.backward()` and an optimizer step (directly, in a function it calls, or in a
 * function the loader is passed to — a call that hands it over, not a function whose parameter only
 * shares the loader's name; a loader a same-file function builds and returns counts where
 * a call of that function feeds training — returned alone, or in a tuple its caller unpacks,
 * `train_loader, val_loader = get_loaders(…)` — and a loader kept in a dict — `{x: DataLoader(…) for x in
 * phases}`, `{"train": train_loader, …}` — where the loop iterates its items, `dataloaders[phase]`;
 * a loader built right in the call counts too, `trainer.fit(model, DataLoader(…))`),
 * a Lightning `Trainer.fit`, a LightningModule's or
 * LightningDataModule's `train_dataloader` hook, or an Ignite trainer's `run` — in a script that
 * trains on CUDA or picks its device when it runs: it names `"cuda"`, calls `.cuda()` or a
 * `torch.cuda` function, chooses with `torch.cuda.is_available()` or `torch.accelerator`, moves
 * batches to a device passed in, or hands placement to Accelerate's `Accelerator`, Lightning's
 * `Trainer`, `Fabric` or `LightningCLI` (unless told the CPU, `accelerator="cpu"`; a Trainer written
 * for Lightning 1.x — a `gpus=` argument, or hooks 2.0 removed — that asks for no GPU, `Trainer()`,
 * `gpus=0` or `gpus=None`, trains on the CPU: 1.x did unless given one). A script that never leaves the CPU
 * (a device chosen and never used included: nothing moved with `.to(device)` / `.cuda()`), or
 * that hides every GPU before importing torch (a literal `os.environ["CUDA_VISIBLE_DEVICES"] = ""`
 * or `"-1"` at module level), is left alone (pinning only speeds up copies to a GPU), and so is a `pin_memory` that is not a
 * literal (`pin_memory=args.pin_mem`, `pin_memory=torch.cuda.is_available()`, `**loader_kwargs`),
 * and a loader over a `TensorDataset` (or a `random_split` / `Subset` of one; in a factory function,
 * when every call of it passes one): tensors already in
 * memory are small per item, and the better fix there is to move them to the GPU once. The
 * `target-device` setting, when set, overrides what the script says.
 *
 * A loader whose `collate_fn` copies each batch to the device itself (`.to(device)` or `.cuda()` in
 * a function of this file given by name, in a lambda or a function the lambda calls, or in a
 * `functools.partial` of one) is still reported, with no fix: that copy goes from pageable memory
 * and holds up training as the rule describes, but the loader pins after the `collate_fn` has run,
 * and CUDA tensors cannot be pinned (`pin_memory=True` would raise "cannot pin
 * 'torch.cuda.FloatTensor'"). The message says to move the `.to(device)` out of the `collate_fn`
 * into the training loop first, then pin.
 *
 * ## Why
 *
 * A batch the loader builds lives in pageable host memory. To copy it to the GPU, the CUDA driver
 * first copies it into a page-locked (pinned) staging buffer and then transfers that, and the copy
 * blocks the training process until it is done. With `pin_memory=True` the loader puts each batch
 * in pinned memory as it is made, so the transfer goes directly by DMA, and with
 * `.to(device, non_blocking=True)` it runs asynchronously: the CPU goes on to the next step while
 * the data travels. NVIDIA's guide measures pinned transfers at about twice the bandwidth of
 * pageable ones on its test system; PyTorch's performance tuning guide recommends
 * `pin_memory=True` with `non_blocking=True` for GPU training. What this saves depends on how much
 * of a step the copy takes: the most for large batches (images, audio) and small models, little
 * for token-id batches feeding a large model. So the finding is information, not a warning.
 *
 * ## Example
 *
 * ```python
 * import torch
 * from torch.utils.data import DataLoader
 * from torchvision import datasets, transforms
 *
 * device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
 * train_set = datasets.CIFAR10("data", train=True, download=True, transform=transforms.ToTensor())
 * train_loader = DataLoader(train_set, batch_size=128, shuffle=True, num_workers=4)
 * model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 32 * 32, 10)).to(device)
 * optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
 * for epoch in range(10):
 *     for images, labels in train_loader:
 *         images, labels = images.to(device), labels.to(device)
 *         optimizer.zero_grad()
 *         loss = torch.nn.functional.cross_entropy(model(images), labels)
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
 *
 * device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
 * train_set = datasets.CIFAR10("data", train=True, download=True, transform=transforms.ToTensor())
 * train_loader = DataLoader(train_set, batch_size=128, shuffle=True, num_workers=4, pin_memory=True)
 * model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 32 * 32, 10)).to(device)
 * optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
 * for epoch in range(10):
 *     for images, labels in train_loader:
 *         images, labels = images.to(device, non_blocking=True), labels.to(device, non_blocking=True)
 *         optimizer.zero_grad()
 *         loss = torch.nn.functional.cross_entropy(model(images), labels)
 *         loss.backward()
 *         optimizer.step()
 * ```
 *
 * ## Fix safety
 *
 * Safe. Pinning changes where a batch sits in host memory, not its values; on a machine with no
 * GPU PyTorch warns and does not pin. The fix also adds `non_blocking=True` to the `.to(device)` /
 * `.cuda()` copies of the loader's batches inside the training loops it found (not when the loader
 * has a `collate_fn`, whose batches may be objects with a `.to` of their own): a copy to the GPU
 * is queued on the same CUDA stream as the kernels that use it, so they still see the whole batch.
 * Copies back to the host (`.cpu()`, `.to("cpu")`) are never touched: there a non-blocking copy
 * could be read before it arrives. Nor are dtype casts (`.to(torch.float16)`, `.to(weight_dtype)`
 * where `weight_dtype` is assigned a torch dtype, `.to(x.dtype)`), which copy nothing to the GPU. A dataset whose items are already CUDA tensors cannot be pinned
 * (`RuntimeError: cannot pin`): the rule leaves `TensorDataset`s alone and offers no fix for a
 * `collate_fn` of this file that moves batches to the GPU, but cannot see inside a custom `Dataset`
 * (one that moves its items to the GPU itself is rare, and also breaks `num_workers > 0`).
 *
 * ## Measured here
 *
 * Needs a GPU: not measured here (no GPU was lent to the task that wrote this rule; on a CPU the
 * loader does not pin and the copies are no-ops). The figures in *Why* are NVIDIA's and PyTorch's.
 *
 * ## References
 *
 * - PyTorch, *torch.utils.data — Memory Pinning*: https://pytorch.org/docs/stable/data.html#memory-pinning
 * - PyTorch, *Performance Tuning Guide — Use pinned memory and non_blocking copies*: https://pytorch.org/tutorials/recipes/recipes/tuning_guide.html
 * - PyTorch, *A guide on good usage of non_blocking and pin_memory() in PyTorch*: https://pytorch.org/tutorials/intermediate/pinmem_nonblock.html
 * - NVIDIA, *How to Optimize Data Transfers in CUDA C/C++* (pinned vs pageable bandwidth): https://developer.nvidia.com/blog/how-optimize-data-transfers-cuda-cc/
 */
export const dataloaderNoPinMemory = defineRule({
  code: 'GML302',
  name: 'dataloader-no-pin-memory',
  summary: 'A `DataLoader` feeding CUDA training does not pin its batches (`pin_memory=True`), so every copy to the GPU is staged and synchronous.',
  defaultSeverity: 'information',
  frameworks: ['torch'],
  fixSafety: 'safe',
  facts: DEVICE_FACTS,
  check({ model, sites, facts, options, edits, report }) {
    // The loaders first: the device is a question about the whole file, asked only when there is one.
    const loaders = sites.callsTo(DATALOADERS);
    if (loaders.length === 0) return;
    const device = options.targetDevice ?? trainingDevice(facts);
    if (device !== 'cuda' && device !== 'runtime') return;
    // Loaders of one file often share their loops (`train_loader` re-bound, passed to one train()): each loop is read once per check.
    const trains = new Map<number, boolean>();
    const copiesIn = new Map<number, CallSite[]>();
    for (const loader of loaders) {
      if (!loader.argumentList || loader.presence('pin_memory', DATALOADER_PIN_MEMORY) === 'unknown') continue;
      const pinned = loader.valueOf('pin_memory', DATALOADER_PIN_MEMORY);
      if (pinned !== undefined && truthiness(pinned) !== false) continue;
      const dataset = loader.argument('dataset', 0);
      if (dataset && holdsForValue(model, dataset, (d) => isInMemoryDataset(model, d))) continue;
      if (!loaderFeedsTraining(model, loader)) continue;
      const trainerRun = (call: CallSite) => isTrainerRun(model, call);
      const given = loader.argument('pin_memory', DATALOADER_PIN_MEMORY);
      const where = device === 'cuda' || options.targetDevice ? 'the script trains on CUDA' : 'the script picks its device at run time (a GPU when there is one)';
      // Batches the collate_fn already put on the GPU cannot be pinned: the copy has to leave it first.
      if (collateMovesToDevice(model, loader)) {
        report({
          node: loader.callee,
          message:
            `DataLoader has no pin_memory=True and ${where}, but its collate_fn copies each batch to the device itself, from pageable memory, ` +
            "while training waits. Pinning takes CPU tensors only (on CUDA tensors it raises \"cannot pin\"): move the .to(device) out of the collate_fn " +
            'into the training loop first, then pin the batches (pin_memory=True) and copy them with non_blocking=True.',
          fixes: [],
        });
        continue;
      }
      const changes: TextEdit[] = [given ? edits.replace(given, 'True') : edits.addKeywordArguments(loader, [['pin_memory', 'True']])];
      // Batches of a custom collate_fn may be objects whose `.to` takes no non_blocking.
      // Every training loop that iterates this loader (deciding needed only the first).
      const copies =
        loader.presence('collate_fn', DATALOADER_COLLATE_FN) === 'absent' ? uniqueCopies(model, trainingConsumers(model, loader, trainerRun, { sameValue: true, trains }).loops, copiesIn) : [];
      for (const copy of copies) changes.push(edits.addKeywordArguments(copy, [['non_blocking', 'True']]));
      report({
        node: loader.callee,
        message:
          `DataLoader ${given ? 'sets pin_memory=False' : 'has no pin_memory=True'} and ${where}: each batch is copied from pageable memory ` +
          'through a staging buffer, and the copy holds up the training process. Pinned batches copy directly and can overlap computation; the gain depends on batch size and the GPU.',
        fixes: [
          {
            title: copies.length ? 'Pin the batches (pin_memory=True) and copy them with non_blocking=True' : 'Pin the batches: pin_memory=True',
            edits: changes,
          },
        ],
      });
    }
  },
});

/** The device copies of the batches in these loops, each once, that do not say `non_blocking` yet. */
function uniqueCopies(model: Semantic, loops: readonly Node[], copiesIn: Map<number, CallSite[]>): CallSite[] {
  const seen = new Map<number, CallSite>();
  for (const loop of loops) {
    let copies = copiesIn.get(loop.id);
    if (!copies) copiesIn.set(loop.id, (copies = batchCopiesToDevice(model, loop)));
    for (const copy of copies) {
      if (copy.presence('non_blocking') === 'absent' && copy.argumentList) seen.set(copy.node.id, copy);
    }
  }
  return [...seen.values()].sort((a, b) => a.node.startIndex - b.node.startIndex);
}
