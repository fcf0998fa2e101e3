import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import type { Range, TextEdit } from '../analysis/types';
import { numberValue } from '../analysis/values';
import type { Edits } from '../fixes/edits';
import { argparseDefault } from '../frameworks/argparse';
import { COMPILE, TORCH2_CALLS } from '../frameworks/torch';
import { localFunctionCalled, stepsWithin, trainedModelAt, trainingLoopsOf, type TrainingStep } from '../frameworks/training';
import { defineRule, fact, type ReportedFix } from './rule';

/**
 * Fewer epochs than this (around a loop over batches) are not reported: compiling costs tens of
 * seconds to minutes up front, and only a clearly long run is sure to pay it back.
 */
const MIN_EPOCHS = 50;
/** A single loop of training steps is long from this many iterations. */
const MIN_STEPS = 1000;

/** A loop bound's number: a literal or constant, an argparse option's default (`args.epochs`), or a sum or difference of those. */
function countValue(model: Semantic, expr: Node): { value: number; option?: string } | undefined {
  const literal = numberValue(model.evaluate(expr));
  if (literal !== undefined) return { value: literal };
  const byDefault = argparseDefault(model, expr);
  if (byDefault !== undefined) return { value: byDefault, option: expr.childForFieldName('attribute')?.text };
  const operator = expr.type === 'binary_operator' ? expr.childForFieldName('operator')?.text : undefined;
  const left = expr.childForFieldName('left');
  const right = expr.childForFieldName('right');
  if ((operator !== '+' && operator !== '-') || !left || !right) return undefined;
  const [a, b] = [countValue(model, left), countValue(model, right)];
  if (!a || !b) return undefined;
  return { value: operator === '+' ? a.value + b.value : a.value - b.value, option: a.option ?? b.option };
}

/** How many times a `for … in range(…)` loop runs, when its bounds are known (see countValue). */
function rangeCount(model: Semantic, loop: Node): { count: number; option?: string } | undefined {
  const right = loop.type === 'for_statement' ? loop.childForFieldName('right') : null;
  const callee = right?.type === 'call' ? right.childForFieldName('function')?.text : undefined;
  if (!right || (callee !== 'range' && callee !== 'trange')) return undefined;
  const args = model.callSite(right).positional.map((a) => countValue(model, a));
  if (args.length === 0 || args.some((a) => a === undefined)) return undefined;
  const values = args.map((a) => a!.value);
  const [start, stop, step] = values.length === 1 ? [0, values[0], 1] : [values[0], values[1], values[2] ?? 1];
  // Named after the stop bound's option (`--epochs` in `range(args.start_epoch, args.epochs)`).
  const option = (args.length === 1 ? args[0] : args[1])!.option ?? args.find((a) => a!.option)?.option;
  return step > 0 ? { count: Math.max(0, Math.ceil((stop - start) / step)), option } : undefined;
}

/** The loop header's range (`for epoch in range(90)`), for the diagnostic. */
function headerRange(edits: Edits, loop: Node): Range {
  const end = loop.childForFieldName('right') ?? loop.childForFieldName('condition') ?? loop;
  return edits.source.rangeOf(loop.startIndex, end.endIndex);
}

/** The statement holding a node that is a child of `block` (the node's ancestor there), if the node is inside that block. */
function statementInBlock(model: Semantic, node: Node, block: Node): Node | undefined {
  let current = node;
  for (const a of model.ancestors(node)) {
    if (a.id === block.id) return current;
    current = a;
  }
  return undefined;
}

/** The block (or module) a statement stands in. */
function blockOf(model: Semantic, node: Node): Node | undefined {
  for (const a of model.ancestors(node)) if (a.type === 'block' || a.type === 'module') return a;
  return undefined;
}

/** Whether a name is bound or moved here: `model = …`, `model.to(device)`, `model.cuda()`. */
function bindsOrMoves(model: Semantic, id: Node): boolean {
  const parent = model.parentOf(id);
  if (parent?.type === 'assignment' && parent.childForFieldName('left')?.id === id.id) return true;
  if (parent?.type !== 'attribute' || parent.childForFieldName('object')?.id !== id.id) return false;
  const method = parent.childForFieldName('attribute')?.text;
  const call = model.parentOf(parent);
  return call?.type === 'call' && (method === 'to' || method === 'cuda');
}

/**
 * `model = torch.compile(model)` where the model is ready: after the last statement that binds or
 * moves it — among the statements before the epoch loop in the loop's block when the model is
 * bound in the loop's scope, else in the block of its last binding (a module-level model trained
 * in a function is compiled where it is bound: an assignment in the function would make it local).
 */
