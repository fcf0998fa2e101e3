// Model size: the widest layer of a PyTorch or Keras model built in the file, when every layer's
// width is written as a literal — the evidence that a model is too small for mixed precision to pay.
// Anything not seen (a width from a variable, an unknown layer, an imported model) is unknown.
import type { Binding } from '../analysis/model/bindings';
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { numberValue, stringValue, type Value } from '../analysis/values';
import { argparseDefault } from './argparse';
import { localClassOf, localClassOfExpression } from './callbacks';
import { within } from './loops';
import { kerasName } from './keras';
import { LIGHTNING_MODULES } from './lightning';
import { parameterName } from './training';
import { argumentFor, argumentsFor, isParameter, parametersOf } from './parameters';

/**
 * The widest layer (output features, units, channels, hidden or embedding size) of a model that
 * counts as small: mixed precision is not worth it there. bench/evidence/GML101 measures CPU bf16
 * autocast costing more than fp32 up to 256-wide dense layers and breaking even (×0.95, within the
 * spread) on a CNN of 32 channels; the GPU crossover was not measured, so only models at most this
 * wide are left alone.
 */
export const SMALL_MODEL_WIDTH = 32;

/** A width: a number, a size read from the data (`len(classes)`, `x.shape[1]`), or undefined when unknown. */
type Width = number | 'data' | undefined;

/** Output-width argument (keyword, position) of each known layer, by qualified name (Keras names as `kerasName` writes them). */
const LAYER_WIDTH: ReadonlyMap<string, [string, number]> = new Map([
  ...['Linear', 'LazyLinear'].map((n): [string, [string, number]] => [`torch.nn.${n}`, ['out_features', n === 'Linear' ? 1 : 0]]),
  ['torch.nn.Bilinear', ['out_features', 2]],
  ...['Conv1d', 'Conv2d', 'Conv3d', 'ConvTranspose1d', 'ConvTranspose2d', 'ConvTranspose3d'].map((n): [string, [string, number]] => [`torch.nn.${n}`, ['out_channels', 1]]),
  ...['Embedding', 'EmbeddingBag'].map((n): [string, [string, number]] => [`torch.nn.${n}`, ['embedding_dim', 1]]),
  ...['LSTM', 'GRU', 'RNN', 'LSTMCell', 'GRUCell', 'RNNCell'].map((n): [string, [string, number]] => [`torch.nn.${n}`, ['hidden_size', 1]]),
  ['keras.layers.Dense', ['units', 0]],
  ...['Conv1D', 'Conv2D', 'Conv3D', 'Conv1DTranspose', 'Conv2DTranspose', 'Conv3DTranspose', 'SeparableConv1D', 'SeparableConv2D'].map((n): [string, [string, number]] => [`keras.layers.${n}`, ['filters', 0]]),
  ['keras.layers.Embedding', ['output_dim', 1]],
  ...['LSTM', 'GRU', 'SimpleRNN'].map((n): [string, [string, number]] => [`keras.layers.${n}`, ['units', 0]]),
]);

