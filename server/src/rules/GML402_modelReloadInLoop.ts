import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import { withItems } from '../analysis/model/navigation';
import type { Node } from '../analysis/parser';
import type { TextEdit } from '../analysis/types';
import type { Edits } from '../fixes/edits';
import { isTrainerCall } from '../frameworks/huggingface';
import { loadCalls, WATCHING_CALLS, WRITING_METHODS, type LoadKind } from '../frameworks/loading';
import { statementOf, within } from '../frameworks/loops';
import { loopTrains } from '../frameworks/training';
import { routeFramework } from '../frameworks/web';
import { defineRule } from './rule';

/** Calls whose result depends only on their arguments: a path built from invariant parts is invariant. */
const PURE_FUNCTIONS: ReadonlySet<string> = new Set([
  'os.path.join',
  'os.path.expanduser',
  'os.path.abspath',
  'os.path.realpath',
  'os.path.dirname',
  'os.getenv',
  'os.environ.get',
  'pathlib.Path',
  'pathlib.PurePath',
]);
const PURE_BUILTINS: ReadonlySet<string> = new Set(['str', 'open', 'int', 'float', 'bool']);
const PURE_METHODS: ReadonlySet<string> = new Set(['format', 'joinpath', 'with_suffix', 'with_name', 'lower', 'upper', 'strip', 'replace', 'resolve', 'expanduser']);

/** Methods that change (or train) the object they are called on, or build training around it. */
const MUTATING_METHODS: ReadonlySet<string> = new Set(['fit', 'partial_fit', 'fit_transform', 'train', 'step', 'backward', 'load_state_dict', 'compile', 'set_params', 'add_module', 'resize_token_embeddings', 'requires_grad_']);

const LITERALS = new Set(['integer', 'float', 'true', 'false', 'none', 'string_content', 'escape_sequence', 'string_start', 'string_end']);

/** Whether a name is bound inside a region: assigned, a loop or `with` target, `x += …`, deleted. */
function boundWithin(model: Semantic, id: Node, region: Node): Binding | 'other' | undefined {
  for (const b of model.lookup(id.text, id)) if (within(b.node, region)) return b;
  for (const other of model.identifiers(id.text)) {
    if (!within(other, region)) continue;
    const parent = model.parentOf(other);
    if (parent?.type === 'augmented_assignment' && parent.childForFieldName('left')?.id === other.id) return 'other';
    if (parent?.type === 'delete_statement' || parent?.type === 'named_expression' || parent?.type === 'global_statement' || parent?.type === 'nonlocal_statement') return 'other';
  }
  return undefined;
}

type Binding = ReturnType<Semantic['lookup']>[number];

/** Whether a call opens a file: the builtin `open`. */
function isOpen(model: Semantic, expr: Node | undefined): expr is Node {
  if (expr?.type !== 'call') return false;
  const callee = expr.childForFieldName('function');
  return callee?.type === 'identifier' && callee.text === 'open' && model.lookup('open', callee).length === 0;
}

/** Whether an expression has the same value on every iteration of a loop (literals, names not bound in it, pure calls of those). */
function invariantIn(model: Semantic, expr: Node, loop: Node, depth = 0): boolean {
  if (depth > 12) return false;
  const recurse = (n: Node | null | undefined) => !!n && invariantIn(model, n, loop, depth + 1);
  switch (expr.type) {
    case 'identifier': {
      const bound = boundWithin(model, expr, loop);
      if (!bound) return true;
      // `with open(path) as f:` inside the loop opens the same file each time.
      if (bound !== 'other' && bound.kind === 'with') {
        const item = withItems(bound.node).find((i) => i.alias?.text === expr.text);
        return isOpen(model, item?.value) && item!.value.childForFieldName('arguments')!.namedChildren.every((a) => !a || a.type === 'comment' || recurse(a));
      }
      return false;
    }
    case 'attribute': {
      const object = expr.childForFieldName('object');
      // `cfg.path = …` in the loop changes it.
      const assigned = model.identifiers(expr.childForFieldName('attribute')?.text ?? '').some((id) => {
        const attribute = model.parentOf(id);
        const assignment = attribute && model.parentOf(attribute);
        return within(id, loop) && attribute?.text === expr.text && (assignment?.type === 'assignment' || assignment?.type === 'augmented_assignment') && assignment.childForFieldName('left')?.id === attribute.id;
      });
      return !assigned && recurse(object);
    }
    case 'subscript':
    case 'binary_operator':
    case 'parenthesized_expression':
    case 'keyword_argument':
    case 'string':
    case 'concatenated_string':
    case 'interpolation':
    case 'tuple':
    case 'list':
      return expr.namedChildren.every((c) => !c || c.type === 'comment' || LITERALS.has(c.type) || (expr.type === 'keyword_argument' && c.id === expr.childForFieldName('name')?.id) || recurse(c));
    case 'call': {
      const site = model.callSite(expr);
      const q = site.qualifiedName;
      const callee = site.callee;
      const pure =
        (q && PURE_FUNCTIONS.has(q)) ||
        (!q && callee.type === 'identifier' && PURE_BUILTINS.has(callee.text) && model.lookup(callee.text, callee).length === 0) ||
        (!q && callee.type === 'attribute' && PURE_METHODS.has(site.methodName) && recurse(site.receiver));
      return !!pure && !site.hasStarArgs && !site.hasStarKwargs && (site.argumentList?.namedChildren ?? []).every((a) => !a || a.type === 'comment' || recurse(a));
    }
    default:
      return LITERALS.has(expr.type);
  }
}

