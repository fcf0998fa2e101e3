// Callback lists, shared by the frameworks whose trainers take them (Keras, Hugging Face, Lightning,
// and the ones the coverage rules add): whether a `callbacks=` value holds an early-stopping callback
// (a known class, a local subclass, or a local class that sets the framework's stop flag), and the
// edit that adds one in the list's own layout.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import type { TextEdit } from '../analysis/types';
import { insertAt, type Edits } from '../fixes/edits';
import { topPackage } from '../analysis/qualifiedName';
import type { Sites } from '../rules/rule';

/** How a callback expression relates to early stopping. */
export type CallbackKind = 'early-stopping' | 'other' | 'unknown';

export interface EarlyStoppingSpec {
  /** Qualified names of the framework's early-stopping callback. */
  names: ReadonlySet<string>;
  /** Top-level packages whose other callbacks are known not to stop training. */
  packages: readonly string[];
  /** Attribute a custom callback assigns to stop training (`stop_training`, `should_stop`, …). */
  stopAttribute: string;
  /**
   * Recognises the callback's constructor call where its qualified name cannot be read (fastai's
   * names come through star imports, several of which leave a name's module open).
   */
  recognise?: (model: Semantic, call: CallSite) => boolean;
}

export interface CallbackListInfo {
  /** Whether the list holds an early-stopping callback: yes, no, or cannot be told. */
  state: 'yes' | 'no' | 'unknown';
  /** The literal list (or tuple) a new callback can be appended to, when there is exactly one. */
  literal?: Node;
  /** A literal `None` that a list can replace. */
  none?: Node;
}

/** The local class a call constructs, if its callee names one defined in this file. */
export function localClassOf(model: Semantic, call: CallSite): Node | undefined {
  const callee = call.callee;
  if (callee.type !== 'identifier') return undefined;
  const bindings = model.lookupDefinitions(callee.text, callee);
  if (bindings.length === 0 || bindings.some((b) => b.kind !== 'class')) return undefined;
  return bindings[bindings.length - 1].node;
}

/**
 * The calls among the sites that construct one of these classes or a local subclass of one
 * (`class MyTrainer(Trainer)` … `MyTrainer(…)`), in document order: found from the classes' names,
 * not by resolving every call.
 */
export function constructorCalls(model: Semantic, sites: Sites, classes: ReadonlySet<string>): CallSite[] {
  const out = new Map<number, CallSite>();
  for (const call of sites.callsTo(classes)) out.set(call.node.id, call);
  for (const cls of model.subclassesOf(classes)) {
    const name = cls.childForFieldName('name')?.text;
    for (const call of name ? sites.callsNamed(name) : []) if (localClassOf(model, call)?.id === cls.id) out.set(call.node.id, call);
  }
  return [...out.values()].sort((a, b) => a.node.startIndex - b.node.startIndex);
}

/** The local class a name or call refers to (`Net` or `Net(...)`). */
export function localClassOfExpression(model: Semantic, expr: Node): Node | undefined {
  if (expr.type === 'call') return localClassOf(model, model.callSite(expr));
  if (expr.type !== 'identifier') return undefined;
  const bindings = model.lookup(expr.text, expr);
  if (bindings.length === 0 || bindings.some((b) => b.kind !== 'class')) return undefined;
  return bindings[bindings.length - 1].node;
}

/** Methods of a class defined in this file, including those of its local base classes. */
export function classMethods(model: Semantic, cls: Node, depth = 0): Map<string, Node> {
  const out = new Map<string, Node>();
  if (depth > 8) return out;
  const supers = cls.childForFieldName('superclasses');
  for (const base of supers?.namedChildren ?? []) {
    if (!base || base.type !== 'identifier') continue;
    for (const local of model.classesNamed(base.text)) {
      if (local.id === cls.id) continue;
      for (const [k, v] of classMethods(model, local, depth + 1)) out.set(k, v);
    }
  }
  const body = cls.childForFieldName('body');
  for (const stmt of body?.namedChildren ?? []) {
    const def = stmt?.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
    if (def?.type === 'function_definition') {
      const name = def.childForFieldName('name')?.text;
      if (name) out.set(name, def);
    }
  }
  return out;
}