function compileFix(model: Semantic, edits: Edits, outer: Node, trained: Node): ReportedFix[] {
  const name = trained.text;
  const bindings = model.lookup(name, outer).filter((b) => b.kind === 'assign');
  if (bindings.length === 0) return [];
  const sameScope = model.scopeOf(bindings[0].node).id === model.scopeOf(outer).id;
  const builtAt = sameScope ? outer : (bindings.filter((b) => b.node.startIndex < outer.startIndex).at(-1) ?? bindings.at(-1)!).node;
  const block = blockOf(model, builtAt);
  const limit = sameScope ? statementInBlock(model, outer, block!)?.startIndex : undefined;
  if (!block) return [];
  let after: Node | undefined;
  for (const id of model.identifiers(name)) {
    if (!bindsOrMoves(model, id) || model.lookup(name, id)[0]?.node.id !== bindings[0].node.id) continue;
    const statement = statementInBlock(model, id, block);
    if (!statement || (limit !== undefined && statement.endIndex > limit)) continue;
    if (!after || statement.startIndex > after.startIndex) after = statement;
  }
  const at = after ?? (sameScope ? statementInBlock(model, outer, block) : undefined);
  if (!at) return [];
  const torch = edits.importer(at).module('torch');
  const line = `${edits.indentOf(at.startPosition.row)}${name} = ${torch.name}.compile(${name})`;
  const edit: TextEdit = after ? edits.insertLine(after.endPosition.row + 1, line) : edits.insertLine(at.startPosition.row, line);
  return [{ title: `Compile the model (needs PyTorch ≥ 2.0): ${name} = ${torch.name}.compile(${name})`, edits: [edit, ...(torch.edit ? [torch.edit] : [])] }];
}

/** The loop that makes a step's run long: the epoch loop around its batch loop, else the batch loop itself. */
function outerLoop(model: Semantic, step: TrainingStep): Node | undefined {
  const loops = trainingLoopsOf(model, step);
  return loops && (loops.epochs ?? loops.steps);
}

/**
 * The training step a loop repeats for the whole run (it is the step's outer loop), found from the
 * loop: a step inside it, or in a function it calls (the first, when there are several: a GAN's two).
 */
function stepRepeatedBy(model: Semantic, loop: Node): TrainingStep | undefined {
  const steps = stepsWithin(model, loop);
  for (const call of model.callsWithin(loop)) {
    const fn = localFunctionCalled(model, call);
    if (fn && !(fn.startIndex >= loop.startIndex && fn.endIndex <= loop.endIndex)) steps.push(...stepsWithin(model, fn));
  }
  return steps.find((s) => s.kind !== 'tensorflow' && outerLoop(model, s)?.id === loop.id);
}

const facts = {
  compiles: fact.any(({ sites }) => sites.callsTo(COMPILE).length > 0),
  usesTorch2: fact.any(({ sites }) => sites.callsTo(TORCH2_CALLS).length > 0),
};

