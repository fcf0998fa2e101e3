import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import type { TextEdit } from '../analysis/types';
import { stringLiteral } from '../analysis/values';
import type { Edits } from '../fixes/edits';
import { dtypeSources, float64Kind as float64, type Float64, type Float64Place } from '../frameworks/float64';
import { modelMeetings, tensorMeetings, type Feed } from '../frameworks/float64Feeds';
import { optimizedModels } from '../frameworks/modelSize';
import { castsDtype, DEFAULT_DTYPE_SETTERS, dtypeArgument, FROM_DATA, TORCH_DOUBLE_TENSORS, TORCH_FLOAT64 } from '../frameworks/torch';
import { TrainingUse, type Carry } from '../frameworks/trainedValues';
import { stepOptimizer, stepsWithin, TRAINING_FACTS } from '../frameworks/training';
import { defineRule, type ReportedFix } from './rule';

/** A float64 value stops being float64 at a cast (`.float()`, `.to(torch.float32)`) and at a PyTorch call given another dtype. */
function float64Carry(model: Semantic): Carry {
  return {
    method: (call) => !castsDtype(model, call),
    call: (call) => {
      const dtype = call.keywords.get('dtype')?.value;
      return !!call.qualifiedName?.startsWith('torch.') && (!dtype || float64(model, dtype, false) === 'torch');
    },
    parts: true,
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

const WITHHELD =
  'No fix is offered: a model and the tensors it is called with must change dtype together (so must a tensor and what it is matrix-multiplied with), and not every one of those tensors could be followed to a float64 place that the fix converts too.';
const WITHHELD_CALLS =
  'No fix is offered: a model and the tensors it is called with must change dtype together, and not every call of this model could be found: it is kept on an object or handed to a trainer, a class of this file or a function of another module (as a raw parameter can be).';
const WITHHELD_CLASS = 'No fix is offered: a class of this file makes float64 modules or tensors of its own, which the fix would leave float64 beside the float32 it writes.';

/** A float64 place the rule may report: what it says, its fix, whether it reaches training, and the value it makes float64. */
interface Place {
  node: Node;
  what: string;
  fix: (edits: Edits) => ReportedFix;
  reaches: () => boolean;
  /** The expression whose value is float64 (the cast, or the call given the dtype); undefined for a default dtype. */
  made?: Node;
}

/** How PyTorch code spells float64: `torch.float64`, `torch.double`, `.double()`, `torch.DoubleTensor`. */
const FLOAT64_WORDS = ['float64', 'double', 'DoubleTensor'];

const editKey = (edit: TextEdit) => `${edit.range.start.line}:${edit.range.start.character}:${edit.range.end.line}:${edit.range.end.character}:${edit.newText}`;

const short = (text: string) => (text.length > 40 ? '' : text);

/** The float64 places of a file, and whether converting them to float32 keeps every model and its inputs in one dtype. */
class Places {
  private training: TrainingUse | undefined;

  constructor(
    private readonly model: Semantic,
    private readonly regions: () => readonly Node[],
  ) {}

  /** Where the file trains, read only once a float64 place asks: a part of the file without one does not depend on it. */
  private get use(): TrainingUse {
    return (this.training ??= new TrainingUse(this.model, this.regions(), float64Carry(this.model)));
  }

  /** Whether a node lies in the loop or function of a training step. */
  inTraining(node: Node): boolean {
    return this.use.inTrainingRegion(node);
  }

  /** Where a cast's value goes: an in-place module conversion (`model.double()` as a statement) or its result. */
  private castReaches(call: CallSite): boolean {
    const statement = this.model.parentOf(call.node);
    const receiver = call.receiver!;
    if (statement?.type === 'expression_statement' && receiver.type === 'identifier') return this.use.trains(receiver);
    return this.use.reaches(call.node);
  }

  double(call: CallSite): Place | undefined {
    if (!call.receiver || call.qualifiedName || call.argumentList?.namedChildren.length) return undefined;
    const name = call.callee.childForFieldName('attribute')!;
    return {
      node: call.node,
      what: `\`${short(call.receiver.text)}.double()\` makes what is trained float64`,
      fix: (edits) => ({ title: 'Train in float32: .float()', edits: [edits.replace(name, 'float')] }),
      reaches: () => this.castReaches(call),
      made: call.node,
    };
  }

  cast(call: CallSite): Place | undefined {
    const method = call.methodName;
    if (!call.receiver || call.qualifiedName || (method !== 'to' && method !== 'type')) return undefined;
    const dtype = dtypeArgument(this.model, call) ?? (method === 'type' ? call.positional[0] : undefined);
    const kind = dtype && float64(this.model, dtype, false);
    if (!dtype || !kind || kind === 'numpy') return undefined;
    return {
      node: dtype,
      what: `\`.${method}(${dtype.text})\` makes what is trained float64`,
      fix: (edits) => {
        const fix = float32Edit(edits, dtype, kind);
        return { title: `Train in float32: ${fix.text}`, edits: fix.edits };
      },
      reaches: () => this.castReaches(call),
      made: call.node,
    };
  }

  /** `dtype=…` given to a PyTorch or NumPy call (`keyword` is the keyword argument `id` names). */
  dtypeKeyword(keyword: Node | null, id: Node): Place | undefined {
    const model = this.model;
    const list = keyword?.type === 'keyword_argument' && keyword.childForFieldName('name')?.id === id.id ? model.parentOf(keyword) : null;
    const callNode = list?.type === 'argument_list' ? model.parentOf(list) : null;
    if (callNode?.type !== 'call') return undefined;
    const call = model.callSite(callNode);
    const q = call.qualifiedName ?? '';
    const dtype = keyword!.childForFieldName('value')!;
    const torch = q.startsWith('torch.');
    if (torch ? float64(model, dtype, false) !== 'torch' : !q.startsWith('numpy.') || float64(model, dtype, true) !== 'numpy') return undefined;
    return {
      node: dtype,
      what: `\`dtype=${dtype.text}\` makes ${torch ? 'what is trained' : 'training data'} float64`,
      fix: (edits) => {
        const fix = float32Edit(edits, dtype, torch ? 'torch' : 'numpy');
        return { title: `Train in float32: dtype=${fix.text}`, edits: fix.edits };
      },
      reaches: () => (torch ? this.use.reaches(callNode) : tensorsMadeFrom(model, callNode).some((t) => this.use.reaches(t.node))),
      made: callNode,
    };
  }

  astype(call: CallSite): Place | undefined {
    const dtype = call.argument('dtype', 0);
    if (!call.receiver || !dtype || float64(this.model, dtype, true) !== 'numpy') return undefined;
    return {
      node: dtype,
      what: `\`.astype(${dtype.text})\` makes training data float64`,
      fix: (edits) => {
        const fix = float32Edit(edits, dtype, 'numpy');
        return { title: `Train in float32: .astype(${fix.text})`, edits: fix.edits };
      },
      reaches: () => tensorsMadeFrom(this.model, call.node).some((t) => this.use.reaches(t.node)),
      made: call.node,
    };
  }

  defaultDtype(call: CallSite, trains: boolean): Place | undefined {
    const dtype = call.argument('d', 0) ?? call.argument('t', 0);
    const kind = dtype && float64(this.model, dtype, false);
    if (!dtype || !kind || kind === 'numpy') return undefined;
    return {
      node: dtype,
      what: `\`${call.callee.text}(${dtype.text})\` makes every new tensor and module float64, and this script trains`,
      fix: (edits) => {
        const fix = float32Edit(edits, dtype, kind);
        return { title: `Train in float32: ${fix.text}`, edits: fix.edits };
      },
      reaches: () => trains,
    };
  }

  /** The place a float64 source found by `dtypeSources` is. */
  private at(source: Float64Place): Place | undefined {
    const model = this.model;
    if (source.kind === 'double') return this.double(model.callSite(source.node));
    const parent = model.parentOf(source.node);
    if (parent?.type === 'keyword_argument') {
      const list = model.parentOf(parent);
      const call = list && model.parentOf(list);
      const site = call?.type === 'call' ? model.callSite(call) : undefined;
      if (site && site.receiver && !site.qualifiedName) return site.methodName === 'astype' ? this.astype(site) : this.cast(site);
      const name = parent.childForFieldName('name');
      return name ? this.dtypeKeyword(parent, name) : undefined;
    }
    const call = parent?.type === 'argument_list' ? model.parentOf(parent) : null;
    if (call?.type !== 'call') return undefined;
    const site = model.callSite(call);
    if (DEFAULT_DTYPE_SETTERS.has(site.qualifiedName ?? '')) return this.defaultDtype(site, this.regions().length > 0);
    return site.methodName === 'astype' ? this.astype(site) : this.cast(site);
  }

  /**
   * Every float64 place of the file that PyTorch names (`.double()`, `torch.float64`, `torch.DoubleTensor`,
   * a name imported for them), found from where the file spells those words: rare words, so an edit
   * elsewhere does not make the places be looked for again.
   */
  private all(): Place[] {
    const model = this.model;
    const out = new Map<number, Place>();
    const words = new Set([...FLOAT64_WORDS, ...model.importedNames([...TORCH_FLOAT64, ...TORCH_DOUBLE_TENSORS])]);
    for (const word of words) {
      for (const id of model.identifiers(word)) {
        const parent = model.parentOf(id);
        const expr = parent?.type === 'attribute' && parent.childForFieldName('attribute')?.id === id.id ? parent : id;
        const call = model.parentOf(expr);
        const place =
          word === 'double' && call?.type === 'call' && call.childForFieldName('function')?.id === expr.id
            ? this.double(model.callSite(call))
            : float64(model, expr, false) ? this.at({ node: expr, kind: 'torch' }) : undefined;
        if (place) out.set(place.node.id, place);
      }
    }
    return [...out.values()];
  }

  /**
   * Whether the file's fixes keep every float64 model and the tensors it is called with in one
   * dtype, and why not (`withheld`): each model a place makes float64 (the name its value is kept
   * in, when that name is used as a module; every trained model for a default dtype) is called
   * only with tensors whose dtype is followed back to float64 places that are fixed too, or to
   * another dtype; likewise each float64 tensor and what it is matrix-multiplied with. A float64
   * place found that way in a training step feeds training (`extra`); one found elsewhere
   * (evaluation after training), anything not followed, a model handed on where its calls cannot be
   * found, or float64 that a class of the file makes withholds every fix.
   */
  consistency(): { withheld: string | undefined; extra: Set<number>; group: Place[] } {
    const model = this.model;
    const all = this.all();
    const places = all.filter((p) => p.reaches());
    const flagged = new Set(places.map((p) => p.node.id));
    const reaching = (source: Float64Place) => {
      const place = this.at(source);
      return place?.reaches() ? place : undefined;
    };
    // float64 a class of the file makes (a model's `.to(torch.float64)` in `__init__`, hidden states in `forward`)
    // stays as it is, and so must what meets it.
    let withheld = all.some((p) => !flagged.has(p.node.id) && !!model.enclosingClass(p.node)) ? WITHHELD_CLASS : undefined;
    const extra = new Set<number>();
    const group: Place[] = [];
    for (const place of places) {
      const feeds = this.feedsOf(place);
      if (feeds === undefined) continue;
      if (!group.some((p) => p.node.id === place.node.id)) group.push(place);
      if (feeds === 'unknown') withheld ??= WITHHELD_CALLS;
      else for (const feed of feeds) {
        for (const input of feed.inputs) {
          const sources = dtypeSources(model, input);
          if (!sources.known) withheld ??= WITHHELD;
          for (const source of sources.places) {
            const at = reaching(source) ?? (this.use.inTrainingRegion(feed.node) ? this.at(source) : undefined);
            if (!at) withheld ??= WITHHELD;
            else if (!group.some((p) => p.node.id === at.node.id)) {
              group.push(at);
              if (!at.reaches()) extra.add(at.node.id);
            }
          }
        }
      }
    }
    return { withheld, extra, group };
  }

  /**
   * What the value a place makes float64 computes with: the calls of the model it makes (every
   * trained model for a default dtype), or the operands a tensor is matrix-multiplied with.
   * Undefined when it meets nothing that must change with it (a tensor only added or fed on);
   * 'unknown' when a use cannot be followed: a model whose calls are not found or that is handed
   * on (a trainer, a class of the file), a value kept on an object (`self.net = …`), a raw
   * parameter passed to a function of another module.
   */
  private feedsOf(place: Place): Feed[] | 'unknown' | undefined {
    const model = this.model;
    if (!place.made) {
      const feeds: Feed[] = [];
      for (const region of this.regions()) {
        for (const step of stepsWithin(model, region)) {
          const optimizer = stepOptimizer(step);
          const trained = optimizer && optimizedModels(model, optimizer);
          if (!trained) return 'unknown';
          for (const m of trained) {
            if (m.type !== 'identifier') continue;
            const uses = modelMeetings(model, m);
            if (uses.escapes) return 'unknown';
            feeds.push(...uses.feeds);
          }
        }
      }
      return feeds.length > 0 ? feeds : 'unknown';
    }
    const target = keptIn(model, place.made);
    if (target?.type === 'attribute' || target?.type === 'subscript') return 'unknown';
    if (target?.type !== 'identifier') return undefined;
    const asModel = modelMeetings(model, target);
    if (asModel.module) return asModel.escapes || asModel.feeds.length === 0 ? 'unknown' : asModel.feeds;
    const asTensor = tensorMeetings(model, target);
    if (asTensor.module && asTensor.escapes) return 'unknown';
    return asTensor.feeds.length > 0 ? asTensor.feeds : undefined;
  }
}

/**
 * Where a value is kept: the receiver of a cast written as a statement (`model.double()`), else
 * the target it is assigned to (a name, `self.net`, `models[k]`), up through methods called on it
 * and PyTorch calls it is passed to (`model = nn.Sequential(nn.Linear(2, 8, dtype=torch.float64)).to(device)`).
 */
function keptIn(model: Semantic, made: Node): Node | undefined {
  const statement = model.parentOf(made);
  if (statement?.type === 'expression_statement' && made.type === 'call') {
    const receiver = model.callSite(made).receiver;
    return receiver?.type === 'identifier' ? receiver : undefined;
  }
  let node = made;
  for (let hop = 0; hop < 10; hop++) {
    const parent = model.parentOf(node);
    if (!parent) return undefined;
    if (parent.type === 'assignment') return parent.childForFieldName('right')?.id === node.id ? (parent.childForFieldName('left') ?? undefined) : undefined;
    if (parent.type === 'attribute' && parent.childForFieldName('object')?.id === node.id) {
      const call = model.parentOf(parent);
      if (call?.type !== 'call') return undefined;
      node = call;
      continue;
    }
    const list = parent.type === 'keyword_argument' ? model.parentOf(parent) : parent;
    const call = list?.type === 'argument_list' ? model.parentOf(list) : parent.type === 'parenthesized_expression' ? parent : null;
    if (!call || (call.type === 'call' && !model.callSite(call).qualifiedName?.startsWith('torch.'))) return undefined;
    node = call;
  }
  return undefined;
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
 *   its parameters given to an optimizer, or passed on through names, tuple assignments
 *   (`x, t = a, b`), slices and items (`x = res[:, 0:1]`), `torch.cat` / `torch.stack`,
 *   `TensorDataset`, `DataLoader`, `DataParallel` and functions defined in the file;
 * - a tensor a float64 model is called with in a training step, followed back to where it was made
 *   float64 (`model(x.double())`, see Fix safety);
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
 * `np.float32`, `torch.FloatTensor`). A model and the tensors it is called with must share a
 * dtype, so when a place makes a model float64 (the name it is kept in is used as a module:
 * called as `model(x)` or `model.forward(x)`, directly or through a function of the file, or given
 * `.parameters()`; every trained model for a default dtype), the rule follows each tensor the model
 * is called with, in training and after it, back to where its dtype comes from: names, tuple
 * assignments, slices, `.to(device)`, `.requires_grad_()` and other methods that keep the dtype,
 * arithmetic, `torch.tanh` and other elementwise calls, `torch.cat` / `torch.stack`,
 * `torch.tensor` / `torch.from_numpy` of NumPy data, and the batches of a
 * `DataLoader(TensorDataset(…))`. Raw tensors are followed the same way where they are
 * matrix-multiplied (`x @ w`, `torch.matmul`, `F.linear`, also inside a function of the file),
 * since PyTorch does not promote mixed dtypes there: `h = torch.tanh(x @ w1 + b1)` then `h @ w2`
 * puts `x`, `w1`, `b1` and `w2` in one fix. The fix then converts the model (or tensor) and those
 * float64 places together, and its title counts them. Integer tensors (`torch.randint`,
 * `torch.LongTensor`, `.long()`, `.argmax()`) and `None`, numbers and strings given to a model take
 * no part: an `nn.Embedding` reads integer indices in either dtype, and an integer tensor given to
 * a layer that computes with it fails in float64 as in float32.
 *
 * The finding stays and no fix is offered when one of those tensors cannot be followed (data read
 * from a file, NumPy's own float64 default, `torch.tensor` of a list, a loader or a function of
 * another module), when float64 data that no fix converts is given to the model (a test set
 * evaluated after training), when not every call of the model can be found (it is kept on an
 * object, `self.net = …`, or handed to a trainer, a class of the file such as one that calls
 * `self.net(x)`, or a function of another module; a raw parameter passed to a function of another
 * module likewise), or when a class of the file makes float64 modules or tensors of its own
 * (hidden states in `forward`, `self.net = ….to(torch.float64)`): converting only one side would
 * stop the script with `RuntimeError: mat1 and mat2 must have the same dtype`. A float64 tensor
 * that is only added or multiplied elementwise keeps a fix of its own: PyTorch promotes the
 * result to float64 there.
 *
 * float32 rounds earlier than float64: a model that relied on float64 (an ill-conditioned problem,
 * a loss that cancels large terms) may train differently. float64 may be the point of the script:
 * physics-informed networks (PINNs) and other scientific code can need it for the derivatives in
 * their loss and for stiff or ill-conditioned problems, and research that compares precisions
 * trains in float64 on purpose. The rule cannot tell; such a script says so with `# noqa: GML106`.
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
    let found: Places | undefined;
    const places = () => (found ??= new Places(model, () => facts.trainingRegions));
    const flag = (place: Place | undefined) => {
      // A place off the way to training counts only as a tensor a training step gives a float64 model (`model(x.double())`).
      if (!place || (!place.reaches() && !places().inTraining(place.node))) return;
      const { withheld, extra, group } = model.remember('GML106.consistency', () => places().consistency());
      if (!place.reaches() && !extra.has(place.node.id)) return;
      const message = `${place.what}: ${COST}. Train in float32 unless the model needs float64.`;
      if (withheld) return report({ node: place.node, message: `${message} ${withheld}` });
      const own = place.fix(edits);
      const others = group.filter((p) => p.node.id !== place.node.id);
      if (!group.some((p) => p.node.id === place.node.id) || others.length === 0) return report({ node: place.node, message, fixes: [own] });
      // A model and what it is fed change together: one fix converts every place of the group.
      const changes = [...own.edits];
      const seen = new Set(changes.map(editKey));
      for (const other of others) {
        for (const edit of other.fix(edits).edits) if (!seen.has(editKey(edit))) {
          seen.add(editKey(edit));
          changes.push(edit);
        }
      }
      const title = `${own.title}, with the ${others.length} other float64 place${others.length === 1 ? '' : 's'} the model trains with`;
      report({ node: place.node, message, fixes: [{ title, edits: changes }] });
    };
    for (const call of sites.callsNamed('double')) flag(places().double(call));
    for (const method of ['to', 'type']) for (const call of sites.callsNamed(method)) flag(places().cast(call));
    for (const id of sites.identifiers('dtype')) flag(places().dtypeKeyword(model.parentOf(id), id));
    for (const call of sites.callsNamed('astype')) flag(places().astype(call));
    for (const call of sites.callsTo(DEFAULT_DTYPE_SETTERS)) flag(places().defaultDtype(call, facts.trainingRegions.length > 0));
  },
});