/** Layers and calls with no width of their own (activations, pooling, normalisation, reshaping, containers, initialisers). */
const NO_WIDTH = new Set([
  ...['ReLU', 'ReLU6', 'LeakyReLU', 'PReLU', 'ELU', 'SELU', 'GELU', 'SiLU', 'Mish', 'Tanh', 'Sigmoid', 'Softmax', 'LogSoftmax', 'Softplus', 'Hardtanh',
    'Dropout', 'Dropout1d', 'Dropout2d', 'Dropout3d', 'AlphaDropout', 'Flatten', 'Unflatten', 'Identity', 'Sequential', 'ModuleList', 'ModuleDict',
    'MaxPool1d', 'MaxPool2d', 'MaxPool3d', 'AvgPool1d', 'AvgPool2d', 'AvgPool3d', 'AdaptiveAvgPool1d', 'AdaptiveAvgPool2d', 'AdaptiveAvgPool3d',
    'AdaptiveMaxPool1d', 'AdaptiveMaxPool2d', 'BatchNorm1d', 'BatchNorm2d', 'BatchNorm3d', 'LayerNorm', 'GroupNorm', 'InstanceNorm1d', 'InstanceNorm2d',
    'Upsample', 'ZeroPad2d', 'ReflectionPad2d', 'PixelShuffle'].map((n) => `torch.nn.${n}`),
  ...['Flatten', 'Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'Input', 'InputLayer', 'Activation', 'ReLU', 'LeakyReLU', 'Softmax',
    'MaxPooling1D', 'MaxPooling2D', 'MaxPooling3D', 'AveragePooling1D', 'AveragePooling2D', 'GlobalAveragePooling1D', 'GlobalAveragePooling2D',
    'GlobalMaxPooling1D', 'GlobalMaxPooling2D', 'BatchNormalization', 'LayerNormalization', 'Normalization', 'Rescaling', 'Reshape', 'Permute',
    'RepeatVector', 'Concatenate', 'concatenate', 'Add', 'add', 'Multiply', 'Average', 'Bidirectional', 'TimeDistributed', 'Resizing',
    'RandomFlip', 'RandomRotation', 'RandomZoom', 'RandomTranslation', 'RandomContrast', 'UpSampling2D', 'ZeroPadding2D', 'Cropping2D',
    // A Lambda layer's function has no weights Keras tracks; noise and masking layers have none either.
    'Lambda', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'ActivityRegularization', 'Masking', 'Subtract', 'Maximum', 'Minimum',
    'UpSampling1D', 'ZeroPadding1D', 'Cropping1D', 'GlobalAveragePooling3D', 'GlobalMaxPooling3D', 'MaxPooling3D', 'AveragePooling3D'].map((n) => `keras.layers.${n}`),
  'keras.Sequential', 'keras.models.Sequential', 'keras.Input',
]);

/**
 * Modules of layer arguments with no width of their own: weight initialisers, regularisers,
 * constraints and activations (`kernel_regularizer=keras.regularizers.l2(0.002)`,
 * `kernel_initializer=HeNormal()`, `keras.activations.get("relu")`); and torchmetrics metrics a
 * LightningModule keeps (`self.train_acc = Accuracy(…)`), which count but hold no weights.
 */
const WIDTHLESS_MODULES = ['torch.nn.init.', 'keras.regularizers.', 'keras.initializers.', 'keras.constraints.', 'keras.activations.', 'torchmetrics.'];

/** Tensor factories whose literal shape gives an `nn.Parameter` its width. */
const TENSOR_FACTORIES = new Set(['randn', 'rand', 'zeros', 'ones', 'empty', 'Tensor', 'FloatTensor', 'tensor'].map((n) => `torch.${n}`));
const PARAMETER = 'torch.nn.Parameter';
const BUILTINS = new Set(['len', 'int', 'float', 'range', 'print', 'list', 'tuple', 'dict', 'zip', 'enumerate', 'max', 'min', 'super', 'isinstance']);
const SEQUENTIALS = new Set(['torch.nn.Sequential', 'keras.Sequential', 'keras.models.Sequential']);
const FUNCTIONAL_MODELS = new Set(['keras.Model', 'keras.models.Model']);
/** Methods that return the model they are called on. */
const SAME_MODEL = new Set(['to', 'cuda', 'cpu', 'train', 'float']);

/**
 * Names bound while a class's `__init__` is read (its parameters, from the construction call): a
 * width, the numbers of a literal tuple or list (`hidden_units=(32, 16)`, looped over), or 'plain'
 * for another value that is no module.
 */
type Bound = Width | number[] | 'plain';
type Env = ReadonlyMap<string, Bound>;
const EMPTY: Env = new Map();

function layerName(q: string | undefined): string | undefined {
  return kerasName(q) ?? q;
}

/** Whether a call reads a size from the data: `len(x)`, `x.size(1)`, `x.item()`, `x.max() + 1` (the operand part). */
function readsData(model: Semantic, expr: Node): boolean {
  if (expr.type === 'call') {
    const call = model.callSite(expr);
    return (call.callee.type === 'identifier' && call.callee.text === 'len') || ['size', 'item', 'max', 'nunique', 'numel'].includes(call.methodName);
  }
  // `x.shape[1]`, `x.shape[-1]`
  return expr.type === 'subscript' && /\.shape$/.test(expr.childForFieldName('value')?.text ?? '');
}