/** Whether every argument of a call is invariant in a loop. */
function argumentsInvariant(model: Semantic, call: CallSite, loop: Node): boolean {
  if (call.hasStarArgs || call.hasStarKwargs) return false;
  return (call.argumentList?.namedChildren ?? []).every((a) => !a || a.type === 'comment' || invariantIn(model, a, loop));
}

/** Whether no name an expression reads is bound in the loop (the methods called on a fresh load, `.to(device)`, then give the same result). */
function readsOnlyOutside(model: Semantic, expr: Node, loop: Node): boolean {
  return expr.descendantsOfType('identifier').every((id) => {
    if (!id) return true;
    const parent = model.parentOf(id);
    if (parent?.type === 'attribute' && parent.childForFieldName('attribute')?.id === id.id) return true;
    if (parent?.type === 'keyword_argument' && parent.childForFieldName('name')?.id === id.id) return true;
    return !boundWithin(model, id, loop) || invariantIn(model, id, loop);
  });
}

/** Whether an argument reads a file handle opened outside the loop: successive loads then read successive objects. */
function readsStream(model: Semantic, call: CallSite, loop: Node): boolean {
  for (const arg of call.argumentValues) {
    if (arg.type !== 'identifier' || boundWithin(model, arg, loop)) continue;
    for (const b of model.lookup(arg.text, arg)) {
      if (b.kind === 'assign' && isOpen(model, b.value)) return true;
      if (b.kind === 'with' && withItems(b.node).some((i) => i.alias?.text === arg.text && isOpen(model, i.value))) return true;
    }
  }
  return false;
}

/** The name the load's statement assigns (`model = torch.load(p)`), when the statement is that assignment. */
function assignedName(statement: Node): Node | undefined {
  const expr = statement.type === 'expression_statement' ? statement.namedChild(0) : null;
  const left = expr?.type === 'assignment' ? expr.childForFieldName('left') : null;
  return left?.type === 'identifier' ? left : undefined;
}

/** Whether a loop changes what it loaded or what the load reads, or reloads on purpose: training, saving, watching a file, changing the loaded object. */
function loopNeedsFreshLoad(model: Semantic, loop: Node, name: Node | undefined, statement: Node): boolean {
  if (loopTrains(model, loop)) return true;
  for (const call of model.callsWithin(loop)) {
    const q = call.qualifiedName ?? '';
    if (WATCHING_CALLS.has(q) || q.startsWith('torch.optim.') || q === 'torch.save' || q === 'joblib.dump' || q === 'pickle.dump' || isTrainerCall(model, call)) return true;
    if (call.receiver && (MUTATING_METHODS.has(call.methodName) || WRITING_METHODS.has(call.methodName))) return true;
    if (name && call.receiver?.text === name.text && /^[a-z]\w*_$/.test(call.methodName)) return true;
  }
  if (!name) return false;
  for (const id of model.identifiers(name.text)) {
    if (!within(id, loop) || within(id, statement)) continue;
    const parent = model.parentOf(id);
    // Rebound, deleted, or changed through an attribute or item: each iteration needs its own copy.
    if (parent?.type === 'assignment' && parent.childForFieldName('left')?.id === id.id) return true;
    if (parent?.type === 'augmented_assignment' || parent?.type === 'delete_statement') return true;
    if ((parent?.type === 'attribute' || parent?.type === 'subscript') && parent.childForFieldName(parent.type === 'attribute' ? 'object' : 'value')?.id === id.id) {
      const use = model.parentOf(parent);
      if ((use?.type === 'assignment' || use?.type === 'augmented_assignment') && use.childForFieldName('left')?.id === parent.id) return true;
    }
  }
  return false;
}

