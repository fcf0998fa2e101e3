// Where a PyTorch script computes: on CUDA, pinned to the CPU, on a device chosen at run time, or
// with no device handling at all (the CPU). Advice whose saving depends on the hardware (mixed
// precision, pinned memory, host syncs) reads this instead of assuming a GPU. The facts are declared
// by each rule that needs them (`...DEVICE_FACTS`). TensorFlow code pins work to the CPU with
// `with tf.device("/cpu:0"):` (tfPinnedToCpu). A script of either framework that hides every GPU
// (`os.environ["CUDA_VISIBLE_DEVICES"] = ""` before the import) computes on the CPU (gpusHidden).
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { withItems } from '../analysis/model/navigation';
import { stringLiteral, truthiness } from '../analysis/values';
import { fact, type FactContext, type FactValues } from '../rules/rule';
import { lightningAccelerator, lightningBuilders } from './lightning';
import { ACCELERATORS, AUTOCAST, DEPRECATED_AMP, TORCH_ACCELERATOR_QUERIES } from './torch';

/** A device literal: `cuda`, `cuda:0`, `cpu`, `mps`. */
function deviceKind(text: string | undefined): 'cuda' | 'cpu' | 'mps' | undefined {
  if (text === undefined) return undefined;
  if (text === 'cuda' || text.startsWith('cuda:')) return 'cuda';
  if (text === 'cpu') return 'cpu';
  if (text === 'mps') return 'mps';
  return undefined;
}

function spells({ sites }: FactContext, kind: 'cuda' | 'cpu' | 'mps'): boolean {
  return sites.strings(kind).some((s) => deviceKind(stringLiteral(s)) === kind);
}

/**
 * What a device expression names: a literal, `torch.device(<literal>)`, or undefined when it is
 * chosen at run time — a name assigned different devices (`device = …` in both branches of an `if`)
 * included.
 */
export function deviceOf(model: Semantic, expr: Node): 'cuda' | 'cpu' | 'mps' | 'other' | undefined {
  // Several assignments, none of which settles the value (the branches of an `if`), naming different devices.
  if (expr.type === 'identifier' && !model.reachingBinding(expr)) {
    const assigned = model.lookup(expr.text, expr).filter((b) => b.kind === 'assign' && b.value);
    if (new Set(assigned.map((b) => assignedDevice(model, b.value!))).size > 1) return undefined;
  }
  return assignedDevice(model, expr);
}

/** What one device expression names, read from its value or the call that made it (see deviceOf). */
function assignedDevice(model: Semantic, expr: Node): 'cuda' | 'cpu' | 'mps' | 'other' | undefined {
  const value = model.evaluate(expr);
  if (value.kind === 'string') return deviceKind(value.value) ?? 'other';
  if (value.kind !== 'unknown') return 'other';
  const origin = model.originCall(expr);
  if (origin?.qualifiedName === 'torch.device') {
    const name = origin.valueOf('type', 0);
    if (name?.kind === 'string') return deviceKind(name.value) ?? 'other';
  }
  return undefined;
}

/** The sites' method calls `x.to(…)`, each with where it sends `x`: its first argument or `device=`. */
function toCalls(sites: FactContext['sites']): Array<{ call: CallSite; target: Node }> {
  return sites.callsNamed('to').flatMap((call) => {
    const target = call.positional[0] ?? call.keywords.get('device')?.value;
    return target && call.receiver ? [{ call, target }] : [];
  });
}

/** The values of the sites' keyword arguments with this name (`device=…`). */
function keywordValues({ model, sites }: FactContext, name: string): Node[] {
  const out: Node[] = [];
  for (const id of sites.identifiers(name)) {
    const keyword = model.parentOf(id);
    const value = keyword?.type === 'keyword_argument' && keyword.childForFieldName('name')?.id === id.id ? keyword.childForFieldName('value') : null;
    if (value) out.push(value);
  }
  return out;
}

