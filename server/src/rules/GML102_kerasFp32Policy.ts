// GML102 keras-fp32-policy: a Keras model's `fit(...)` in a file that never sets a mixed-precision
// dtype policy, so every layer computes in float32. Counted as mixed precision anywhere in the file:
// `set_global_policy` / `set_dtype_policy` / `config.set_dtype_policy` / legacy
// `experimental.set_policy` with "mixed_float16" / "mixed_bfloat16" (a literal, or a
// `Policy`/`DTypePolicy` built from one), and per-layer `dtype="mixed_…"`. A policy value that is not a
// literal is unknown: no warning; a literal "float32" policy still warns.
// The receiver of `fit` must be a Keras model: built by `Sequential` / `Model` / `load_model` /
// `keras.applications.*` or a local subclass of `keras.Model`; when its origin cannot be resolved,
// the file must build a Keras model and import no other library with a `fit` method.
import type { Node } from '../analysis/parser';
import type { CallSite, SemanticModel } from '../analysis/semantic';
import type { SourceText } from '../analysis/sourceText';
import type { TextEdit } from '../analysis/types';
import { ensureModuleImport, importInsertionLine, insertLine, replaceNode } from '../fixes/edits';
import type { Rule } from './rule';

/** `tensorflow.keras.X`, `tf_keras.X`, `tensorflow.python.keras.X` → `keras.X`. */
export function kerasName(qualified: string | undefined): string | undefined {
  if (!qualified) return undefined;
  for (const prefix of ['tensorflow.python.keras.', 'tensorflow.keras.', 'tf_keras.', 'keras.src.']) {
    if (qualified.startsWith(prefix)) return `keras.${qualified.slice(prefix.length)}`;
  }
  return qualified.startsWith('keras.') ? qualified : undefined;
}

const MODEL_BUILDERS = new Set([
  'keras.Sequential',
  'keras.Model',
  'keras.models.Sequential',
  'keras.models.Model',
  'keras.models.load_model',
  'keras.saving.load_model',
  'keras.models.clone_model',
  'keras.models.model_from_json',
]);

const MODEL_CLASSES = new Set(['keras.Model', 'keras.Sequential', 'keras.models.Model', 'keras.models.Sequential']);

const POLICY_SETTERS = new Set([
  'keras.mixed_precision.set_global_policy',
  'keras.mixed_precision.set_dtype_policy',
  'keras.config.set_dtype_policy',
  'keras.mixed_precision.experimental.set_policy',
  'keras.mixed_precision.experimental.set_global_policy',
]);

const POLICY_CLASSES = new Set([
  'keras.mixed_precision.Policy',
  'keras.mixed_precision.DTypePolicy',
  'keras.mixed_precision.experimental.Policy',
  'keras.DTypePolicy',
  'keras.dtype_policies.DTypePolicy',
  'keras.dtype_policies.FloatDTypePolicy',
]);

const MIXED = new Set(['mixed_float16', 'mixed_bfloat16']);

/** Other libraries whose estimators have a `fit` method: with one of them imported, an unresolved receiver is not assumed Keras. */
const OTHER_FIT_LIBRARIES = ['sklearn', 'xgboost', 'lightgbm', 'catboost', 'lightning', 'pytorch_lightning', 'statsmodels', 'skorch', 'prophet', 'pmdarima', 'sktime', 'umap', 'hdbscan', 'imblearn', 'tpot', 'autokeras', 'fastai'];

type PolicyKind = 'mixed' | 'full' | 'unknown';

function policyKind(model: SemanticModel, expr: Node, depth = 0): PolicyKind {
  if (depth > 4) return 'unknown';
  const value = model.evaluate(expr);
  if (value.kind === 'string') return MIXED.has(value.value) ? 'mixed' : 'full';
  if (value.kind !== 'unknown') return 'full';
  const origin = model.originCall(expr);
  if (origin && POLICY_CLASSES.has(kerasName(origin.qualifiedName) ?? '')) {
    const name = origin.argument('name', 0);
    return name ? policyKind(model, name, depth + 1) : 'unknown';
  }
  return 'unknown';
}

