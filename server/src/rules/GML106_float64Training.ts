import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import type { TextEdit } from '../analysis/types';
import { stringLiteral } from '../analysis/values';
import type { Edits } from '../fixes/edits';
import {
  castsDtype,
  DEFAULT_DTYPE_SETTERS,
  dtypeArgument,
  FROM_DATA,
  NUMPY_FLOAT64,
  NUMPY_FLOAT64_STRINGS,
  TORCH_DOUBLE_TENSORS,
  TORCH_FLOAT64,
} from '../frameworks/torch';
import { TrainingUse, type Carry } from '../frameworks/trainedValues';
import { TRAINING_FACTS } from '../frameworks/training';
import { defineRule, type ReportedFix } from './rule';

type Float64 = 'torch' | 'numpy' | 'tensor type';

/** The last names of the float64 dtypes and tensor types (`torch.float64`, `np.double`, `torch.DoubleTensor`). */
const FLOAT64_NAMES = new Set(['float64', 'double', 'float_', 'DoubleTensor']);

/** How an expression names float64: a PyTorch dtype, a NumPy dtype (object or string), a legacy tensor type. */
function float64(model: Semantic, expr: Node, numpyStrings: boolean): Float64 | undefined {
  // Most dtypes and devices given are not spelled like float64 (nor imported as such): they need no resolving.
  const last = expr.type === 'attribute' ? expr.childForFieldName('attribute')?.text : expr.type === 'identifier' ? expr.text : undefined;
  if (last !== undefined && !FLOAT64_NAMES.has(last) && !model.importedNames([...TORCH_FLOAT64, ...NUMPY_FLOAT64, ...TORCH_DOUBLE_TENSORS]).has(last)) return undefined;
  const q = model.qualifiedName(expr);
  if (q && TORCH_FLOAT64.has(q)) return 'torch';
  if (q && NUMPY_FLOAT64.has(q)) return 'numpy';
  if (q && TORCH_DOUBLE_TENSORS.has(q)) return 'tensor type';
  const text = expr.type === 'string' ? stringLiteral(expr) : undefined;
  if (text !== undefined && TORCH_DOUBLE_TENSORS.has(text)) return 'tensor type';
  return numpyStrings && text !== undefined && NUMPY_FLOAT64_STRINGS.has(text) ? 'numpy' : undefined;
}

/** A float64 value stops being float64 at a cast (`.float()`, `.to(torch.float32)`) and at a PyTorch call given another dtype. */
function float64Carry(model: Semantic): Carry {
  return {
    method: (call) => !castsDtype(model, call),
    call: (call) => {
      const dtype = call.keywords.get('dtype')?.value;
      return !!call.qualifiedName?.startsWith('torch.') && (!dtype || float64(model, dtype, false) === 'torch');
    },
  };
}

/** The edit that names float32 where `dtype` names float64, in the same spelling. */
function float32Edit(edits: Edits, dtype: Node, kind: Float64): { edits: TextEdit[]; text: string } {
  if (dtype.type === 'string') {
    const text = kind === 'tensor type' ? stringLiteral(dtype)!.replace('DoubleTensor', 'FloatTensor') : 'float32';
    const quote = dtype.text.endsWith("'") ? "'" : '"';
    return { edits: [edits.replace(dtype, `${quote}${text}${quote}`)], text };
  }
  const replacement = kind === 'tensor type' ? 'FloatTensor' : 'float32';
  if (dtype.type === 'attribute') {
    const attribute = dtype.childForFieldName('attribute')!;
    return { edits: [edits.replace(attribute, replacement)], text: `${dtype.childForFieldName('object')!.text}.${replacement}` };
  }
  // A name imported on its own (`from torch import float64`): write the module's float32.
  const imports = edits.importer(dtype);
  const module = imports.module(kind === 'numpy' ? 'numpy' : 'torch', kind === 'numpy' ? 'np' : undefined);
  const text = `${module.name}.${replacement}`;
  return { edits: [edits.replace(dtype, text), ...(module.edit ? [module.edit] : [])], text };
}

/** `torch.from_numpy(a)` / `torch.tensor(a)` calls (no other dtype) that a NumPy value goes into, directly or through one name. */
function tensorsMadeFrom(model: Semantic, value: Node): CallSite[] {
  const out: CallSite[] = [];
  const intoTensor = (expr: Node) => {
    const list = model.parentOf(expr);
    const call = list?.type === 'argument_list' ? model.parentOf(list) : null;
    if (call?.type !== 'call') return;
    const site = model.callSite(call);
    if (FROM_DATA.has(site.qualifiedName ?? '') && site.positional[0]?.id === expr.id && !site.keywords.has('dtype')) out.push(site);
  };
  intoTensor(value);
  const parent = model.parentOf(value);
  const name = parent?.type === 'assignment' && parent.childForFieldName('right')?.id === value.id ? parent.childForFieldName('left') : null;
  if (name?.type === 'identifier') {
    for (const use of model.identifiers(name.text)) {
      if (use.id !== name.id && model.lookup(use.text, use)[0]?.node.id === model.lookup(name.text, name)[0]?.node.id) intoTensor(use);
    }
  }
  return out;
}