/** `.to(x)` or a `device=x` argument whose device is chosen at run time (a parameter, a value read from the environment). */
function movesToChosenDevice(context: FactContext): boolean {
  const { model } = context;
  // `.to(torch.float16)`, `.to(weight_dtype)` convert to a dtype; they do not move.
  if (toCalls(context.sites).some(({ target }) => !model.qualifiedName(target)?.startsWith('torch.') && deviceOf(model, target) === undefined && !mayBeDtype(model, target))) return true;
  return keywordValues(context, 'device').some((value) => deviceOf(model, value) === undefined);
}

/**
 * Accelerate's `Accelerator` and Lightning's `Trainer`, `Fabric` and `LightningCLI` place the model
 * and the batches on the accelerator they find when the script runs, unless told the CPU
 * (`Accelerator(cpu=True)`, `accelerator="cpu"`): whether one of them is built without that.
 */
function frameworkPicksDevice({ model, sites }: FactContext): boolean {
  for (const call of sites.callsTo(ACCELERATORS)) {
    // Accelerator(device_placement, split_batches, mixed_precision, gradient_accumulation_steps, cpu, …)
    const cpu = call.valueOf('cpu', 4);
    if (!(cpu && truthiness(cpu) === true)) return true;
  }
  return lightningBuilders(model, sites).some(({ call, kind }) => lightningAccelerator(model, call, kind) === 'runtime');
}

/** `.to(<dtype>)` converts, it does not move. */
const TORCH_DTYPES: ReadonlySet<string> = new Set(
  ['float16', 'half', 'bfloat16', 'float32', 'float', 'float64', 'double', 'int8', 'uint8', 'int16', 'short', 'int32', 'int', 'int64', 'long', 'bool', 'complex64', 'complex128'].map((t) => `torch.${t}`),
);

/**
 * Whether an expression may stand for a torch dtype, so that `.to(it)` converts and does not move:
 * `torch.float16`, a tensor's `.dtype`, or a name one of whose assignments is one
 * (`weight_dtype = torch.float32` … `weight_dtype = torch.float16`).
 */
export function mayBeDtype(model: Semantic, expr: Node, depth = 0): boolean {
  if (TORCH_DTYPES.has(model.qualifiedName(expr) ?? '')) return true;
  if (expr.type === 'attribute') return expr.childForFieldName('attribute')?.text === 'dtype';
  if (expr.type !== 'identifier' || depth > 3) return false;
  return model.lookup(expr.text, expr).some((b) => !!b.value && b.value.id !== expr.id && mayBeDtype(model, b.value, depth + 1));
}

const GRAD_SCALERS = ['torch.amp.GradScaler', 'torch.amp.grad_scaler.GradScaler'];

/** `torch.cuda` calls that ask about the machine or seed it, which CPU-only scripts make too. */
const CUDA_QUERIES: ReadonlySet<string> = new Set(
  ['', 'is_available', 'device_count', 'current_device', 'get_device_name', 'get_device_capability', 'get_device_properties', 'is_bf16_supported', 'manual_seed', 'manual_seed_all'].map((n) => (n ? `torch.cuda.${n}` : 'torch.cuda')),
);

/** Calls that put a script's later work on a device without naming it per tensor. */
const DEFAULT_DEVICE_SETTERS = ['torch.set_default_device', 'torch.set_default_tensor_type', 'torch.cuda.set_device'];

/**
 * Whether the script puts any work on a device: `.cuda()` or `.to(<device>)` on a model or tensor
 * (`.to(torch.float16)`, `.to(weight_dtype)` are dtypes), a `torch.cuda` call other than a query (`synchronize()`,
 * `empty_cache()`; not `is_available()` or `manual_seed()`), a `device=` / `device_map=` argument,
 * a default device, a `with torch.device(…):` block, autocast or a gradient scaler (written for a
 * device). A framework that places it (Accelerate, Lightning) is a separate fact, read only when none
 * of these is there. A device chosen and never used (`device = "cuda" if torch.cuda.is_available()
 * else "cpu"`, then only printed) leaves the computation on the CPU.
 */