/** The width an expression holds, in `env`. */
function widthOf(model: Semantic, expr: Node | undefined, env: Env, depth = 0): Width {
  if (!expr || depth > 8) return undefined;
  if (expr.type === 'parenthesized_expression') return widthOf(model, expr.namedChild(0) ?? undefined, env, depth + 1);
  // A parameter, or an attribute `__init__` set from one (`self.units`).
  if ((expr.type === 'identifier' || expr.type === 'attribute') && env.has(expr.text)) {
    const bound = env.get(expr.text);
    return bound === 'plain' || Array.isArray(bound) ? undefined : bound;
  }
  if (readsData(model, expr)) return 'data';
  if (expr.type === 'binary_operator') {
    const left = widthOf(model, expr.childForFieldName('left') ?? undefined, env, depth + 1);
    const right = widthOf(model, expr.childForFieldName('right') ?? undefined, env, depth + 1);
    if (left === 'data' || right === 'data') return left === undefined || right === undefined ? undefined : 'data';
    if (left === undefined || right === undefined) return undefined;
    const op = expr.childForFieldName('operator')?.text;
    // A loop variable reads as its largest value: only the operations that grow with their right operand keep that the largest.
    if ((op === '-' || op === '//') && readsLoopVariable(model, expr.childForFieldName('right') ?? undefined)) return undefined;
    return op === '*' ? left * right : op === '+' ? left + right : op === '-' ? left - right : op === '//' ? Math.floor(left / right) : undefined;
  }
  const value = numberValue(model.evaluate(expr)) ?? argparseDefault(model, expr);
  if (value !== undefined) return value;
  if (expr.type === 'identifier') {
    // `num_classes = len(class_names)`: a name assigned once.
    const bindings = model.lookup(expr.text, expr);
    if (bindings.length === 1 && bindings[0].kind === 'assign' && bindings[0].value) return widthOf(model, bindings[0].value, EMPTY, depth + 1);
    // `for hidden in hidden_units:` over literal numbers: the widest value it takes.
    const values = bindings.length === 1 && bindings[0].kind === 'loop' ? loopValues(model, bindings[0].node, expr.text, env) : undefined;
    if (values?.length) return Math.max(...values);
  }
  return undefined;
}

/** The numbers a `for name in …` loop runs over: a literal tuple or list, or a parameter holding one; undefined otherwise. */
function loopValues(model: Semantic, loop: Node, name: string, env: Env): number[] | undefined {
  const target = loop.childForFieldName('left');
  const iterable = loop.childForFieldName('right');
  if (target?.type !== 'identifier' || target.text !== name || !iterable) return undefined;
  const bound = iterable.type === 'identifier' ? env.get(iterable.text) : undefined;
  if (Array.isArray(bound)) return bound;
  return literalNumbers(model.evaluate(iterable));
}

/** The numbers of a literal tuple or list whose every item is a number. */
function literalNumbers(value: Value): number[] | undefined {
  if (value.kind !== 'tuple' && value.kind !== 'list') return undefined;
  const numbers = value.items.map(numberValue);
  return numbers.every((n): n is number => n !== undefined) ? numbers : undefined;
}

/** Whether an expression reads a `for` loop's variable. */
function readsLoopVariable(model: Semantic, expr: Node | undefined): boolean {
  if (!expr) return false;
  const names = expr.type === 'identifier' ? [expr] : model.nodesWithin(expr, 'identifier');
  return names.some((id) => model.lookup(id.text, id).some((b) => b.kind === 'loop'));
}


/** Collects widths into `widths`; false when something there has no known width. */
class Widths {
  readonly values: Width[] = [];
  add(w: Width): boolean {
    if (w === undefined) return false;
    this.values.push(w);
    return true;
  }
  /** The widest literal width, or undefined when none is known (every width from the data, or none at all). */
  get largest(): number | undefined {
    const numbers = this.values.filter((v): v is number => typeof v === 'number');
    return numbers.length ? Math.max(...numbers) : undefined;
  }
}

