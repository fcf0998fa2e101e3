import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import type { TextEdit } from '../analysis/types';
import type { Edits } from '../fixes/edits';
import { constructorCalls, localClassOf } from '../frameworks/callbacks';
import { DEVICE_FACTS, deviceOf, trainingDevice } from '../frameworks/device';
import { FASTAI_LEARNERS, makesLearner, trainsInFloat32 } from '../frameworks/fastai';
import { SUPERVISED_TRAINERS } from '../frameworks/ignite';
import { refusedByAutocast } from '../frameworks/mixedPrecision';
import { isSmallModel, skorchModuleIsSmall } from '../frameworks/modelSize';
import { ACCELERATE_MIXIN, SKORCH_NETS } from '../frameworks/skorch';
import { defineRule, type Report, type ReportedFix } from './rule';

/** Where a helper's `device=` argument puts training: on a GPU (named or picked at run time), or not. */
function onGpu(model: Semantic, call: CallSite, absent: 'gpu' | 'cpu'): boolean {
  const presence = call.presence('device');
  if (presence === 'unknown') return false;
  if (presence === 'absent') return absent === 'gpu';
  const kind = deviceOf(model, call.argument('device')!);
  return kind === 'cuda' || kind === undefined;
}

/** Learners of small tabular MLPs and embedding tables, where 16-bit Tensor Core math has little to speed up. */
const SMALL_LEARNERS: ReadonlySet<string> = new Set(['tabular_learner', 'collab_learner']);

const SAVING = 'run matrix multiplications and convolutions in 16 bits on the GPU\'s Tensor Cores, often 1.5–3× faster for the same work, so less energy per epoch';

const IGNITE_BCE_WITHHELD =
  'No fix is offered: loss_fn is binary cross-entropy on probabilities (nn.BCELoss / F.binary_cross_entropy), which Ignite\'s amp_mode="amp" step would compute under CUDA autocast, and autocast refuses it whatever the dtype. ' +
  'Switch to nn.BCEWithLogitsLoss on logits (drop the final sigmoid) first.';

function igniteTrainer(model: Semantic, call: CallSite, edits: Edits, gpuFile: boolean): Report | undefined {
  // create_supervised_trainer(model, optimizer, loss_fn, device=None, non_blocking=False, prepare_batch=…,
  //   model_transform=…, output_transform=…, deterministic=False, amp_mode=None, scaler=False, …)
  // A small model built in this file (every layer at most SMALL_MODEL_WIDTH wide) gains nothing.
  if (isSmallModel(model, call.argument('model', 0))) return undefined;
  const amp = call.valueOf('amp_mode', 9);
  if (amp === undefined ? false : amp.kind !== 'none') return undefined;
  if (!onGpu(model, call, gpuFile ? 'gpu' : 'cpu')) return undefined;
  const hasAmp = call.keywords.has('amp_mode');
  const hasScaler = call.keywords.has('scaler');
  const added: Array<[string, string]> = [];
  const changes: TextEdit[] = [];
  if (hasAmp) changes.push(edits.setKeywordArgument(call, 'amp_mode', '"amp"'));
  else added.push(['amp_mode', '"amp"']);
  if (hasScaler) changes.push(edits.setKeywordArgument(call, 'scaler', 'True'));
  else added.push(['scaler', 'True']);
  if (added.length) changes.push(edits.addKeywordArguments(call, added));
  const fix: ReportedFix = { title: 'Train with amp_mode="amp" and a gradient scaler', edits: changes };
  const message = `create_supervised_trainer trains in float32 on the GPU: amp_mode is not set. amp_mode="amp" with scaler=True makes Ignite's step ${SAVING}.`;
  // Ignite's amp step computes loss_fn under autocast, which refuses binary cross-entropy on probabilities.
  const lossFn = call.argument('loss_fn', 2);
  if (lossFn && refusedByAutocast(model, lossFn)) return { node: call.callee, message: `${message} ${IGNITE_BCE_WITHHELD}`, fixes: [] };
  return { node: call.callee, message, fixes: [fix] };
}