function placesWork(context: FactContext): boolean {
  const { model, sites } = context;
  if (sites.callsNamed('cuda').some((c) => c.receiver && !c.qualifiedName)) return true;
  // `torch.cuda.synchronize()`, `empty_cache()`, streams: work on the GPU. Asking about it is not.
  if (sites.callsUnder('torch.cuda').some((c) => !CUDA_QUERIES.has(c.qualifiedName ?? ''))) return true;
  if (toCalls(sites).some(({ call, target }) => !call.qualifiedName && !mayBeDtype(model, target))) return true;
  if (keywordValues(context, 'device').length > 0 || keywordValues(context, 'device_map').length > 0) return true;
  if (sites.callsTo([...DEFAULT_DEVICE_SETTERS, ...Object.keys(AUTOCAST), ...Object.keys(DEPRECATED_AMP), ...GRAD_SCALERS]).length > 0) return true;
  return sites.callsTo(['torch.device']).some((c) => model.parentOf(c.node)?.type === 'with_item');
}

/** Blocks that may not run where they stand: branches, `try` bodies and conditional expressions. */
const GUARDS: ReadonlySet<string> = new Set(['if_statement', 'elif_clause', 'else_clause', 'conditional_expression', 'boolean_operator', 'try_statement']);

/**
 * `.cuda()` on a model or tensor under no branch, `try` or conditional expression (`x.cuda() if
 * use_cuda else x` is guarded): such a script needs CUDA to run at all, whatever it asks
 * `torch.cuda.is_available()` elsewhere (`if torch.cuda.is_available(): torch.cuda.manual_seed(…)`).
 */
function callsCudaUnconditionally({ model, sites }: FactContext): boolean {
  return sites.callsNamed('cuda').some((c) => c.receiver && !c.qualifiedName && ![...model.ancestors(c.node)].some((a) => GUARDS.has(a.type)));
}

// ---- `os.environ["CUDA_VISIBLE_DEVICES"] = ""`: no GPU is visible --------------------------------

const GPU_VISIBILITY = 'CUDA_VISIBLE_DEVICES';

/** The values of CUDA_VISIBLE_DEVICES that hide every GPU (CUDA enumerates none). */
const HIDING_VALUES: ReadonlySet<string> = new Set(['', '-1']);

/** The frameworks that enumerate the GPUs they see; the variable must be set before they are imported. */
const GPU_FRAMEWORKS = ['torch', 'torch.nn', 'tensorflow', 'tensorflow.keras', 'keras', 'jax'];

const ENVIRONMENT_READS: ReadonlySet<string> = new Set(['os.environ.get', 'os.getenv']);

/** Where the string `"CUDA_VISIBLE_DEVICES"` stands: the target of `os.environ[…] = value`, a read, or another use. */
function visibilityUse(model: Semantic, key: Node): { kind: 'write'; assignment: Node; value: Node | null } | { kind: 'read' } | { kind: 'other' } {
  const parent = model.parentOf(key);
  if (parent?.type === 'subscript' && parent.childForFieldName('subscript')?.id === key.id && model.qualifiedName(parent.childForFieldName('value')!) === 'os.environ') {
    const assignment = model.parentOf(parent);
    if (assignment?.type === 'assignment' && assignment.childForFieldName('left')?.id === parent.id) return { kind: 'write', assignment, value: assignment.childForFieldName('right') };
    // `del os.environ[…]`, `os.environ[…] += …` change it; a plain subscript reads it.
    return assignment?.type === 'delete_statement' || assignment?.type === 'augmented_assignment' ? { kind: 'other' } : { kind: 'read' };
  }
  const call = parent?.type === 'argument_list' ? model.parentOf(parent) : null;
  if (call?.type === 'call' && parent!.namedChildren[0]?.id === key.id && ENVIRONMENT_READS.has(model.callSite(call).qualifiedName ?? '')) return { kind: 'read' };
  return { kind: 'other' };
}

