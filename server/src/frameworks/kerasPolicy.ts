// Keras dtype policies in a file: whether a mixed-precision policy is set (globally, or on a layer),
// the float32 policies a fix changes in place, and where a policy call goes after the imports.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import type { TextEdit } from '../analysis/types';
import type { Edits } from '../fixes/edits';
import type { FactContext } from '../rules/rule';
import { MIXED_POLICIES, POLICY_CLASSES, POLICY_SETTERS, kerasName } from './keras';
import { lastName } from '../analysis/qualifiedName';

type PolicyKind = 'mixed' | 'full' | 'unknown';

function policyKind(model: Semantic, expr: Node, depth = 0): PolicyKind {
  if (depth > 4) return 'unknown';
  const value = model.evaluate(expr);
  if (value.kind === 'string') return MIXED_POLICIES.has(value.value) ? 'mixed' : 'full';
  if (value.kind !== 'unknown') return 'full';
  const origin = model.originCall(expr);
  if (origin && POLICY_CLASSES.has(kerasName(origin.qualifiedName) ?? '')) {
    const name = origin.argument('name', 0);
    return name ? policyKind(model, name, depth + 1) : 'unknown';
  }
  return 'unknown';
}

/** The policy setter calls (`set_global_policy(…)`, …), in document order. */
function policySetters({ sites }: FactContext): CallSite[] {
  const setterNames = new Set([...POLICY_SETTERS].map(lastName));
  return [...setterNames]
    .flatMap((name) => sites.callsNamed(name))
    .filter((call) => POLICY_SETTERS.has(kerasName(call.qualifiedName) ?? ''))
    .sort((a, b) => a.node.startIndex - b.node.startIndex);
}

/** Whether a mixed (or unknown) policy is set, globally or on a layer. */
export function setsMixedPolicy(context: FactContext): boolean {
  const { model } = context;
  const setters = new Set<number>();
  for (const call of policySetters(context)) {
    setters.add(call.node.id);
    const arg = call.argument('policy', 0);
    if (!arg) {
      if (call.hasStarArgs || call.hasStarKwargs) return true;
      continue;
    }
    if (policyKind(model, arg) !== 'full') return true;
  }
  for (const call of callsWithDtypeKeyword(context)) {
    if (setters.has(call.node.id)) continue;
    const dtype = call.keywords.get('dtype');
    if (dtype && policyKind(model, dtype.value) === 'mixed') return true;
  }
  return false;
}

/** Policy arguments of setters called with a full-precision policy (what a fix changes in place). */
export function fullPolicyArguments(context: FactContext): Node[] {
  const out: Node[] = [];
  for (const call of policySetters(context)) {
    const arg = call.argument('policy', 0);
    if (arg && policyKind(context.model, arg) === 'full') out.push(arg);
  }
  return out;
}

/**
 * Calls with a `dtype=` keyword. A keyword is spelled out in the text, so the tree is asked only at
 * the places that spell `dtype` instead of reading the arguments of every call in the file.
 */
function callsWithDtypeKeyword({ model, sites }: FactContext): CallSite[] {
  const out: CallSite[] = [];
  for (const name of sites.identifiers('dtype')) {
    const keyword = model.parentOf(name);
    if (keyword?.type !== 'keyword_argument' || keyword.childForFieldName('name')?.id !== name.id) continue;
    const args = model.parentOf(keyword);
    const call = args?.type === 'argument_list' ? model.parentOf(args) : null;
    if (call?.type === 'call') out.push(model.callSite(call));
  }
  return out;
}

/** The modules whose import gives a name to call the policy setter through. */
const KERAS_MODULES = ['keras', 'tensorflow.keras', 'tf_keras', 'tensorflow'];

/** The module-level statement that holds a node. */
function topStatement(model: Semantic, node: Node): Node {
  let statement = node;
  while (model.parentOf(statement) && model.parentOf(statement)!.id !== model.root.id && model.parentOf(statement)!.type !== 'module') statement = model.parentOf(statement)!;
  return statement;
}

/**
 * The last module-level statement before `before` that imports from the `keras` package itself
 * (`from keras import layers`, `import keras.layers`): a Keras 3 file, whose models take the policy
 * of `keras`, not of `tf.keras` (tf_keras under TF_USE_LEGACY_KERAS=1, and a separate package before TF 2.16).
 */
function lastKerasPackageImport(model: Semantic, before: Node): Node | undefined {
  let last: Node | undefined;
  for (const id of model.identifiers('keras')) {
    const dotted = model.parentOf(id);
    if (dotted?.type !== 'dotted_name' || dotted.namedChild(0)?.id !== id.id) continue;
    // `import keras.layers [as kl]`, or the module of `from keras import …` (not a name imported from elsewhere).
    const parent = model.parentOf(dotted);
    const statement = parent?.type === 'aliased_import' ? model.parentOf(parent) : parent;
    const isModule = statement?.type === 'import_statement' || (statement?.type === 'import_from_statement' && statement.childForFieldName('module_name')?.id === dotted.id);
    if (!statement || !isModule || model.parentOf(statement)?.id !== model.root.id || statement.endIndex > before.startIndex) continue;
    if (!last || statement.startIndex > last.startIndex) last = statement;
  }
  return last;
}