/**
 * Whether a Keras `Embedding` is frozen: built with `trainable=False`, or assigned to a name whose
 * `.trainable` is then set to `False`, and its `trainable` never given another value. A frozen
 * embedding (pretrained vectors, `weights=[matrix]`) is a table lookup with nothing to train. Other
 * frozen layers still count: their forward pass (a frozen `Dense` or `Conv2D`) still multiplies
 * matrices, which the policy would run in 16 bits.
 */
function frozenKerasLayer(model: Semantic, call: CallSite): boolean {
  if (layerName(call.qualifiedName) !== 'keras.layers.Embedding') return false;
  const values: Node[] = [];
  const given = call.keywords.get('trainable');
  if (given) values.push(given.value);
  for (const use of model.usesOfValue(call.node)) {
    const attribute = model.parentOf(use);
    if (attribute?.type !== 'attribute' || attribute.childForFieldName('attribute')?.text !== 'trainable') continue;
    const assignment = model.parentOf(attribute);
    // `layer.trainable = …` (a read such as `print(layer.trainable)` changes nothing).
    if (assignment?.type === 'assignment' && assignment.childForFieldName('left')?.id === attribute.id) values.push(assignment.childForFieldName('right') ?? attribute);
  }
  return values.length > 0 && values.every((v) => {
    const value = model.evaluate(v);
    return value.kind === 'bool' && !value.value;
  });
}

/** The width of one layer construction call: its output width, a Parameter's literal shape, or a same-file module's widest layer. */
function layerWidth(model: Semantic, call: CallSite, env: Env, depth: number): Width | 'none' {
  // A value only compared (`if parse_version(v) > parse_version("0.8"):`) is no layer the model keeps.
  if (model.parentOf(call.node)?.type === 'comparison_operator') return 'none';
  const q = layerName(call.qualifiedName);
  if (q) {
    if (frozenKerasLayer(model, call)) return 'none';
    const spec = LAYER_WIDTH.get(q);
    if (spec) return widthOf(model, call.argument(spec[0], spec[1]), env);
    if (NO_WIDTH.has(q) || TENSOR_FACTORIES.has(q) || WIDTHLESS_MODULES.some((m) => q.startsWith(m))) return 'none';
    if (q === PARAMETER) {
      const factory = call.argument('data', 0);
      const made = factory?.type === 'call' ? model.callSite(factory) : undefined;
      if (!made || !TENSOR_FACTORIES.has(made.qualifiedName ?? '')) return undefined;
      const dims = new Widths();
      for (const d of made.positional) if (!dims.add(widthOf(model, d, env))) return undefined;
      return dims.largest ?? 'data';
    }
    return undefined;
  }
  if (call.callee.type === 'identifier' && BUILTINS.has(call.callee.text) && !model.lookupDefinitions(call.callee.text, call.callee).length) return 'none';
  // `super().__init__()`, `self.register_buffer(…)`, a LightningModule's `self.save_hyperparameters()`
  if (call.callee.text.startsWith('super(') || (call.receiver?.text === 'self' && ['register_buffer', 'register_parameter', 'add_module', 'apply', 'save_hyperparameters'].includes(call.methodName))) return 'none';
  // `layers.append(nn.Linear(…))` on a list made here: the layers in its argument count, the list has no width.
  if (call.methodName in LIST_ADDS && call.receiver?.type === 'identifier' && madeAsList(model, call.receiver)) return 'none';
  const cls = localClassOf(model, call);
  if (!cls) return undefined;
  return classWidth(model, cls, (params, i) => argumentFor(call, params, i), env, depth + 1);
}

/** Base classes of a model class whose own layers are known (none). */
const MODULE_BASES = new Set(['torch.nn.Module', 'keras.Model', 'keras.models.Model', 'keras.layers.Layer', ...LIGHTNING_MODULES]);

/** Whether an argument is a plain value, never a module: a literal, or a command-line option (`args.use_bias`). */
function plainValue(model: Semantic, expr: Node | undefined, env: Env): boolean {
  if (!expr) return false;
  if (expr.type === 'identifier' && env.has(expr.text)) return env.get(expr.text) !== undefined;
  if (model.evaluate(expr).kind !== 'unknown') return true;
  const option = expr.type === 'attribute' ? expr.childForFieldName('attribute')?.text : undefined;
  if (!option || !model.importsAny(['argparse'])) return false;
  const flag = `--${option}`;
  return model.callsNamed('add_argument').some((c) => c.positional.some((a) => [flag, flag.replace(/_/g, '-')].includes(a.text.slice(1, -1))));
}

