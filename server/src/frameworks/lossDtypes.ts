// Whether a mixed-precision dtype policy would break a GradientTape step's hand-written loss. Under
// the policy a Keras model's output is float16/bfloat16 while the data stays float32, and TensorFlow
// does not promote dtypes: `y_true - y_pred` raises a TypeError. Keras's `Loss` objects cast their
// inputs to float32 (and Keras's loss functions cast the targets to the output's dtype), so a loss
// computed by Keras is safe; arithmetic the file writes between the output and other tensors is not.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import type { FactContext } from '../rules/rule';
import { kerasName } from './keras';
import { parameterName, trainingSteps, type TrainingStep } from './training';
import { localClassOf } from './callbacks';

/**
 * What a value is under a mixed policy: a Python constant (takes any tensor's dtype), float32 for
 * sure (a Keras `Loss` object's result, a cast to float32), possibly the model's 16-bit output
 * (the result of any call that may be a model), or other data (inputs, targets: float32 or integers).
 */
type Tag = 'const' | 'f32' | 'output' | 'data';

/** Arithmetic operators that need both operands in one dtype. */
const ARITHMETIC = new Set(['+', '-', '*', '/', '//', '%', '**', '@']);

/** TensorFlow / Keras ops that combine two tensors of one dtype (the others take one tensor and shapes, axes or indices). */
const BINARY_OPS = new Set([
  'add',
  'subtract',
  'multiply',
  'divide',
  'truediv',
  'squared_difference',
  'maximum',
  'minimum',
  'matmul',
  'pow',
  'add_n',
  'tensordot',
  'softmax_cross_entropy_with_logits',
  'softmax_cross_entropy_with_logits_v2',
  'sigmoid_cross_entropy_with_logits',
  'weighted_cross_entropy_with_logits',
]);

/** Keywords of TensorFlow ops that are not tensors of the computation. */
const NOT_TENSORS = new Set(['axis', 'keepdims', 'name', 'dtype', 'from_logits', 'reduction', 'transpose_a', 'transpose_b', 'axes']);

/** Libraries whose functions compute on tensors without casting. */
const TENSOR_LIBRARIES = ['tensorflow.', 'keras.ops.', 'keras.backend.', 'numpy.'];

/** Methods of Keras models that compute the compiled loss (casting to float32). */
const KERAS_LOSS_METHODS = new Set(['compute_loss', 'compiled_loss']);

const FLOAT32 = new Set(['float32', 'tensorflow.float32', 'tensorflow.dtypes.float32', 'numpy.float32']);

const BUILTINS = new Set(['sum', 'abs', 'min', 'max']);

const MAX_DEPTH = 4;

class LossReader {
  /** The first operation found that combines the output with float32 data. */
  mixing: Node | undefined;
  private readonly seen = new Set<number>();

  constructor(private readonly model: Semantic) {}

  read(expr: Node, env: Map<string, Tag>, depth: number): Tag {
    switch (expr.type) {
      case 'integer':
      case 'float':
      case 'true':
      case 'false':
      case 'none':
      case 'string':
        return 'const';
      case 'parenthesized_expression':
        return expr.namedChild(0) ? this.read(expr.namedChild(0)!, env, depth) : 'data';
      case 'unary_operator':
        return this.read(expr.childForFieldName('argument')!, env, depth);
      case 'binary_operator': {
        const left = this.read(expr.childForFieldName('left')!, env, depth);
        const right = this.read(expr.childForFieldName('right')!, env, depth);
        const op = expr.childForFieldName('operator')?.text ?? '';
        return ARITHMETIC.has(op) ? this.combine(expr, [left, right]) : join([left, right]);
      }
      case 'conditional_expression':
        return join(expr.namedChildren.filter((c, i): c is Node => !!c && i !== 1).map((c) => this.read(c, env, depth)));
      case 'subscript':
        return this.read(expr.childForFieldName('value')!, env, depth);
      case 'attribute':
        // `model.losses`: the regularization losses, computed from float32 variables.
        if (expr.childForFieldName('attribute')?.text === 'losses') return 'f32';
        return this.read(expr.childForFieldName('object')!, env, depth) === 'output' ? 'output' : 'data';
      case 'list':
      case 'tuple':
        return join(expr.namedChildren.filter((c): c is Node => !!c).map((c) => this.read(c, env, depth)));
      case 'identifier':
        return this.name(expr, env, depth);
      case 'call':
        return this.call(this.model.callSite(expr), env, depth);
      default:
        return 'data';
    }
  }