/**
 * ## What it flags
 *
 * Off unless selected: select `GML107` by its code (`extend-select = ["GML107"]`); `"ALL"` and
 * prefixes leave it off.
 *
 * A long PyTorch 2 training run whose model is never compiled: a training step (a gradient and an
 * optimizer step) in a loop over batches nested in an epoch loop — directly, or through a function
 * the epoch loop calls — that runs 50 epochs or more, or a single loop of training steps over
 * 1 000 iterations or more. The length must be written in the script: a literal or a constant
 * (`range(90)`, `range(EPOCHS)`), or the `default=` of the argparse option the loop reads
 * (`range(args.epochs)` with `parser.add_argument("--epochs", type=int, default=90)`). A run of
 * unknown length, or a shorter one, is left alone: compiling costs tens of seconds to minutes up
 * front, and only a clearly long run is sure to repay it. The rule looks at scripts that are visibly written for
 * PyTorch 2 (it calls or imports an API that arrived in 2.0 or later: `torch.accelerator`, `torch.amp.GradScaler`,
 * `torch.nn.functional.scaled_dot_product_attention`, `torch.set_default_device`, `torch.func`,
 * `torch.export`, …), and that calls `torch.compile` nowhere (nor the model's own `.compile()`).
 * The rule cannot tell the installed PyTorch from a script: scripts with no PyTorch 2 API in sight
 * may be run on PyTorch 1.x, which has no `torch.compile`, and are left alone.
 *
 * ## Why
 *
 * Without compilation PyTorch runs a model operation by operation, each a separate kernel that
 * reads its inputs from memory and writes its result back. `torch.compile` (PyTorch 2.0 and
 * later) traces the model and generates fused kernels. PyTorch's 2.0 announcement reports, over
 * 163 open-source models on an NVIDIA A100, that compilation worked for 93 % of them and made
 * training 43 % faster on average (21 % in float32, 51 % with mixed precision). Compiling takes
 * time up front (tens of seconds to minutes) and recompiles when input shapes change, so it pays
 * only on long runs — hence a hint, for long runs only, and off unless selected: the gain depends
 * on the model, the GPU and the PyTorch version.
 *
 * ## Example
 *
 * ```python
 * import torch
 *
 * device = torch.accelerator.current_accelerator()
 * model = Net().to(device)
 * optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
 * for epoch in range(90):
 *     for images, target in train_loader:
 *         optimizer.zero_grad()
 *         loss = criterion(model(images.to(device)), target.to(device))
 *         loss.backward()
 *         optimizer.step()
 * ```
 *
 * ## Fixed example
 *
 * ```python
 * import torch
 *
 * device = torch.accelerator.current_accelerator()
 * model = Net().to(device)
 * model = torch.compile(model)
 * optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
 * for epoch in range(90):
 *     for images, target in train_loader:
 *         optimizer.zero_grad()
 *         loss = criterion(model(images.to(device)), target.to(device))
 *         loss.backward()
 *         optimizer.step()
 * ```
 *
 * ## Fix safety
 *
 * Unsafe, and it needs PyTorch 2.0 or later: `torch.compile` does not exist in PyTorch 1.x. The fix
 * adds `model = torch.compile(model)` after the model is built and moved to its device (the
 * compiled module shares the model's parameters, so an optimizer made before or after it trains
 * the same weights). The first steps are slower while the model compiles; a model with
 * data-dependent Python control flow compiles into several graphs; `torch.compile` needs a
 * supported platform and compiler toolchain (Triton on the GPU, a C++ compiler on the CPU); and the
 * compiled module's `state_dict()` keys start with `_orig_mod.` — save `model._orig_mod.state_dict()`
 * or compile a separate name to keep checkpoints loadable by uncompiled code.
 *
 * ## Measured here
 *
 * Not measured: the machines this rule was written on have Debian's PyTorch 1.13, which has no
 * `torch.compile`, and no GPU was lent to the session (the published gains are GPU figures).
 *
 * ## References
 *
 * - PyTorch, *PyTorch 2.x — torch.compile* (the 163-model benchmark): https://pytorch.org/get-started/pytorch-2.0/
 * - PyTorch, *torch.compile*: https://pytorch.org/docs/stable/generated/torch.compile.html
 * - PyTorch, *Introduction to torch.compile*: https://pytorch.org/tutorials/intermediate/torch_compile_tutorial.html
 */
export const noCompile = defineRule({
  code: 'GML107',
  name: 'no-compile',
  summary: 'A PyTorch 2 training run of 50 epochs or more (nested epoch and batch loops) whose model is never compiled with `torch.compile`.',
  defaultSeverity: 'hint',
  frameworks: ['torch'],
  fixSafety: 'unsafe',
  optIn: true,
  facts,
  check({ model, sites, facts, edits, report }) {
    // A PyTorch 2 name called anywhere, or imported by name (`from torch.nn.functional import scaled_dot_product_attention`).
    if (facts.compiles || !(facts.usesTorch2 || model.importsOf(TORCH2_CALLS).length > 0)) return;
    for (const outer of sites.loops()) {
      const step = stepRepeatedBy(model, outer);
      const loops = step && trainingLoopsOf(model, step);
      if (!step || !loops) continue;
      const { steps, epochs } = loops;
      // The run's length as the script writes it; an unknown length may be short: left alone.
      const known = rangeCount(model, epochs ?? steps);
      if (!known || known.count < (epochs ? MIN_EPOCHS : MIN_STEPS)) continue;
      const unit = epochs ? `${known.count} epochs of a loop over batches` : `${known.count} steps`;
      const length = `for ${unit}${known.option ? ` (the default of --${known.option.replace(/_/g, '-')})` : ''}`;
      const trained = trainedModelAt(model, step, outer);
      if (trained && model.callsNamed('compile').some((c) => c.receiver?.text === trained.text && !c.qualifiedName)) continue;
      const what = trained ? `\`${trained.text}\`` : 'The model';
      report({
        range: headerRange(edits, outer),
        message:
          `${what} trains ${length} without \`torch.compile\`: PyTorch runs it operation by operation, one kernel each. ` +
          'On PyTorch 2.0 or later, compiling it fuses them into fewer kernels (PyTorch reports 1.2–1.5× faster training on an A100; not measured here); it costs compile time up front, so it pays on long runs.',
        fixes: trained ? compileFix(model, edits, outer, trained) : [],
      });
    }
  },
});