/** The policy setter calls (`set_global_policy(…)`, …) among the anchors, in document order. */
function policySetters(model: SemanticModel): CallSite[] {
  const setterNames = new Set([...POLICY_SETTERS].map((q) => q.slice(q.lastIndexOf('.') + 1)));
  return [...setterNames]
    .flatMap((name) => model.anchorCallsNamed(name))
    .filter((call) => POLICY_SETTERS.has(kerasName(call.qualifiedName) ?? ''))
    .sort((a, b) => a.node.startIndex - b.node.startIndex);
}

/** Whether the anchors set a mixed (or unknown) policy, globally or on a layer (a file-wide fact, per segment). */
function setsMixedPolicy(model: SemanticModel): boolean {
  const setters = new Set<number>();
  for (const call of policySetters(model)) {
    setters.add(call.node.id);
    const arg = call.argument('policy', 0);
    if (!arg) {
      if (call.hasStarArgs || call.hasStarKwargs) return true;
      continue;
    }
    if (policyKind(model, arg) !== 'full') return true;
  }
  for (const call of callsWithDtypeKeyword(model)) {
    if (setters.has(call.node.id)) continue;
    const dtype = call.keywords.get('dtype');
    if (dtype && policyKind(model, dtype.value) === 'mixed') return true;
  }
  return false;
}

/** Policy arguments of setters called with a full-precision policy (what a fix changes in place). */
function fullPolicyArguments(model: SemanticModel): Node[] {
  const out: Node[] = [];
  for (const call of policySetters(model)) {
    const arg = call.argument('policy', 0);
    if (arg && policyKind(model, arg) === 'full') out.push(arg);
  }
  return out;
}

/**
 * Calls among the anchors with a `dtype=` keyword. A keyword is spelled out in the text, so the tree
 * is asked only at the places that spell `dtype` (whether each is a keyword argument's name) instead
 * of reading the arguments of every call in the file, which dominated this rule on large files.
 */
function callsWithDtypeKeyword(model: SemanticModel): CallSite[] {
  const out: CallSite[] = [];
  for (const name of model.anchorIdentifiers('dtype')) {
    const keyword = model.parentOf(name);
    if (keyword?.type !== 'keyword_argument' || keyword.childForFieldName('name')?.id !== name.id) continue;
    const args = model.parentOf(keyword);
    const call = args?.type === 'argument_list' ? model.parentOf(args) : null;
    if (call?.type === 'call') out.push(model.callSite(call));
  }
  return out;
}

function buildsKerasModelAmongAnchors(model: SemanticModel): boolean {
  return model.anchorCalls().some((c) => buildsKerasModel(model, c));
}

function isLocalKerasModelClass(model: SemanticModel, call: CallSite): boolean {
  if (call.callee.type !== 'identifier' || call.qualifiedName) return false;
  const classes = model.lookupDefinitions(call.callee.text, call.callee).filter((b) => b.kind === 'class');
  return classes.some((b) => model.classBases(b.node).some((base) => MODEL_CLASSES.has(kerasName(base) ?? '')));
}

function buildsKerasModel(model: SemanticModel, call: CallSite): boolean {
  const q = kerasName(call.qualifiedName);
  if (q && (MODEL_BUILDERS.has(q) || q.startsWith('keras.applications.'))) return true;
  return isLocalKerasModelClass(model, call);
}

/** 'keras' when the receiver is a Keras model, 'other' when it is something else, 'unknown' when its origin is not visible. */
function receiverKind(model: SemanticModel, receiver: Node): 'keras' | 'other' | 'unknown' {
  const origin = model.originCall(receiver);
  if (!origin) return 'unknown';
  return buildsKerasModel(model, origin) ? 'keras' : 'other';
}

/** The modules whose import gives a name to call the policy setter through. */
const KERAS_MODULES = ['keras', 'tensorflow.keras', 'tf_keras', 'tensorflow'];