/** Where a construction's `__init__` arguments come from, by the parameters and a parameter's index. */
type ArgumentOf = (params: Node[], index: number) => Node | undefined;

/** A Keras custom layer's base: its weights may come from `add_weight` in any method, not only `__init__`. */
const KERAS_LAYER = 'keras.layers.Layer';

/**
 * The widest layer a same-file model class builds, for a construction's arguments evaluated in
 * `env`: the layers its `__init__` makes and, in a Keras custom layer, the last dimension of each
 * `self.add_weight(shape=…)` and the layers its other methods make. 'none' for a Keras custom layer
 * with no weights at all (a noise or reshaping layer).
 */
function classWidth(model: Semantic, cls: Node, argumentOf: ArgumentOf, env: Env, depth: number): number | 'none' | undefined {
  if (depth > 4) return undefined;
  const body = cls.childForFieldName('body');
  const init = body?.namedChildren.find((s) => s?.type === 'function_definition' && s.childForFieldName('name')?.text === '__init__') ?? undefined;
  // A local base class builds layers of its own, unseen here.
  const bases = cls.childForFieldName('superclasses')?.namedChildren.filter((b): b is Node => !!b && b.type !== 'keyword_argument' && b.type !== 'comment') ?? [];
  const baseNames = bases.map((b) => layerName(model.qualifiedName(b)) ?? '');
  if (!body || !init || !baseNames.every((b) => MODULE_BASES.has(b))) return undefined;
  const inner = new Map<string, Bound>();
  const params = parametersOf(init, true);
  for (let i = 0; i < params.length; i++) {
    const name = parameterName(params[i]);
    if (!name) continue;
    const given = argumentOf(params, i);
    const value = given ?? params[i].childForFieldName('value') ?? undefined;
    const width = widthOf(model, value, given ? env : EMPTY);
    // A layer with no width of its own (`nonlin=nn.ReLU()`) adds nothing the class's layers do not show.
    const widthless = value?.type === 'call' && layerWidth(model, model.callSite(value), EMPTY, depth) === 'none';
    const plain = width !== undefined || widthless || plainValue(model, value, given ? env : EMPTY);
    // A parameter that may hold a module (`encoder`, passed in) hides its layers: unknown when used.
    if (!plain && model.identifiers(name).some((id) => within(id, init))) return undefined;
    const numbers = width === undefined && value ? literalNumbers(model.evaluate(value)) : undefined;
    inner.set(name, width ?? numbers ?? 'plain');
  }
  const widths = new Widths();
  for (const c of model.callsWithin(init)) {
    const w = layerWidth(model, c, inner, depth);
    if (w !== 'none' && !widths.add(w)) return undefined;
  }
  if (!baseNames.includes(KERAS_LAYER)) return widths.largest;
  // A Keras custom layer: `self.units = units` in `__init__`, read by `build`'s `add_weight(shape=[…, self.units])`.
  for (const [attribute, value] of attributesSetIn(init)) inner.set(attribute, widthOf(model, value, inner) ?? 'plain');
  for (const c of model.callsWithin(body)) {
    if (within(c.node, init)) continue;
    if (c.methodName === 'add_weight' && c.receiver?.text === 'self') {
      const shape = c.keywords.get('shape')?.value;
      const dims = shape?.type === 'list' || shape?.type === 'tuple' ? shape.namedChildren.filter((d): d is Node => !!d && d.type !== 'comment') : [];
      if (!dims.length || !widths.add(widthOf(model, dims[dims.length - 1], inner))) return undefined;
      continue;
    }
    // Tensor operations in `call` have no weights; layers and variables made outside `__init__` do.
    const q = layerName(c.qualifiedName);
    if (q?.startsWith('keras.layers.') || q === 'tensorflow.Variable' || (!q && localClassOf(model, c))) {
      const w = layerWidth(model, c, inner, depth);
      if (w !== 'none' && !widths.add(w)) return undefined;
    }
  }
  return widths.values.length ? widths.largest : 'none';
}