  /** An operation on several tensors: the output with float32 data is the mismatch. */
  private combine(node: Node, tags: Tag[]): Tag {
    if (tags.includes('output') && tags.some((t) => t === 'data' || t === 'f32')) this.mixing ??= node;
    return join(tags);
  }

  private name(id: Node, env: Map<string, Tag>, depth: number): Tag {
    const binding = this.model.reachingBinding(id);
    const given = env.get(id.text);
    // A parameter bound by the caller, unless the function assigns it again (`y_pred = tf.cast(y_pred, tf.float32)`).
    if (given && (!binding || binding.kind === 'param')) return given;
    if (depth >= MAX_DEPTH) return 'data';
    const assignment = binding?.kind === 'assign' || binding?.kind === 'other' ? binding.node : undefined;
    if (!binding || assignment?.type !== 'assignment' || this.seen.has(assignment.id)) return 'data';
    // `y_pred = model(x)`; `logits, state = model(x)` (the whole right side when the pattern is not paired).
    const value = binding.value ?? assignment.childForFieldName('right');
    if (!value) return 'data';
    this.seen.add(assignment.id);
    // An assignment in the same function reads its parameters as the caller bound them.
    const sameFunction = this.model.enclosingFunction(assignment)?.id === this.model.enclosingFunction(id)?.id;
    const tag = this.read(value, sameFunction ? env : new Map(), depth + 1);
    this.seen.delete(assignment.id);
    return tag;
  }

  private call(call: CallSite, env: Map<string, Tag>, depth: number): Tag {
    const qualified = call.qualifiedName;
    if (qualified && (qualified.endsWith('.cast') || qualified === 'tensorflow.dtypes.cast')) {
      const dtype = call.argument('dtype', 1);
      const tag = call.positional[0] ? this.read(call.positional[0], env, depth) : 'data';
      if (!dtype) return tag;
      const value = this.model.evaluate(dtype);
      return FLOAT32.has(value.kind === 'string' ? value.value : (this.model.qualifiedName(dtype) ?? '')) ? 'f32' : tag;
    }
    // The arguments that are tensors of the computation, each read once (arithmetic inside them counts too).
    const args = new Map<number, Tag>();
    for (const a of call.positional) args.set(a.id, this.read(a, env, depth));
    for (const k of call.keywords.values()) if (!NOT_TENSORS.has(k.name)) args.set(k.value.id, this.read(k.value, env, depth));
    const tags = [...args.values()];
    // A Keras loss function casts the targets to the output's dtype; a Loss class is built, not called on tensors.
    if (kerasName(qualified)?.startsWith('keras.losses.')) return join(tags);
    if (qualified && TENSOR_LIBRARIES.some((p) => qualified.startsWith(p))) {
      const op = qualified.slice(qualified.lastIndexOf('.') + 1);
      if (BINARY_OPS.has(op)) return this.combine(call.node, tags);
      return call.positional[0] ? args.get(call.positional[0].id)! : 'data';
    }
    // Another library's function: what it returns is not known; it may keep the output's dtype.
    if (qualified) return join(tags);
    if (KERAS_LOSS_METHODS.has(call.methodName) && call.receiver) return 'f32';
    // `sum(model.losses)`, `abs(x)`: the builtins keep their argument's dtype.
    if (call.callee.type === 'identifier' && BUILTINS.has(call.callee.text) && this.model.lookup(call.callee.text, call.callee).length === 0) return join(tags);
    const origin = this.model.originCall(call.callee);
    if (kerasName(origin?.qualifiedName)?.startsWith('keras.losses.')) return 'f32';
    const fn = call.callee.type === 'identifier' ? this.model.lookupDefinitions(call.callee.text, call.callee).find((b) => b.kind === 'def')?.node : undefined;
    if (fn) return this.localFunction(fn, call, args, depth);
    // Anything else may be a model: its result may be in the policy's compute dtype.
    return 'output';
  }