/**
 * Where the policy call goes and the keras expression to call it on: after the run of imports that
 * holds the import it calls through (the whole leading block, environment settings between its imports
 * included), so that it runs before `first` — the first `fit` it must cover — and any model built
 * before it. Only an import that has run by then is used; when none has, one is added where it runs
 * first. A file that imports from the `keras` package sets that package's policy (`import keras` is
 * added after those imports when it has none).
 */
export function policyInsertion(model: Semantic, edits: Edits, first: Node): { keras: string; edits: TextEdit[]; line: number; importLine?: string } {
  const statement = topStatement(model, first);
  const imports = edits.importer(statement);
  let chosen: { keras: string; node: Node } | undefined;
  const fromTensorflow = model.importsAny(['tensorflow']);
  for (const b of imports.statementsOf(KERAS_MODULES)) {
    if (model.parentOf(b.node)?.id !== model.root.id) continue;
    let keras: string | undefined;
    if (b.qualified === 'keras' || b.qualified === 'tensorflow.keras' || b.qualified === 'tf_keras') keras = b.name;
    else if (b.qualified === 'tensorflow') keras = `${b.name}.keras`;
    // Prefer the module the file already calls keras by; otherwise tensorflow's.
    if (keras && (!chosen || (chosen.keras.endsWith('.keras') && !keras.endsWith('.keras')))) chosen = { keras, node: b.node };
  }
  // After the import block, unless the statement to cover comes first (then right above it).
  const afterImports = Math.min(imports.insertionLine(), statement.startPosition.row);
  const after = (node: Node) => Math.min(Math.max(afterImports, imports.lineAfterImportRun(node)), statement.startPosition.row);
  // Keras 3 spelled only through `from keras import …`: `import keras` joins the policy line, after those imports.
  const kerasImport = (!chosen || chosen.keras.endsWith('.keras')) && model.lookup('keras', statement).length === 0 ? lastKerasPackageImport(model, statement) : undefined;
  if (kerasImport) {
    const anchor = chosen && chosen.node.startIndex > kerasImport.startIndex ? chosen.node : kerasImport;
    return { keras: 'keras', edits: [], line: after(anchor), importLine: 'import keras' };
  }
  if (chosen) return { keras: chosen.keras, edits: [], line: after(chosen.node) };
  const imported = fromTensorflow ? imports.module('tensorflow', 'tf') : imports.module('keras');
  const keras = fromTensorflow ? `${imported.name}.keras` : imported.name;
  return { keras, edits: imported.edit ? [imported.edit] : [], line: afterImports };
}

/** The edits that set the global dtype policy to `policy` before `first` (see policyInsertion). */
export function policyEdits(model: Semantic, edits: Edits, first: Node, policy: string): TextEdit[] {
  const insertion = policyInsertion(model, edits, first);
  const call = `${insertion.keras}.mixed_precision.set_global_policy(${JSON.stringify(policy)})`;
  return [...insertion.edits, edits.insertLine(insertion.line, insertion.importLine ? `${insertion.importLine}${edits.eol}${call}` : call)];
}

/** TensorFlow 1.x functions and classes that TensorFlow 2 took out of its namespace (`tf.compat.v1` keeps them). */
const TF1_ONLY: readonly string[] = [
  'enable_eager_execution',
  'Session',
  'InteractiveSession',
  'placeholder',
  'get_variable',
  'variable_scope',
  'global_variables_initializer',
  'reset_default_graph',
  'set_random_seed',
  'ConfigProto',
  ...['Adam', 'GradientDescent', 'Momentum', 'RMSProp', 'Adagrad', 'Adadelta', 'Ftrl'].map((o) => `train.${o}Optimizer`),
].map((name) => `tensorflow.${name}`);

/** TensorFlow 1.x modules gone from TensorFlow 2. */
const TF1_ONLY_MODULES = ['tensorflow.contrib', 'tensorflow.layers', 'tensorflow.app'];

/**
 * Whether the file calls TensorFlow 1.x API that TensorFlow 2 removed (`tf.Session()`,
 * `tf.placeholder`, `tf.enable_eager_execution()`, `tf.train.AdamOptimizer`, `tf.contrib.…`): it
 * runs on TF 1.x, which has no `set_global_policy` (TF 2.4).
 */
export function usesTf1OnlyApi({ sites }: FactContext): boolean {
  return sites.callsTo(TF1_ONLY).length > 0 || TF1_ONLY_MODULES.some((m) => sites.callsUnder(m).length > 0);
}