function fastaiLearner(learner: CallSite, edits: Edits): Report {
  const end = learner.node.endIndex;
  const fix = (method: string, why: string): ReportedFix => ({ title: `Append .${method}() to the learner${why}`, edits: [edits.insertAt(end, `.${method}()`)] });
  return {
    node: learner.callee,
    message: `This fastai learner trains in float32: no to_fp16() / to_bf16(). fastai picks the GPU when there is one, and mixed precision there would ${SAVING}.`,
    fixes: [fix('to_fp16', ' (GPUs with Tensor Cores)'), fix('to_bf16', ' (Ampere or newer GPUs)')],
  };
}

/** The class statement and call edits that make a skorch net an `AccelerateMixin` net with bf16 autocast. */
function skorchFix(model: Semantic, net: CallSite, edits: Edits): ReportedFix | undefined {
  if (net.callee.type !== 'identifier' || !net.qualifiedName) return undefined;
  let statement: Node | null = net.node;
  while (statement && model.parentOf(statement) && !['module', 'block'].includes(model.parentOf(statement)!.type)) statement = model.parentOf(statement);
  if (!statement) return undefined;
  const base = net.callee.text;
  const name = `Accelerated${base}`;
  if (model.lookup(name, net.node).length > 0) return undefined;
  const imports = edits.importer(statement);
  const mixin = imports.from('skorch.hf', 'AccelerateMixin');
  const accelerator = imports.from('accelerate', 'Accelerator');
  const line = statement.startPosition.row;
  const indent = edits.indentOf(line);
  const cls = [`${indent}class ${name}(${mixin.name}, ${base}):`, `${indent}${edits.indentUnit}"""${base} whose forward and backward passes Accelerate runs under autocast."""`, ''].join(edits.eol);
  // The imports first: one may go where the class goes (right after the import block), above it.
  const changes: TextEdit[] = [mixin, accelerator].flatMap((imported) => (imported.edit ? [imported.edit] : []));
  changes.push(edits.insertLine(line, cls), edits.replace(net.callee, name));
  // Accelerate places the module and the batches; skorch's device must then be None.
  const device = net.keywords.has('device') ? edits.setKeywordArgument(net, 'device', 'None') : edits.addKeywordArguments(net, [['device', 'None']]);
  changes.push(...mergeKeywordEdits([device, edits.addKeywordArguments(net, [['accelerator', `${accelerator.name}(mixed_precision="bf16")`]])]));
  return { title: `Train through Accelerate with bf16 autocast (skorch's AccelerateMixin)`, edits: changes };
}

/** Two keyword additions to one call would insert at the same place: join them into one edit. */
function mergeKeywordEdits(changes: TextEdit[]): TextEdit[] {
  const out: TextEdit[] = [];
  for (const c of changes) {
    const same = out.find((o) => o.range.start.line === c.range.start.line && o.range.start.character === c.range.start.character && o.range.end.line === c.range.end.line && o.range.end.character === c.range.end.character && o.range.start.line === o.range.end.line && o.range.start.character === o.range.end.character);
    if (same && c.range.start.line === c.range.end.line && c.range.start.character === c.range.end.character) same.newText += c.newText;
    else out.push(c);
  }
  return out;
}