/**
 * `os.environ["CUDA_VISIBLE_DEVICES"] = ""` (or `"-1"`) as a statement of the module itself (under
 * no branch, loop or function), standing before the file imports PyTorch, TensorFlow, Keras or JAX.
 */
function gpuHidingAssignments({ model, sites }: FactContext): Node[] {
  const out: Node[] = [];
  const firstImport = Math.min(...model.importsOf(GPU_FRAMEWORKS).map((b) => b.node.startIndex));
  for (const key of sites.strings(GPU_VISIBILITY)) {
    if (stringLiteral(key) !== GPU_VISIBILITY) continue;
    const use = visibilityUse(model, key);
    if (use.kind !== 'write' || !use.value) continue;
    const value = model.evaluate(use.value);
    const statement = model.parentOf(use.assignment);
    if (value.kind !== 'string' || !HIDING_VALUES.has(value.value)) continue;
    if (statement?.type !== 'expression_statement' || model.parentOf(statement)?.type !== 'module') continue;
    if (statement.startIndex < firstImport) out.push(statement);
  }
  return out;
}

/** Whether the file sets CUDA_VISIBLE_DEVICES to anything but a literal that hides every GPU, or changes it otherwise. */
function setsGpuVisibility({ model, sites }: FactContext): boolean {
  return sites.strings(GPU_VISIBILITY).some((key) => {
    if (stringLiteral(key) !== GPU_VISIBILITY) return false;
    const use = visibilityUse(model, key);
    if (use.kind === 'read') return false;
    if (use.kind === 'other' || !use.value) return true;
    const value = model.evaluate(use.value);
    return value.kind !== 'string' || !HIDING_VALUES.has(value.value);
  });
}

/** The facts gpusHidden reads (in DEVICE_FACTS; a TensorFlow rule declares them alone). */
export const GPU_VISIBILITY_FACTS = {
  hidesGpus: fact.nodes(gpuHidingAssignments),
  setsGpuVisibility: fact.any(setsGpuVisibility),
};

/**
 * Whether the script hides every GPU before it imports its framework (`os.environ["CUDA_VISIBLE_DEVICES"]
 * = ""` or `"-1"`, a literal, at module level) and sets the variable nowhere else: it can only compute
 * on the CPU. Any other value, or one that is not a literal, is unknown.
 */
export function gpusHidden(facts: FactValues<typeof GPU_VISIBILITY_FACTS>): boolean {
  return facts.hidesGpus.length > 0 && !facts.setsGpuVisibility;
}

export const DEVICE_FACTS = {
  ...GPU_VISIBILITY_FACTS,
  callsCudaUnconditionally: fact.any(callsCudaUnconditionally),
  callsCudaIsAvailable: fact.any(({ sites }) => sites.callsTo(['torch.cuda.is_available']).length > 0),
  /** `torch.accelerator.is_available()` / `current_accelerator()` (PyTorch 2.6+): whichever accelerator the machine has. */
  asksForAccelerator: fact.any(({ sites }) => sites.callsTo(TORCH_ACCELERATOR_QUERIES).length > 0),
  callsCuda: fact.any(({ sites }) => sites.callsNamed('cuda').some((c) => c.receiver && !c.qualifiedName) || sites.callsUnder('torch.cuda').some((c) => c.qualifiedName !== 'torch.cuda')),
  spellsCuda: fact.any((context) => spells(context, 'cuda')),
  spellsCpu: fact.any((context) => spells(context, 'cpu')),
  spellsMps: fact.any((context) => spells(context, 'mps')),
  movesToChosenDevice: fact.any(movesToChosenDevice),
  frameworkPicksDevice: fact.any(frameworkPicksDevice),
  placesWork: fact.any(placesWork),
};

export type DeviceFacts = FactValues<typeof DEVICE_FACTS>;