/** Whether a loop retries the load until it works: the load sits in a `try` in the loop, and the loop can `break` (out after a success). */
function retriesLoad(model: Semantic, loop: Node, statement: Node): boolean {
  let inTry = false;
  for (const a of model.ancestors(statement)) {
    if (a.id === loop.id) break;
    if (a.type === 'try_statement') inTry = true;
  }
  return inTry && loop.descendantsOfType('break_statement').some((b) => !!b && model.enclosingLoops(b)[0]?.id === loop.id);
}

/** What moves with a load: its statement, or the `with open(…)` block around it when the block holds only it. */
function movedWithLoad(model: Semantic, statement: Node): Node {
  const block = model.parentOf(statement);
  const opener = block?.type === 'block' ? model.parentOf(block) : null;
  if (opener?.type === 'with_statement' && block!.namedChildren.filter((c) => c && c.type !== 'comment').length === 1 && withItems(opener).every((i) => isOpen(model, i.value))) return opener;
  return statement;
}

/** Edits that move a statement's lines to just before `target`'s first line, in `target`'s indentation; with `separate`, followed by a blank line. */
function moveBefore(edits: Edits, moved: Node, target: Node, separate = false): TextEdit[] {
  const source = edits.source;
  const firstLine = moved.startPosition.row;
  const lastLine = moved.endPosition.row;
  const from = source.indentOf(firstLine);
  const to = source.indentOf(target.startPosition.row);
  const lines: string[] = [];
  for (let line = firstLine; line <= lastLine; line++) {
    const text = source.lineText(line);
    lines.push(text.startsWith(from) ? to + text.slice(from.length) : text);
  }
  if (separate) lines.push('');
  const end = lastLine + 1 < source.lineCount ? source.lineStart(lastLine + 1) : source.text.length;
  return [edits.replaceRange(source.lineStart(firstLine), end, ''), edits.insertLine(target.startPosition.row, lines.join(source.eol))];
}

/** Whether a block holds other statements than the one that moves out of it. */
function keepsStatements(block: Node | null): boolean {
  return !!block && block.namedChildren.filter((c) => c && c.type !== 'comment').length >= 2;
}

/**
 * The edits that move the load's statement (or the `with open(…)` block around it) to just before
 * the loop, or undefined when it cannot move as it is: it is not a plain `name = …` assignment, sits
 * under an `if`/`try`, is the only statement of its loop body, or its name is read earlier in the loop.
 */
function hoist(model: Semantic, edits: Edits, statement: Node, name: Node | undefined, loop: Node): TextEdit[] | undefined {
  const value = name && model.parentOf(name)?.childForFieldName('right');
  if (!name || !value || !readsOnlyOutside(model, value, loop)) return undefined;
  const moved = movedWithLoad(model, statement);
  const block = model.parentOf(moved);
  // Only loop bodies between the statement and the loop it leaves.
  for (let b = block; b && b.id !== loop.childForFieldName('body')?.id; ) {
    const owner = b.type === 'block' ? model.parentOf(b) : null;
    if (!owner || (owner.type !== 'for_statement' && owner.type !== 'while_statement') || !within(owner, loop)) return undefined;
    b = model.parentOf(owner);
  }
  if (!keepsStatements(block)) return undefined;
  if (model.identifiers(name.text).some((id) => within(id, loop) && id.startIndex < moved.startIndex)) return undefined;
  return moveBefore(edits, moved, loop);
}

/** Whether a name is declared `global` somewhere, so that any function may rebind it. */
function declaredGlobal(model: Semantic, name: string): boolean {
  return model.identifiers(name).some((id) => model.parentOf(id)?.type === 'global_statement');
}

/** Whether a name is changed inside a function: bound there while its module binding is read, or its attribute or item set (`CONFIG["path"] = …`). */
function changedInFunction(model: Semantic, name: string): boolean {
  return model.identifiers(name).some((id) => {
    if (!model.enclosingFunction(id)) return false;
    const parent = model.parentOf(id);
    if ((parent?.type === 'attribute' || parent?.type === 'subscript') && parent.childForFieldName(parent.type === 'attribute' ? 'object' : 'value')?.id === id.id) {
      const use = model.parentOf(parent);
      return (use?.type === 'assignment' || use?.type === 'augmented_assignment') && use.childForFieldName('left')?.id === parent.id;
    }
    return false;
  });
}