/**
 * ## What it flags
 *
 * PyTorch training that a helper library runs for you, in float32, on a GPU:
 *
 * - **PyTorch-Ignite**: `create_supervised_trainer(…)` with no `amp_mode` (or `amp_mode=None`),
 *   training on CUDA — its `device=` names CUDA or is chosen when the script runs
 *   (`"cuda" if torch.cuda.is_available() else "cpu"`, a parameter), or is left out in a script
 *   that puts its work on a GPU. A `model` built in the file whose every layer is at most 32 wide
 *   is left alone (read as [GML101](GML101.md) reads it: the measured crossover is there).
 * - **fastai**: a learner (`Learner`, `vision_learner`, `tabular_learner`, …) trained with `fit` /
 *   `fit_one_cycle` / `fine_tune` / `fit_flat_cos` in float32. Each learner is read on its own: it
 *   trains in mixed precision when `.to_fp16()` / `.to_bf16()` is chained to its constructor or
 *   called on the name that holds it (`learn.to_fp16()`, `learn = learn.to_fp16()`) before the fit,
 *   or when a `MixedPrecision` callback is in its `cbs=`, the fit's `cbs=` or an earlier
 *   `learn.add_cb(…)`. A notebook that rebinds `learn` to a new learner in each section gets a
 *   finding for each float32 learner, whatever a later learner of the same name does; a
 *   `to_fp16()` after the name holds another learner does not count for the earlier one. A `cbs=`
 *   the file cannot read is taken to be mixed precision. fastai
 *   trains on the GPU when there is one, so this is reported unless the script pins the CPU.
 *   `tabular_learner` and `collab_learner` are left alone: their small MLPs and embedding tables
 *   give Tensor Cores little to speed up; so is a `Learner(dls, model)` whose model is built in
 *   the file with every layer at most 32 wide.
 * - **skorch**: a net (`NeuralNetClassifier`, …) with `device="cuda"` or a device chosen at run time,
 *   that is not an `AccelerateMixin` net (skorch's way to mixed precision). skorch's default device
 *   is the CPU: a net with no `device` is not reported. A module at most 32 wide is left alone: a
 *   same-file class is read with the net's `module__<name>=` arguments and its own defaults, as
 *   skorch builds it.
 *
 * A script that names only the CPU, or `target-device = "cpu"` / `"mps"`, gets no finding: the
 * saving needs Tensor Cores. Custom Ignite `Engine(process_function)` steps are GML101's (they call
 * `backward` themselves).
 *
 * ## Why
 *
 * Mixed precision runs the matrix multiplications and convolutions in 16 bits on the GPU's Tensor
 * Cores, with float32 master weights: PyTorch's AMP documentation and NVIDIA's mixed-precision
 * training guide report 1.5–3× (up to 8× for some layers) higher throughput on Volta and newer GPUs,
 * and half the activation memory. At similar power draw, shorter training is proportionally less
 * energy. Each of these libraries switches it on with one argument or call.
 *
 * ## Example
 *
 * ```python
 * import torch
 * from ignite.engine import create_supervised_trainer
 *
 * device = "cuda" if torch.cuda.is_available() else "cpu"
 * trainer = create_supervised_trainer(model, optimizer, criterion, device=device)
 * trainer.run(train_loader, max_epochs=1)
 * ```
 *
 * ## Fixed example
 *
 * ```python
 * import torch
 * from ignite.engine import create_supervised_trainer
 *
 * device = "cuda" if torch.cuda.is_available() else "cpu"
 * trainer = create_supervised_trainer(model, optimizer, criterion, device=device, amp_mode="amp", scaler=True)
 * trainer.run(train_loader, max_epochs=1)
 * ```
 *
 * Fixes: Ignite gets `amp_mode="amp", scaler=True` (autocast plus a `GradScaler`, as Ignite's
 * documentation shows for fp16); a fastai learner gets `.to_fp16()` (GPUs with Tensor Cores) or
 * `.to_bf16()` (Ampere or newer) appended to its constructor; a skorch net becomes a local
 * `AccelerateMixin` subclass built with `accelerator=Accelerator(mixed_precision="bf16")` and
 * `device=None` (skorch's documented form; Accelerate places the model and batches), with the
 * imports added once. An Ignite trainer whose `loss_fn` is binary cross-entropy on probabilities
 * (`nn.BCELoss()`, also through the name that holds it, or `F.binary_cross_entropy`) gets no fix:
 * Ignite's `amp_mode="amp"` step computes the loss under autocast, which CUDA refuses for that loss
 * whatever the dtype; the message says to switch to `nn.BCEWithLogitsLoss` on logits first.
 *
 * ## Fix safety
 *
 * Unsafe: 16-bit arithmetic changes results slightly, and fp16 needs loss scaling (which Ignite's
 * `scaler=True` and fastai's `to_fp16()` add; bf16 does not need it but needs an Ampere or newer GPU).
 * The skorch fix needs the `accelerate` package installed. Ignite's `amp_mode="amp"` uses CUDA
 * autocast: on a machine without CUDA it does nothing useful.
 *
 * ## Measured here
 *
 * Needs a GPU; not measured here (the effect comes from Tensor Cores, which this machine lacks).
 *
 * ## References
 *
 * - PyTorch-Ignite, `create_supervised_trainer` (`amp_mode`, `scaler`): https://pytorch.org/ignite/generated/ignite.engine.create_supervised_trainer.html
 * - fastai, *Mixed precision training* (`to_fp16`, `to_bf16`, `MixedPrecision`): https://docs.fast.ai/callback.fp16.html
 * - skorch, *Hugging Face integration* (`AccelerateMixin`): https://skorch.readthedocs.io/en/stable/hf.html
 * - PyTorch, *Automatic Mixed Precision*: https://pytorch.org/docs/stable/amp.html
 * - NVIDIA, *Train With Mixed Precision*: https://docs.nvidia.com/deeplearning/performance/mixed-precision-training/index.html
 */