const COST =
  'float64 moves twice the bytes of float32 and computes at half its rate on CPUs and at 1/32–1/64 of it on most GPUs (Tensor Cores and mixed precision do not apply)';

/**
 * ## What it flags
 *
 * PyTorch training in float64:
 *
 * - a model or tensor made float64 — `model.double()`, `x.to(torch.float64)`,
 *   `x.type(torch.DoubleTensor)`, a PyTorch call with `dtype=torch.float64` (or `torch.double`),
 *   NumPy data made float64 (`np.array(…, dtype=np.float64)`, `.astype("float64")`) and turned
 *   into a tensor as it is (`torch.from_numpy`, `torch.tensor` without a `dtype`) — when it reaches
 *   a training step (a gradient followed by an optimizer step): used in the step's loop or function,
 *   its parameters given to an optimizer, or passed on through names, `TensorDataset`, `DataLoader`,
 *   `DataParallel` and functions defined in the file;
 * - `torch.set_default_dtype(torch.float64)` (or `set_default_tensor_type(torch.DoubleTensor)`) in
 *   a script that trains.
 *
 * A value cast back (`.float()`, `.to(torch.float32)`, `torch.tensor(x, dtype=torch.float32)`)
 * before it reaches training is not flagged, nor is float64 used only for evaluation, metrics or
 * gradient checks, nor a dtype that is not a literal (`dtype=args.dtype`). NumPy's own float64
 * default (`np.random.rand`, `np.array(x)`, `astype(float)`) is not flagged: only float64 named
 * on purpose is.
 *
 * ## Why
 *
 * Deep-learning training does not need float64: float32 is PyTorch's default, and mixed precision
 * goes further down. float64 doubles the memory and memory traffic of every weight, activation and
 * gradient, and its arithmetic is slow: CPUs fit half as many float64 values in a vector
 * instruction, and NVIDIA's CUDA C++ Programming Guide (arithmetic instruction throughput) lists
 * float64 at 1/32 of float32 throughput on Turing GPUs and 1/64 on the consumer Ampere and Ada
 * GPUs (compute capabilities 7.5, 8.6, 8.9); only data-centre parts (A100, H100) keep 1/2. Tensor
 * Cores, which give GPUs most of their training speed, take no float64 on consumer GPUs. The
 * waste is certain, so the finding is a warning; a model that really needs float64 (some
 * scientific models, second-order optimizers on ill-conditioned problems) can say so with
 * `# noqa: GML106`.
 *
 * ## Example
 *
 * ```python
 * import torch
 * import torch.nn as nn
 *
 * model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 2))
 * model.double()
 * optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
 * for epoch in range(10):
 *     for x, y in loader:
 *         optimizer.zero_grad()
 *         loss = nn.functional.cross_entropy(model(x.double()), y)
 *         loss.backward()
 *         optimizer.step()
 * ```
 *
 * ## Fixed example
 *
 * ```python
 * import torch
 * import torch.nn as nn
 *
 * model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 2))
 * model.float()
 * optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
 * for epoch in range(10):
 *     for x, y in loader:
 *         optimizer.zero_grad()
 *         loss = nn.functional.cross_entropy(model(x.float()), y)
 *         loss.backward()
 *         optimizer.step()
 * ```
 *
 * ## Fix safety
 *
 * Unsafe. The fix writes float32 where float64 was named (`.float()`, `torch.float32`,
 * `np.float32`, `torch.FloatTensor`), one place at a time: a model and the tensors it meets must
 * share a dtype, so every float64 place that feeds the same model must change together (each has
 * its own finding), and data that comes from NumPy as float64 by default needs `.float()` too.
 * float32 rounds earlier than float64: a model that relied on float64 (an ill-conditioned
 * problem, a loss that cancels large terms) may train differently.
 *
 * ## Measured here
 *
 * `bench/evidence/GML106/before.py` trains a 64-512-512-2 MLP for 15 epochs on 8 192 synthetic
 * samples (batch 128, SGD) with `model.double()` and float64 data; `after.py` is the same script
 * in float32. Measured with `node bench/evidence/measure.mjs --runs 5` (`greenml run`, one
 * thread, AMD EPYC, 2 cores shared with other work: load average 10–15), energy estimated from
 * CPU time (no RAPL): 50.3 J (42.2–54.1) in float64 against 30.5 J (23.8–32.1) in float32, ×0.61;
 * wall time 82 s → 45 s (noisy under that load). Both reached the same loss and accuracy.
 *
 * ## References
 *
 * - NVIDIA, *CUDA C++ Programming Guide — Arithmetic Instructions* (throughput per compute capability): https://docs.nvidia.com/cuda/cuda-c-programming-guide/index.html#arithmetic-instructions
 * - PyTorch, *torch.set_default_dtype*: https://pytorch.org/docs/stable/generated/torch.set_default_dtype.html
 * - PyTorch, *Tensor attributes — torch.dtype*: https://pytorch.org/docs/stable/tensor_attributes.html
 */