/** Whether a local class assigns `<something>.<attribute> = …` anywhere in its body (custom stopping logic). */
function assignsAttribute(cls: Node, attribute: string): boolean {
  for (const a of cls.descendantsOfType('assignment')) {
    const left = a?.childForFieldName('left');
    if (left?.type === 'attribute' && left.childForFieldName('attribute')?.text === attribute) return true;
  }
  return false;
}

/** Classifies one element of a callbacks list. */
export function classifyCallback(model: Semantic, expr: Node, spec: EarlyStoppingSpec): CallbackKind {
  // A class passed instead of an instance (allowed by the HF Trainer).
  const q = model.qualifiedName(expr);
  if (q && spec.names.has(q)) return 'early-stopping';
  const cls = localClassOfExpression(model, expr);
  if (cls) {
    if (model.classBases(cls).some((b) => spec.names.has(b))) return 'early-stopping';
    return assignsAttribute(cls, spec.stopAttribute) ? 'early-stopping' : 'other';
  }
  const origin = model.originCall(expr);
  if (!origin) return 'unknown';
  if (spec.recognise?.(model, origin)) return 'early-stopping';
  const originQ = origin.qualifiedName;
  if (originQ) {
    if (spec.names.has(originQ)) return 'early-stopping';
    return spec.packages.includes(topPackage(originQ)) ? 'other' : 'unknown';
  }
  const originCls = localClassOf(model, origin);
  if (originCls) {
    if (model.classBases(originCls).some((b) => spec.names.has(b))) return 'early-stopping';
    return assignsAttribute(originCls, spec.stopAttribute) ? 'early-stopping' : 'other';
  }
  return 'unknown';
}

function combine(a: CallbackListInfo['state'], b: CallbackListInfo['state']): CallbackListInfo['state'] {
  if (a === 'yes' || b === 'yes') return 'yes';
  if (a === 'unknown' || b === 'unknown') return 'unknown';
  return 'no';
}

const LIST_METHODS_ORDER = ['append', 'extend', 'insert'];
const LIST_METHODS: ReadonlySet<string> = new Set(LIST_METHODS_ORDER);

/** Calls that add to a list variable in place: `cbs.append(x)`, `cbs.extend([...])`, `cbs.insert(0, x)`. */
function listMutations(model: Semantic, name: string, scope: Node): CallSite[] {
  // A function's or class's calls lie inside it: only a module-level list is read file-wide, from
  // where its name is spelled.
  const local = scope.id !== model.root.id;
  const sites = local ? LIST_METHODS_ORDER.flatMap((method) => model.callsNamedWithin(method, scope)) : model.methodCallsOn(name, LIST_METHODS);
  return sites.filter((site) => {
    const r = site.receiver;
    return r && r.type === 'identifier' && r.text === name && model.scopeOf(site.node).id === scope.id;
  });
}

function augmentedAssignments(name: string, scope: Node, model: Semantic): Node[] {
  // From where the name is spelled (a segmented document's module node is only its first segment's).
  const out: Node[] = [];
  for (const id of model.identifiers(name)) {
    const statement = model.parentOf(id);
    if (statement && statement.type === 'augmented_assignment' && statement.childForFieldName('left')?.id === id.id && model.scopeOf(statement).id === scope.id) out.push(statement);
  }
  return out;
}