export const trainerHelperFp32 = defineRule({
  code: 'GML108',
  name: 'trainer-helper-fp32',
  summary: 'Ignite, fastai or skorch training on a GPU in float32: no amp_mode, to_fp16()/to_bf16() or AccelerateMixin.',
  defaultSeverity: 'warning',
  frameworks: ['ignite', 'fastai', 'skorch'],
  fixSafety: 'unsafe',
  facts: DEVICE_FACTS,
  check({ model, sites, facts, edits, options, report }) {
    if (options.targetDevice === 'cpu' || options.targetDevice === 'mps') return;
    const device = trainingDevice(facts);
    const gpuFile = device === 'cuda' || device === 'runtime';
    for (const call of sites.callsTo(SUPERVISED_TRAINERS)) {
      const finding = igniteTrainer(model, call, edits, gpuFile);
      if (finding) report(finding);
    }
    if (device !== 'cpu' && device !== 'mps') {
      // The learner constructors of this part of the file, each reported once when the file trains it.
      for (const name of FASTAI_LEARNERS) {
        if (SMALL_LEARNERS.has(name)) continue;
        for (const learner of sites.callsNamed(name)) {
          if (!makesLearner(model, learner)) continue;
          // `Learner(dls, model)` with a small model built here: `Learner`'s second argument is the model.
          if (name === 'Learner' && isSmallModel(model, learner.argument('model', 1))) continue;
          // Each learner on its own: a later learner made mixed-precision under the same name does not count.
          if (!trainsInFloat32(model, learner)) continue;
          report(fastaiLearner(learner, edits));
        }
      }
    }
    for (const call of constructorCalls(model, sites, SKORCH_NETS)) {
      const cls = call.qualifiedName ? undefined : localClassOf(model, call);
      if (cls && model.classBases(cls).some((b) => ACCELERATE_MIXIN.includes(b))) continue;
      if (!onGpu(model, call, 'cpu') || skorchModuleIsSmall(model, call)) continue;
      const fix = skorchFix(model, call, edits);
      report({
        node: call.callee,
        message: `This skorch net trains on the GPU in float32. skorch's AccelerateMixin with Accelerator(mixed_precision="bf16") (or "fp16") would ${SAVING}.`,
        fixes: fix ? [fix] : [],
      });
    }
  },
});