  /** A function of the file, its parameters bound to what the call passes: what its `return`s give. */
  private localFunction(fn: Node, call: CallSite, args: Map<number, Tag>, depth: number): Tag {
    if (depth >= MAX_DEPTH || this.seen.has(fn.id)) return 'output';
    const env = new Map<string, Tag>();
    const params = fn.childForFieldName('parameters')?.namedChildren.filter((p): p is Node => !!p) ?? [];
    params.forEach((p, i) => {
      const name = parameterName(p);
      const arg = name ? (call.keywords.get(name)?.value ?? call.positional[i]) : undefined;
      if (name) env.set(name, (arg && args.get(arg.id)) || 'data');
    });
    this.seen.add(fn.id);
    const returned = this.model
      .nodesWithin(fn, 'return_statement')
      .filter((r) => this.model.enclosingFunction(r)?.id === fn.id)
      .flatMap((r) => (r.namedChild(0) ? [this.read(r.namedChild(0)!, env, depth + 1)] : []));
    this.seen.delete(fn.id);
    return returned.length ? join(returned) : 'data';
  }

  /** A function's statements, its parameters bound as given: the arithmetic in them (a metric's `update_state` returns nothing). */
  readBody(fn: Node, env: Map<string, Tag>): void {
    for (const statement of this.model.nodesWithin(fn, ['expression_statement', 'return_statement'])) {
      const expr = statement.namedChild(0);
      if (!expr || this.model.enclosingFunction(statement)?.id !== fn.id) continue;
      if (expr.type === 'assignment') {
        const right = expr.childForFieldName('right');
        if (right) this.read(right, env, 1);
      } else if (expr.type === 'augmented_assignment') {
        const [left, right] = [expr.childForFieldName('left'), expr.childForFieldName('right')];
        const tags = [left, right].map((n) => (n ? this.read(n, env, 1) : 'data'));
        if (ARITHMETIC.has((expr.childForFieldName('operator')?.text ?? '').replace('=', ''))) this.combine(expr, tags);
      } else {
        this.read(expr, env, 1);
      }
    }
  }
}

/** The output dominates (its dtype spreads); float32 only when every part is; constants take the others' dtype. */
function join(tags: Tag[]): Tag {
  const tensors = tags.filter((t) => t !== 'const');
  if (tensors.length === 0) return 'const';
  if (tensors.includes('output')) return 'output';
  return tensors.every((t) => t === 'f32') ? 'f32' : 'data';
}

/**
 * The operation in a TensorFlow step's loss — its own arithmetic, read through the names it assigns and
 * the file's functions it calls — that combines a model's output with float32 tensors (`y_true - y_pred`,
 * `tf.nn.softmax_cross_entropy_with_logits(labels, logits)`): under a 16-bit policy it fails with a dtype
 * mismatch. Undefined when the loss is computed by Keras or combines no such operands.
 */
export function lossMixingOutputWithData(model: Semantic, step: TrainingStep): Node | undefined {
  const loss = step.gradient.argument('target', 0);
  if (!loss) return undefined;
  const reader = new LossReader(model);
  reader.read(loss, new Map(), 0);
  return reader.mixing;
}

/** Those operations in the file's TensorFlow training steps (a global policy reaches every step). */
export function tapeLossesMixingDtypes({ model, sites }: FactContext): Node[] {
  return trainingSteps(model, sites)
    .filter((s) => s.kind === 'tensorflow')
    .flatMap((s) => {
      const mixing = lossMixingOutputWithData(model, s);
      return mixing ? [mixing] : [];
    });
}

/** Methods Keras calls with `(y_true, y_pred)`: a `Metric`'s `update_state`, a `Loss`'s `call`. */
const OUTPUT_METHODS = new Set(['update_state', 'call']);

/**
 * The file's own losses and metrics, and the parameters that receive the targets and the model's
 * output: a `keras.metrics.Metric` subclass's `update_state(self, y_true, y_pred)` and a
 * `keras.losses.Loss` subclass's `call(self, y_true, y_pred)` wherever the file builds one (given to
 * `compile`, or called in a `GradientTape` step), a function `f(y_true, y_pred)` given to
 * `compile(loss=…, metrics=[…])`. Keras's own (strings, `keras.losses.…` objects) are not among them.
 */