/**
 * - `cuda`: the script puts work on a CUDA device it names, or calls `.cuda()` where nothing guards
 *   it (whatever it asks `torch.cuda.is_available()` elsewhere: it cannot run without CUDA);
 * - `runtime`: it picks the device when it runs (`"cuda" if torch.cuda.is_available() else "cpu"`, a
 *   device passed in, `torch.accelerator.current_accelerator()`, an Accelerate `Accelerator` or a Lightning `Trainer` / `Fabric` not told the CPU);
 * - `cpu`: it names the CPU and no GPU;
 * - `none`: it never moves anything to a device (whatever it spells or asks about CUDA): it computes on the CPU.
 *
 * A script that hides every GPU (gpusHidden) and would otherwise be `cuda` or `runtime` is `cpu`.
 */
export type TrainingDevice = 'cuda' | 'mps' | 'runtime' | 'cpu' | 'none';

export function trainingDevice(facts: DeviceFacts): TrainingDevice {
  const device = deviceNamed(facts);
  // CUDA is asked for (or named) in vain when the script hid every GPU: the work stays on the CPU.
  return (device === 'cuda' || device === 'runtime') && gpusHidden(facts) ? 'cpu' : device;
}

function deviceNamed(facts: DeviceFacts): TrainingDevice {
  // Read in this order, each only when needed: a framework's placement reads every place the file
  // spells `Trainer` or `Accelerator`, which would tie every segment to those names.
  const places = () => facts.placesWork || facts.frameworkPicksDevice;
  if (facts.callsCudaUnconditionally) return 'cuda';
  if (facts.callsCudaIsAvailable || facts.asksForAccelerator) return places() ? 'runtime' : 'none';
  if (facts.spellsCuda || facts.callsCuda) return places() ? 'cuda' : 'none';
  if (facts.spellsMps) return places() ? 'mps' : 'none';
  if (facts.movesToChosenDevice || facts.frameworkPicksDevice) return 'runtime';
  if (facts.spellsCpu) return 'cpu';
  return 'none';
}

// ---- TensorFlow: `with tf.device(…)` ----------------------------------------------------------------

const TF_DEVICE = new Set(['tensorflow.device', 'tensorflow.compat.v1.device', 'tensorflow.compat.v2.device']);

/** A TensorFlow device string's type: `/cpu:0`, `/CPU:0`, `cpu`, `/device:CPU:0`, `/job:localhost/replica:0/task:0/device:CPU:0` → cpu. */
function tfDeviceKind(text: string): 'cpu' | 'other' {
  const last = text.split('/').filter(Boolean).at(-1) ?? '';
  const type = last.replace(/^device:/i, '').split(':')[0];
  return type.toLowerCase() === 'cpu' ? 'cpu' : 'other';
}

/**
 * Whether a node runs only under `with tf.device(<literal CPU device>):`: the innermost `tf.device`
 * around it in its function names the CPU, or, with none there, every call of its function in the
 * file does (two levels of callers). A device that is not a literal, or a function called nowhere
 * here, is not known to be pinned.
 */
export function tfPinnedToCpu(model: Semantic, node: Node, depth = 0): boolean {
  const fn = model.enclosingFunction(node);
  for (const a of model.ancestors(node)) {
    if (fn && a.id === fn.id) break;
    if (a.type !== 'with_statement') continue;
    const devices = withItems(a).filter((i) => i.value.type === 'call' && TF_DEVICE.has(model.callSite(i.value).qualifiedName ?? ''));
    if (devices.length === 0) continue;
    const name = model.callSite(devices.at(-1)!.value).argument('device_name', 0);
    const value = name ? model.evaluate(name) : undefined;
    return value?.kind === 'string' && tfDeviceKind(value.value) === 'cpu';
  }
  if (!fn || depth >= 2) return false;
  const callers = model.callersOf(fn);
  return callers.length > 0 && callers.every((c) => tfPinnedToCpu(model, c.node, depth + 1));
}