/**
 * Whether an expression is a module-level constant: every name it reads (other than the pure
 * functions it calls, which invariantIn checks) is `__file__` or assigned once at module level and
 * never changed in a function. A request's data (`request.json`, a route parameter) is not.
 */
function moduleConstant(model: Semantic, expr: Node): boolean {
  return expr.descendantsOfType('identifier').every((id) => {
    if (!id) return true;
    const parent = model.parentOf(id);
    if (parent?.type === 'attribute' && parent.childForFieldName('attribute')?.id === id.id) return true;
    if (parent?.type === 'keyword_argument' && parent.childForFieldName('name')?.id === id.id) return true;
    // The function a call calls (`os.path.join`, `str`): invariantIn accepted only pure ones.
    if ([...model.ancestors(id)].some((a) => a.type === 'call' && within(a, expr) && within(id, a.childForFieldName('function')!))) return true;
    const bindings = model.lookup(id.text, id);
    if (bindings.length === 0) return id.text === '__file__';
    // `with open(MODEL_PATH, "rb") as f:` opens the same file each time.
    if (bindings.length === 1 && bindings[0].kind === 'with') {
      const opened = withItems(bindings[0].node).find((i) => i.alias?.text === id.text)?.value;
      return isOpen(model, opened) && moduleConstant(model, opened.childForFieldName('arguments')!);
    }
    return bindings.length === 1 && bindings[0].kind === 'assign' && !model.enclosingFunction(bindings[0].node) && !model.enclosingClass(bindings[0].node) && !declaredGlobal(model, id.text) && !changedInFunction(model, id.text);
  });
}

/** Calls that write a model file: a file with one may update, from some route, the model a handler loads. */
const SAVING_FUNCTIONS: ReadonlySet<string> = new Set(['torch.save', 'joblib.dump', 'pickle.dump', 'cloudpickle.dump', 'dill.dump']);
const SAVING_METHODS = ['save', 'save_pretrained', 'save_model', 'save_weights', 'to_disk'];

function savesModels(model: Semantic): boolean {
  return SAVING_METHODS.some((m) => model.callsNamed(m).some((c) => !!c.receiver)) || ['dump', 'save'].some((m) => model.callsNamed(m).some((c) => SAVING_FUNCTIONS.has(c.qualifiedName ?? '')));
}

/**
 * The edits that move the load's statement out of a route handler to module level, just before the
 * handler's definition, or undefined when it cannot: the handler is not defined at module level,
 * the statement is not a plain `name = …` assignment directly in the handler's body (or in a
 * `with open(…)` block there that holds only it), is the body's only statement, its name is read
 * earlier in the handler or appears at module level or in a `global` statement, or what it reads is
 * not defined before the handler.
 */
function hoistOutOfHandler(model: Semantic, edits: Edits, statement: Node, name: Node | undefined, handler: Node): TextEdit[] | undefined {
  const value = name && model.parentOf(name)?.childForFieldName('right');
  const definition = model.parentOf(handler);
  if (!name || !value || definition?.type !== 'decorated_definition' || model.parentOf(definition)?.type !== 'module') return undefined;
  if (!readsOnlyOutside(model, value, handler) || !moduleConstant(model, value)) return undefined;
  const moved = movedWithLoad(model, statement);
  const block = model.parentOf(moved);
  if (block?.id !== handler.childForFieldName('body')?.id || !keepsStatements(block)) return undefined;
  const uses = model.identifiers(name.text);
  if (uses.some((id) => (within(id, handler) && id.startIndex < moved.startIndex) || !model.enclosingFunction(id)) || declaredGlobal(model, name.text)) return undefined;
  // What it reads must exist where it moves to.
  for (const id of moved.descendantsOfType('identifier')) {
    if (id && model.lookup(id.text, id).some((b) => b.node.startIndex >= definition.startIndex && !within(b.node, moved))) return undefined;
  }
  return moveBefore(edits, moved, definition, true);
}