function ownLossFunctions(model: Semantic, sites: FactContext['sites']): { fn: Node; targets: string; output: string }[] {
  const out: { fn: Node; targets: string; output: string }[] = [];
  const add = (fn: Node, skip: number) => {
    const names = (fn.childForFieldName('parameters')?.namedChildren ?? []).filter((p): p is Node => !!p).map((p) => parameterName(p));
    const [targets, output] = names.slice(skip);
    if (targets && output) out.push({ fn, targets, output });
  };
  for (const compile of sites.callsNamed('compile')) {
    if (!compile.receiver) continue;
    const given = [compile.argument('loss', 1), compile.keywords.get('metrics')?.value, compile.keywords.get('weighted_metrics')?.value];
    for (const value of given.filter((v): v is Node => !!v)) {
      const entries = value.type === 'list' || value.type === 'tuple' ? value.namedChildren : value.type === 'dictionary' ? value.namedChildren.map((p) => p?.childForFieldName('value')) : [value];
      for (const entry of entries) {
        const fn = entry?.type === 'identifier' ? model.lookupDefinitions(entry.text, entry).find((b) => b.kind === 'def')?.node : undefined;
        if (fn) add(fn, 0);
      }
    }
  }
  // `RootMeanSquaredError()`: a Keras Metric or Loss class of the file, built. The classes are found
  // first and their calls by name, so the reader does not resolve every call of the file.
  for (const cls of sites.classDefinitions()) {
    const name = cls.childForFieldName('name')?.text;
    if (!name || !model.classBases(cls).some((q) => /^keras\.(metrics|losses)\./.test(kerasName(q) ?? ''))) continue;
    if (!sites.callsNamed(name).some((call) => localClassOf(model, call)?.id === cls.id)) continue;
    for (const member of cls.childForFieldName('body')?.namedChildren ?? []) {
      const fn = member?.type === 'decorated_definition' ? member.childForFieldName('definition') : member;
      if (fn?.type === 'function_definition' && OUTPUT_METHODS.has(fn.childForFieldName('name')?.text ?? '')) add(fn, 1);
    }
  }
  return out;
}

/**
 * The operations in the file's own losses and metrics (those Keras calls with the model's output) that combine the model's
 * output (`y_pred`, not cast to float32 first) with the targets or other float32 tensors
 * (`tf.one_hot(y_true, 10) - y_pred`): under a 16-bit policy the output arrives in 16 bits and they fail.
 */
export function ownLossesMixingDtypes({ model, sites }: FactContext): Node[] {
  return ownLossFunctions(model, sites).flatMap(({ fn, targets, output }) => {
    const reader = new LossReader(model);
    reader.readBody(fn, new Map<string, Tag>([[targets, 'data'], [output, 'output']]));
    return reader.mixing ? [reader.mixing] : [];
  });
}

/** Why a policy fix is withheld from a file with such a loss, and what to change first. */
export function mixedLossNote({ model, sites }: FactContext, mixing: Node): string {
  const text = mixing.text.replace(/\s+/g, ' ');
  const shown = text.length > 60 ? `${text.slice(0, 57)}…` : text;
  const fn = model.enclosingFunction(mixing);
  const compiled = fn && ownLossFunctions(model, sites).find((f) => f.fn.id === fn.id);
  // A Keras 3 file that never imports TensorFlow casts with keras.ops, and may run on another backend.
  const tensorflow = model.importsAny(['tensorflow']);
  const cast = (value: string) => (tensorflow ? `tf.cast(${value}, tf.float32)` : `keras.ops.cast(${value}, "float32")`);
  const rejects = tensorflow ? 'which TensorFlow rejects' : "which Keras's default TensorFlow backend rejects";
  if (fn && compiled) {
    const output = compiled.output;
    const cls = model.enclosingClass(fn);
    const name = `${cls ? `${cls.childForFieldName('name')?.text}.` : ''}${fn.childForFieldName('name')?.text}`;
    return (
      ` No fix is offered: under a 16-bit policy \`${name}\` receives the model's 16-bit output as \`${output}\` and combines it with ` +
      `float32 tensors in \`${shown}\`, ${rejects} (it does not promote dtypes). Cast it first — ` +
      `\`${output} = ${cast(output)}\` at the start of \`${name}\` — then set the policy.`
    );
  }
  return (
    ` No fix is offered: under a 16-bit policy the model's output meets float32 tensors in \`${shown}\`, ${rejects} ` +
    `(it does not promote dtypes). Make the output float32 first — a last layer with dtype="float32", or \`${cast('output')}\` ` +
    'before the loss — then set the policy.'
  );
}