export const float64Training = defineRule({
  code: 'GML106',
  name: 'float64-training',
  summary: 'A model or tensor made float64 (`.double()`, `dtype=torch.float64`, `np.float64` data) feeds PyTorch training.',
  defaultSeverity: 'warning',
  frameworks: ['torch'],
  fixSafety: 'unsafe',
  facts: TRAINING_FACTS,
  check({ model, sites, facts, edits, report }) {
    // Where the file trains is read only for a float64 value: a part of the file without one does not depend on it.
    let found: TrainingUse | undefined;
    const training = () => (found ??= new TrainingUse(model, facts.trainingRegions, float64Carry(model)));
    const use = {
      trains: (id: Node) => training().trains(id),
      reaches: (node: Node) => training().reaches(node),
    };
    const flag = (node: Node, what: string, fix: ReportedFix) =>
      report({ node, message: `${what}: ${COST}. Train in float32 unless the model needs float64.`, fixes: [fix] });
    const short = (text: string) => (text.length > 40 ? '' : text);
    // Where a cast's value goes: an in-place module conversion (`model.double()` as a statement) or its result.
    const castReaches = (call: CallSite) => {
      const statement = model.parentOf(call.node);
      const receiver = call.receiver!;
      if (statement?.type === 'expression_statement' && receiver.type === 'identifier') return use.trains(receiver);
      return use.reaches(call.node);
    };

    for (const call of sites.callsNamed('double')) {
      if (!call.receiver || call.qualifiedName || call.argumentList?.namedChildren.length || !castReaches(call)) continue;
      const name = call.callee.childForFieldName('attribute')!;
      flag(call.node, `\`${short(call.receiver.text)}.double()\` makes what is trained float64`, {
        title: 'Train in float32: .float()',
        edits: [edits.replace(name, 'float')],
      });
    }
    for (const method of ['to', 'type']) {
      for (const call of sites.callsNamed(method)) {
        if (!call.receiver || call.qualifiedName) continue;
        const dtype = dtypeArgument(model, call) ?? (method === 'type' ? call.positional[0] : undefined);
        const kind = dtype && float64(model, dtype, false);
        if (!dtype || !kind || kind === 'numpy' || !castReaches(call)) continue;
        const fix = float32Edit(edits, dtype, kind);
        flag(dtype, `\`.${method}(${dtype.text})\` makes what is trained float64`, { title: `Train in float32: ${fix.text}`, edits: fix.edits });
      }
    }
    for (const id of sites.identifiers('dtype')) {
      const keyword = model.parentOf(id);
      const list = keyword?.type === 'keyword_argument' && keyword.childForFieldName('name')?.id === id.id ? model.parentOf(keyword) : null;
      const callNode = list?.type === 'argument_list' ? model.parentOf(list) : null;
      if (callNode?.type !== 'call') continue;
      const call = model.callSite(callNode);
      const q = call.qualifiedName ?? '';
      const dtype = keyword!.childForFieldName('value')!;
      if (q.startsWith('torch.')) {
        if (float64(model, dtype, false) !== 'torch' || !use.reaches(callNode)) continue;
      } else if (q.startsWith('numpy.')) {
        if (float64(model, dtype, true) !== 'numpy' || !tensorsMadeFrom(model, callNode).some((t) => use.reaches(t.node))) continue;
      } else continue;
      const fix = float32Edit(edits, dtype, q.startsWith('torch.') ? 'torch' : 'numpy');
      flag(dtype, `\`dtype=${dtype.text}\` makes ${q.startsWith('torch.') ? 'what is trained' : 'training data'} float64`, { title: `Train in float32: dtype=${fix.text}`, edits: fix.edits });
    }
    for (const call of sites.callsNamed('astype')) {
      const dtype = call.argument('dtype', 0);
      if (!call.receiver || !dtype || float64(model, dtype, true) !== 'numpy') continue;
      if (!tensorsMadeFrom(model, call.node).some((t) => use.reaches(t.node))) continue;
      const fix = float32Edit(edits, dtype, 'numpy');
      flag(dtype, `\`.astype(${dtype.text})\` makes training data float64`, { title: `Train in float32: .astype(${fix.text})`, edits: fix.edits });
    }
    for (const call of sites.callsTo(DEFAULT_DTYPE_SETTERS)) {
      const dtype = call.argument('d', 0) ?? call.argument('t', 0);
      const kind = dtype && float64(model, dtype, false);
      if (!dtype || !kind || kind === 'numpy' || facts.trainingRegions.length === 0) continue;
      const fix = float32Edit(edits, dtype, kind);
      flag(dtype, `\`${call.callee.text}(${dtype.text})\` makes every new tensor and module float64, and this script trains`, {
        title: `Train in float32: ${fix.text}`,
        edits: fix.edits,
      });
    }
  },
});