/** What a `callbacks=` value holds, as far as the file tells. */
export function analyzeCallbackList(model: Semantic, expr: Node, spec: EarlyStoppingSpec, depth = 0): CallbackListInfo {
  if (depth > 8) return { state: 'unknown' };
  switch (expr.type) {
    case 'none':
      return { state: 'no', none: expr };
    case 'parenthesized_expression': {
      const inner = expr.namedChildren.find((c) => c && c.type !== 'comment');
      return inner ? analyzeCallbackList(model, inner, spec, depth + 1) : { state: 'unknown' };
    }
    case 'list':
    case 'tuple': {
      let state: CallbackListInfo['state'] = 'no';
      for (const item of expr.namedChildren) {
        if (!item || item.type === 'comment') continue;
        if (item.type === 'list_splat') {
          const inner = item.namedChild(0);
          state = combine(state, inner ? analyzeCallbackList(model, inner, spec, depth + 1).state : 'unknown');
          continue;
        }
        const kind = classifyCallback(model, item, spec);
        state = combine(state, kind === 'early-stopping' ? 'yes' : kind === 'other' ? 'no' : 'unknown');
      }
      return { state, literal: state === 'no' ? expr : undefined };
    }
    case 'binary_operator': {
      const op = expr.childForFieldName('operator')?.text;
      const l = expr.childForFieldName('left');
      const r = expr.childForFieldName('right');
      if (op !== '+' || !l || !r) return { state: 'unknown' };
      return { state: combine(analyzeCallbackList(model, l, spec, depth + 1).state, analyzeCallbackList(model, r, spec, depth + 1).state) };
    }
    case 'identifier': {
      // The assignment that reaches this use: the only one, or the last of several that runs straight
      // before it (`callbacks = [...]` again in each notebook cell).
      const binding = model.reachingBinding(expr);
      if (!binding || binding.kind !== 'assign' || !binding.value) return { state: 'unknown' };
      const scope = model.scopeOf(binding.node);
      const base = analyzeCallbackList(model, binding.value, spec, depth + 1);
      // Of a name assigned several times, only changes after the reaching assignment matter.
      const reassigned = model.lookup(expr.text, expr).length > 1;
      const later = (n: Node) => !reassigned || n.startIndex >= binding.node.endIndex;
      const mutations = listMutations(model, expr.text, scope).filter((m) => later(m.node));
      if (mutations.length === 0 && augmentedAssignments(expr.text, scope, model).filter(later).length === 0) return base;
      // Added to in place: early stopping if any addition is one, otherwise cannot be told.
      for (const m of mutations) {
        for (const arg of m.positional) {
          if (arg.type === 'list' || arg.type === 'tuple') {
            if (analyzeCallbackList(model, arg, spec, depth + 1).state === 'yes') return { state: 'yes' };
          } else if (classifyCallback(model, arg, spec) === 'early-stopping') return { state: 'yes' };
        }
      }
      return { state: base.state === 'yes' ? 'yes' : 'unknown' };
    }
    default:
      return { state: 'unknown' };
  }
}

/**
 * Appends an element to a list or tuple literal in its own layout: `[a]` → `[a, x]`; a list written
 * one element per line gets a new line with the same indentation (and keeps a trailing comma).
 */
export function appendElement(edits: Edits, list: Node, text: string): TextEdit {
  const source = edits.source;
  const items = list.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
  if (items.length === 0) {
    // `[]` / `()`: the element goes inside the brackets; a tuple of one needs its comma.
    return insertAt(source, list.endIndex - 1, list.type === 'tuple' ? `${text},` : text);
  }
  const last = items[items.length - 1];
  const after = last.nextSibling;
  const trailingComma = after?.type === ',';
  if (last.startPosition.row > list.startPosition.row) {
    const indent = source.indentOf(last.startPosition.row);
    const line = `${source.eol}${indent}${text}`;
    return trailingComma ? insertAt(source, after!.endIndex, `${line},`) : insertAt(source, last.endIndex, `,${line}`);
  }
  if (trailingComma) {
    // `(a,)` → `(a, x)`; `[a,]` → `[a, x]`
    return { range: source.rangeOf(after!.startIndex, after!.endIndex), newText: `, ${text}` };
  }
  return insertAt(source, last.endIndex, `, ${text}`);
}

/** Adds an element to a call's callbacks: appends to its literal list, replaces a `None`, or adds the keyword. */
export function addCallbackEdit(edits: Edits, call: CallSite, info: CallbackListInfo | undefined, text: string): TextEdit {
  if (info?.literal) return appendElement(edits, info.literal, text);
  if (info?.none) return edits.replace(info.none, `[${text}]`);
  return edits.addKeywordArguments(call, [['callbacks', `[${text}]`]]);
}