/**
 * ## What it flags
 *
 * A model loaded inside a loop with the same arguments on every iteration: `torch.load`,
 * `torch.jit.load`, `torch.hub.load`, `joblib.load`, `pickle.load` of a file opened in the loop,
 * Keras `load_model`, Hugging Face `from_pretrained` and `pipeline(…)`, `SentenceTransformer(…)`,
 * `spacy.load`. The arguments are the same when every name in them is bound outside the loop
 * (paths built with `os.path.join`, f-strings and `pathlib` from such names count). It stays quiet
 * when the path changes per iteration (checkpoints, folds), when the loop trains, saves files,
 * sleeps or watches a file (a deliberate reload), retries the load (in a `try`, with a `break` out
 * of the loop), changes the loaded object (rebinds it, sets an attribute, calls an in-place method
 * on it), or reads successive objects from one open file.
 *
 * A web route handler runs once per request, like a loop body: a load directly in a function that a
 * `Flask` or `Blueprint` (`@app.route`, `@app.get`, `@app.post`, …) or a `FastAPI` or `APIRouter`
 * (`@app.get`, `@router.post`, …) object built in the file registers is flagged too, when its
 * arguments are module-level constants: literals, `__file__`, and names assigned once at module
 * level and never changed in a function (`MODEL_PATH = os.path.join(BASE_DIR, "model.joblib")`),
 * or a file `with open(…)` of those. It stays quiet when the arguments depend on the request (a
 * route parameter, `request.args[…]`, anything else not known to be constant), when the load sits
 * in a loop of the handler, when the result is kept on an object or in a `global` (`g.model = …`,
 * `global model; if model is None: …`, a cache loaded once), when the handler trains, saves or
 * watches files like a loop above, or when the file saves models anywhere (`joblib.dump`,
 * `torch.save`, `.save(…)`, `save_pretrained`): another route may then update the file each
 * request reads.
 *
 * ## Why
 *
 * Loading reads the whole file (hundreds of megabytes for a transformer), deserializes it and
 * builds the model again, on every iteration, to get the same object each time. The time and
 * energy of those loads are pure waste and often exceed the work the loop does with the model:
 * here, 200 requests to a 50 MB model took a third of the estimated energy with one load instead
 * of one per request (×0.32, see Measured here).
 * The finding is a warning (information for `pickle.load`, which may read a small object).
 *
 * ## Example
 *
 * ```python
 * import joblib
 *
 * for path in ["a.csv", "b.csv"]:
 *     clf = joblib.load("model.joblib")
 *     print(clf.predict(load_rows(path)))
 * ```
 *
 * ## Fixed example
 *
 * ```python
 * import joblib
 *
 * clf = joblib.load("model.joblib")
 * for path in ["a.csv", "b.csv"]:
 *     print(clf.predict(load_rows(path)))
 * ```
 *
 * ## Fix safety
 *
 * Unsafe: the model is then shared by every iteration. Code that changes it in a way this rule
 * does not see (a function that trains or edits the object it is given) would now carry changes
 * from one iteration into the next, and a loop that runs zero times still pays for one load. The
 * fix moves the assignment (with a `with open(…)` block holding only it) to just before the loop,
 * keeping its name; it is offered only when the statement sits directly in loop bodies (not under
 * an `if` or `try`), is not the body's only statement, and its name is not read earlier in the loop.
 *
 * In a route handler the fix moves the assignment (or its `with open(…)` block) to module level,
 * just before the handler's decorators, so that the model is loaded once when the server imports
 * the file: the file must then exist at start-up, and every request shares the one object. It is
 * offered only for a handler defined at module level whose body holds the assignment directly (not
 * under an `if` or `try`) next to other statements, when the name is not used at module level, not
 * declared `global`, not read earlier in the handler, and what the load reads is defined before the
 * handler.
 *
 * ## Measured here
 *
 * `bench/evidence/GML402`: a script saves a 12.6-million-parameter model (twelve 1024×1024
 * Linear layers, 50 MB) with `torch.save`, then answers 200 requests of 4 rows each under
 * `inference_mode`, loading the model with `torch.load` for every request (before) or once
 * (after). Debian's python3-torch 1.13.1, one thread, a shared 2-vCPU AMD EPYC VM (load average
 * 12–13 from other work during the runs); energy estimated
 * from CPU time (4 W per CPU-second) and resident memory (no RAPL). Median of 5
 * runs (spread): 44.7 J (38.8–47.1) → 14.5 J (14.1–14.8), ×0.32; wall time 31.0 s → 11.0 s.
 * Each reload cost roughly 35 ms of CPU time with the file already in the page cache; a read
 * from disk, a larger model, or `from_pretrained` (which also builds the model before loading
 * its weights) costs more.
 *
 * Command: `npm run build && node bench/evidence/measure.mjs --runs 5 --json bench/evidence/GML402/result.json bench/evidence/GML402/before.py bench/evidence/GML402/after.py`
 *
 * ## References
 *
 * - PyTorch, *Saving and loading models*: https://pytorch.org/tutorials/beginner/saving_loading_models.html
 * - Hugging Face, *Pipelines* (build a pipeline once and call it on many inputs): https://huggingface.co/docs/transformers/main_classes/pipelines
 */