/** `self.name = value` statements directly in a method's body, keyed `self.name`. */
function attributesSetIn(method: Node): Array<[string, Node]> {
  const out: Array<[string, Node]> = [];
  for (const statement of method.childForFieldName('body')?.namedChildren ?? []) {
    const assignment = statement?.type === 'expression_statement' ? statement.namedChild(0) : undefined;
    const left = assignment?.type === 'assignment' ? assignment.childForFieldName('left') : undefined;
    const right = assignment?.childForFieldName('right');
    if (left?.type === 'attribute' && left.childForFieldName('object')?.text === 'self' && right) out.push([left.text, right]);
  }
  return out;
}

/** The widest layer of a Keras functional model: the layers its outputs are computed through, back to its inputs. */
function functionalWidth(model: Semantic, outputs: Node | undefined, widths: Widths, seen: Set<number>, depth = 0): boolean {
  if (!outputs || depth > 40) return false;
  if (outputs.type === 'list' || outputs.type === 'tuple') return outputs.namedChildren.every((o) => !o || functionalWidth(model, o, widths, seen, depth + 1));
  const call = outputs.type === 'call' ? model.callSite(outputs) : model.originCall(outputs);
  if (!call || seen.has(call.node.id)) return !!call;
  seen.add(call.node.id);
  const q = layerName(call.qualifiedName);
  if (q === 'keras.Input' || q === 'keras.layers.Input') return true;
  // `Dense(30)(x)` or `hidden = Dense(30)` … `hidden(x)`; `concatenate([a, b])` is a layer call with no width.
  const layerCall = call.callee.type === 'call' ? model.callSite(call.callee) : q ? call : model.originCall(call.callee);
  if (!layerCall) return false;
  const width = layerWidth(model, layerCall, EMPTY, depth);
  if (width !== 'none' && !widths.add(width)) return false;
  const inputs = layerCall === call ? call.positional : call.argumentValues;
  return inputs.every((i) => functionalWidth(model, i, widths, seen, depth + 1));
}

/**
 * The widest layer of the model an expression holds, when it is built in this file with every
 * layer's width known: `nn.Sequential(…)`, a single built-in layer (`nn.Linear(16, 4)`), `keras.Sequential([…])` (and its `.add(…)` calls), a
 * Keras functional `Model(inputs, outputs)`, or a same-file class deriving directly from
 * `nn.Module` / `keras.Model` whose `__init__` builds known layers and is handed no module with layers (an activation such as `nn.ReLU()` is fine). A function parameter is followed to the file's calls of the
 * function (every one must hold a known model). Undefined when anything is unknown.
 */
export function modelWidth(model: Semantic, expr: Node | undefined, depth = 0): number | undefined {
  if (!expr || depth > 6) return undefined;
  if (isParameter(model, expr)) return parameterModelWidth(model, expr, depth);
  const call = expr.type === 'call' ? model.callSite(expr) : model.originCall(expr);
  if (!call) return undefined;
  if (SAME_MODEL.has(call.methodName) && call.receiver && call.callee.type === 'attribute') return modelWidth(model, call.receiver, depth + 1);
  const q = layerName(call.qualifiedName);
  const widths = new Widths();
  if (q && SEQUENTIALS.has(q)) {
    // Positional layers and `*layers` unpacked among them (a keyword argument is no layer).
    const written = q === 'torch.nn.Sequential' ? (call.node.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => a?.type !== 'keyword_argument') : (call.argument('layers', 0)?.namedChildren ?? []);
    // `nn.Sequential(*layers)`: the layers the list collected.
    const listed: Array<Node | undefined> = [];
    for (const layer of written) {
      if (layer?.type !== 'list_splat') listed.push(layer ?? undefined);
      else listed.push(...(collectedLayers(model, layer.namedChild(0) ?? undefined) ?? [undefined]));
    }
    const added = model.callsOnResultOf(call, ['add']).map((a) => a.argument('layer', 0));
    for (const layer of [...listed, ...added]) {
      if (layer?.type === 'comment') continue;
      // A layer made in place, or a name it was assigned to; layers wrapped in it (`Bidirectional(LSTM(64))`) count too.
      const made = !layer ? undefined : layer.type === 'call' ? model.callSite(layer) : model.originCall(layer);
      if (!made || !addLayer(model, made, widths, depth)) return undefined;
    }
    return widths.largest;
  }
  // A single built-in PyTorch layer trained as the model (`nn.Linear(16, 4)`): a Sequential of one.
  if (q?.startsWith('torch.nn.') && LAYER_WIDTH.has(q)) return addLayer(model, call, widths, depth) ? widths.largest : undefined;
  if (q && FUNCTIONAL_MODELS.has(q)) return functionalWidth(model, call.argument('outputs', 1), widths, new Set()) ? widths.largest : undefined;
  if (q && LOADERS.has(q)) return modelWidth(model, savedModel(model, call), depth + 1);
  if (q) return undefined;
  const cls = localClassOf(model, call);
  const width = cls ? classWidth(model, cls, (params, i) => argumentFor(call, params, i), EMPTY, 0) : undefined;
  return typeof width === 'number' ? width : undefined;
}