/** Top-level statement line after which the policy call goes, and the keras expression to call it on. */
function policyInsertion(model: SemanticModel, source: SourceText): { keras: string; edits: TextEdit[]; line: number } {
  let chosen: { name: string; keras: string; node: Node } | undefined;
  const fromTensorflow = model.importsAny(['tensorflow']);
  model.readImportPositions(KERAS_MODULES);
  for (const b of model.importsOf(KERAS_MODULES)) {
    if (model.scopeOf(b.node).id !== model.root.id || model.parentOf(b.node)?.id !== model.root.id) continue;
    let keras: string | undefined;
    if (b.qualified === 'keras' || b.qualified === 'tensorflow.keras' || b.qualified === 'tf_keras') keras = b.name;
    else if (b.qualified === 'tensorflow') keras = `${b.name}.keras`;
    // Prefer the module the file already calls keras by; otherwise tensorflow's.
    if (keras && (!chosen || (chosen.keras.endsWith('.keras') && !keras.endsWith('.keras')))) chosen = { name: b.name, keras, node: b.node };
  }
  const afterImports = importInsertionLine(model);
  if (chosen) return { keras: chosen.keras, edits: [], line: Math.max(afterImports, chosen.node.endPosition.row + 1) };
  const imported = fromTensorflow ? ensureModuleImport(model, source, 'tensorflow', 'tf') : ensureModuleImport(model, source, 'keras');
  const keras = fromTensorflow ? `${imported.name}.keras` : imported.name;
  return { keras, edits: imported.edit ? [imported.edit] : [], line: afterImports };
}

export const kerasFp32Policy: Rule = {
  code: 'GML102',
  name: 'keras-fp32-policy',
  summary: 'Keras `model.fit(...)` with no mixed-precision dtype policy: every layer computes in float32.',
  defaultSeverity: 'warning',
  requires: ['keras', 'tensorflow', 'tf_keras'],
  fixSafety: 'unsafe',
  check({ model, source, report }) {
    const fits = model.anchorCallsNamed('fit').filter((c) => c.receiver);
    if (fits.length === 0 || model.someSegment('GML102 mixed policy', setsMixedPolicy)) return;
    const fullPolicies = model.collectSegments('GML102 full policies', fullPolicyArguments);
    let fileBuildsKeras: boolean | undefined;
    const othersImported = model.importsAny(OTHER_FIT_LIBRARIES);
    for (const fit of fits) {
      const kind = receiverKind(model, fit.receiver!);
      if (kind === 'other') continue;
      if (kind === 'unknown') {
        if (othersImported) continue;
        fileBuildsKeras ??= model.someSegment('GML102 builds keras', buildsKerasModelAmongAnchors);
        if (!fileBuildsKeras) continue;
      }
      const fix = (policy: string, why: string) => {
        // A policy already set to float32 would override an inserted one: change it in place.
        if (fullPolicies.length) {
          return {
            title: `Change the global dtype policy to "${policy}"${why} (unsafe)`,
            safety: 'unsafe' as const,
            edits: fullPolicies.map((arg) => replaceNode(arg, JSON.stringify(policy))),
          };
        }
        const insertion = policyInsertion(model, source);
        return {
          title: `Set the global dtype policy to "${policy}" after the imports${why} (unsafe)`,
          safety: 'unsafe' as const,
          edits: [...insertion.edits, insertLine(source, insertion.line, `${insertion.keras}.mixed_precision.set_global_policy(${JSON.stringify(policy)})`)],
        };
      };
      report({
        node: fit.callee,
        message:
          'Keras model trains in float32: no mixed-precision dtype policy is set. The "mixed_float16" policy ' +
          '(or "mixed_bfloat16" on TPUs and recent CPUs) computes in 16 bits with float32 variables and, per the ' +
          'TensorFlow guide, can make training more than 3× faster on modern GPUs.',
        fixes: [fix('mixed_float16', ' (GPUs with Tensor Cores)'), fix('mixed_bfloat16', ' (TPUs, Ampere+ GPUs, bf16 CPUs)')],
      });
    }
  },
};