export const modelReloadInLoop = defineRule({
  code: 'GML402',
  name: 'model-reload-in-loop',
  summary: 'A model is loaded inside a loop, or a web route handler, with the same arguments every time.',
  defaultSeverity: 'warning',
  frameworks: ['torch', 'joblib', 'pickle', 'cloudpickle', 'dill', 'keras', 'tensorflow', 'tf_keras', 'transformers', 'diffusers', 'sentence_transformers', 'peft', 'spacy'],
  fixSafety: 'unsafe',
  check({ model, sites, edits, report }) {
    // A load with constant arguments right in a web route handler runs once per request.
    let saves: boolean | undefined;
    const reportHandlerLoad = (call: CallSite, kind: LoadKind, statement: Node, name: Node | undefined): void => {
      const handler = model.enclosingFunction(call.node);
      const framework = handler && routeFramework(model, handler);
      if (!handler || !framework || model.enclosingLoops(call.node).some((l) => within(l, handler))) return;
      // Kept on an object or in a global (`app.model = …`, `global model`): a cache loaded once, not per request.
      const assignment = statement.type === 'expression_statement' ? statement.namedChild(0) : null;
      if ((assignment?.type === 'assignment' || assignment?.type === 'augmented_assignment') && !name) return;
      if (name && model.identifiers(name.text).some((id) => within(id, handler) && (model.parentOf(id)?.type === 'global_statement' || model.parentOf(id)?.type === 'nonlocal_statement'))) return;
      if (!argumentsInvariant(model, call, handler) || !(call.argumentList?.namedChildren ?? []).every((a) => !a || a.type === 'comment' || moduleConstant(model, a))) return;
      if (readsStream(model, call, handler) || loopNeedsFreshLoad(model, handler, name, statement) || (saves ??= savesModels(model))) return;
      const changes = hoistOutOfHandler(model, edits, statement, name, handler);
      const route = handler.childForFieldName('name')?.text ?? 'handler';
      const what = kind.model ? 'the model is read and built again' : 'what it loads is read and built again';
      report({
        node: call.callee,
        severity: kind.model ? undefined : 'information',
        message: `\`${kind.label}(…)\` runs with the same arguments on every request to the ${framework} route \`${route}\`: ${what} for each request, to give the same object. Load it once at module level.`,
        fixes: changes ? [{ title: `Load it once at module level${name ? ` (as \`${name.text}\`)` : ''}`, edits: changes }] : [],
      });
    };
    for (const { call, kind } of loadCalls(sites)) {
      const statement = statementOf(call.node);
      if (!statement) continue;
      const name = assignedName(statement);
      // The outermost loop the load is invariant in, with nothing in it that needs a fresh load.
      let loop: Node | undefined;
      for (const candidate of model.enclosingLoops(call.node)) {
        if (!argumentsInvariant(model, call, candidate) || readsStream(model, call, candidate) || retriesLoad(model, candidate, statement) || loopNeedsFreshLoad(model, candidate, name, statement)) break;
        loop = candidate;
      }
      if (!loop) {
        reportHandlerLoad(call, kind, statement, name);
        continue;
      }
      const changes = hoist(model, edits, statement, name, loop);
      const outer = model.enclosingLoops(call.node)[0]?.id !== loop.id;
      const what = kind.model ? 'the model is read and built again' : 'what it loads is read and built again';
      report({
        node: call.callee,
        severity: kind.model ? undefined : 'information',
        message: `\`${kind.label}(…)\` runs with the same arguments on every iteration of the ${outer ? 'outer ' : ''}${loop.type === 'while_statement' ? '`while`' : '`for`'} loop around it: ${what} each time, to give the same object. Load it once before the loop.`,
        fixes: changes ? [{ title: `Load it once before the loop${name ? ` (as \`${name.text}\`)` : ''}`, edits: changes }] : [],
      });
    }
  },
});