/** List methods that add the layers of their argument: `layers.append(nn.Linear(…))`, `layers.extend([…])`. */
const LIST_ADDS: Record<string, 'one' | 'many'> = { append: 'one', extend: 'many' };

/** The one assignment of a list literal a name holds (`layers = [nn.Flatten()]`). */
function madeAsList(model: Semantic, name: Node): Binding | undefined {
  const bindings = model.lookup(name.text, name);
  return bindings.length === 1 && bindings[0].kind === 'assign' && bindings[0].value?.type === 'list' ? bindings[0] : undefined;
}

/**
 * The layers a list collects before a Sequential unpacks it: `layers = [nn.Flatten()]`, then
 * `layers.append(…)`, `layers.extend([…])` or `layers += […]` (in loops too). Undefined when the list
 * is used any other way (passed to a function, indexed, reassigned): it may hold other layers.
 */
function collectedLayers(model: Semantic, list: Node | undefined): Node[] | undefined {
  const made = list?.type === 'identifier' ? madeAsList(model, list) : undefined;
  if (!list || !made?.value || model.parentOf(list)?.type !== 'list_splat') return undefined;
  const layers: Array<Node | null> = [...made.value.namedChildren];
  const elements = (l: Node | null | undefined) => (l?.type === 'list' ? [...l.namedChildren] : undefined);
  for (const id of model.identifiers(list.text)) {
    if (!model.lookup(id.text, id).some((b) => b.node.id === made.node.id)) continue;
    const parent = model.parentOf(id);
    if (id.id === made.node.childForFieldName('left')?.id) continue;
    if (parent?.type === 'list_splat') continue;
    const grown = parent?.type === 'augmented_assignment' && parent.childForFieldName('left')?.id === id.id && parent.childForFieldName('operator')?.text === '+=' ? elements(parent.childForFieldName('right')) : undefined;
    if (grown) { layers.push(...grown); continue; }
    const method = parent?.type === 'attribute' && parent.childForFieldName('object')?.id === id.id ? parent.childForFieldName('attribute')?.text ?? '' : '';
    const called = parent && method in LIST_ADDS ? model.parentOf(parent) : undefined;
    const call = called?.type === 'call' ? model.callSite(called) : undefined;
    const argument = call?.positional.length === 1 && call.keywords.size === 0 ? call.positional[0] : undefined;
    const added = !argument ? undefined : LIST_ADDS[method] === 'one' ? [argument] : elements(argument);
    if (!added) return undefined;
    layers.push(...added);
  }
  return layers.filter((l): l is Node => !!l && l.type !== 'comment');
}

/** Adds the widths of a layer of a Sequential and of the layers made in its arguments; false when one is unknown. */
function addLayer(model: Semantic, made: CallSite, widths: Widths, depth: number): boolean {
  if (frozenKerasLayer(model, made)) return true;
  // A Lambda layer's function computes with tensor operations, not layers.
  const lambdas = made.node.descendantsOfType('lambda').filter((l): l is Node => !!l);
  const inner = model.callsWithin(made.node).filter((c) => c.node.id !== made.node.id && !lambdas.some((l) => within(c.node, l)));
  for (const c of [made, ...inner]) {
    const w = layerWidth(model, c, EMPTY, depth);
    if (w !== 'none' && !widths.add(w)) return false;
  }
  return true;
}

const LOADERS = new Set(['keras.models.load_model', 'keras.saving.load_model']);
const SAVERS = new Set(['keras.models.save_model', 'keras.saving.save_model']);

/**
 * The model a `load_model(path)` reads back, when this file saved it there before: the last
 * `m.save(path)` or `keras.models.save_model(m, path)` above the load with the same literal path.
 */
function savedModel(model: Semantic, load: CallSite): Node | undefined {
  const file = load.argument('filepath', 0);
  const path = file && stringValue(model.evaluate(file));
  if (path === undefined) return undefined;
  let saved: Node | undefined;
  let savedAt = -1;
  for (const save of [...model.callsNamed('save'), ...model.callsNamed('save_model')]) {
    if (save.node.startIndex >= load.node.startIndex || save.node.startIndex < savedAt) continue;
    const function_ = save.methodName === 'save_model' && SAVERS.has(layerName(save.qualifiedName) ?? '');
    const target = function_ ? save.argument('model', 0) : save.methodName === 'save' ? save.receiver : undefined;
    const where = function_ ? save.argument('filepath', 1) : save.argument('filepath', 0);
    if (target && where && stringValue(model.evaluate(where)) === path) [saved, savedAt] = [target, save.node.startIndex];
  }
  return saved;
}

/** A parameter holding a model: the widest model the file's calls of its function pass in (all must be known). */
function parameterModelWidth(model: Semantic, param: Node, depth: number): number | undefined {
  const args = argumentsFor(model, param);
  if (!args) return undefined;
  let largest = 0;
  for (const arg of args) {
    const w = modelWidth(model, arg, depth + 1);
    if (w === undefined) return undefined;
    largest = Math.max(largest, w);
  }
  return largest;
}

/** Whether the model an expression holds is built in this file and small (see SMALL_MODEL_WIDTH). */
export function isSmallModel(model: Semantic, expr: Node | undefined): boolean {
  const width = modelWidth(model, expr);
  return width !== undefined && width <= SMALL_MODEL_WIDTH;
}

/**
 * Whether the module a skorch net trains is small: `module=` a model built here (`Net(…)`), or a
 * same-file class, which skorch builds itself from the net's `module__<name>=` keywords and the
 * class's defaults.
 */
export function skorchModuleIsSmall(model: Semantic, net: CallSite): boolean {
  const module = net.argument('module', 0);
  if (!module) return false;
  if (module.type === 'call') return isSmallModel(model, module);
  const cls = localClassOfExpression(model, module);
  if (!cls) return false;
  const width = classWidth(model, cls, (params, i) => net.keywords.get(`module__${parameterName(params[i])}`)?.value, EMPTY, 0);
  return typeof width === 'number' && width <= SMALL_MODEL_WIDTH;
}

/**
 * The model a PyTorch optimizer trains: `X` in `torch.optim.SGD(X.parameters(), …)`. The optimizer
 * is the receiver of a `step()` call, followed through a function parameter to the file's calls.
 */
export function optimizedModels(model: Semantic, optimizer: Node, depth = 0): Node[] | undefined {
  if (depth > 4) return undefined;
  if (isParameter(model, optimizer)) {
    const args = argumentsFor(model, optimizer);
    const models = args?.map((arg) => optimizedModels(model, arg, depth + 1));
    return models?.every((m) => !!m) ? models.flat() as Node[] : undefined;
  }
  const made = optimizer.type === 'call' ? model.callSite(optimizer) : model.originCall(optimizer);
  if (!made || !made.qualifiedName?.startsWith('torch.optim.')) return undefined;
  const params = made.argument('params', 0);
  const parameters = params?.type === 'call' ? model.callSite(params) : undefined;
  if (!parameters || parameters.methodName !== 'parameters' || !parameters.receiver) return undefined;
  return [parameters.receiver];
}

/** Whether a PyTorch training step's optimizer (`step()`'s receiver) trains only small models built in this file. */
export function trainsSmallTorchModel(model: Semantic, optimizer: Node | undefined): boolean {
  const models = optimizer && optimizedModels(model, optimizer);
  return !!models && models.length > 0 && models.every((m) => isSmallModel(model, m));
}
