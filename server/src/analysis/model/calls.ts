// Owns call sites: a call's callee, arguments and qualified name; the calls spelled with a name or
// resolving to a qualified name; callers of same-file functions; the call a value came from; and
// the classes the file defines (their bases, their subclasses).
import { key } from '../dependency';
import type { Node } from '../parser';
import { UNKNOWN, type Value } from '../values';
import { nextTokenChar } from '../words';
import type { Binding } from './bindings';
import { sameNode, withItems } from './navigation';
import type { ModelParts } from './parts';
import { lastName, type QualifiedName } from '../qualifiedName';

export interface KeywordArgument {
  name: string;
  /** The whole `name=value` node. */
  node: Node;
  value: Node;
}

/** Whether an argument is there, absent, or cannot be told (absent but *args/**kwargs are passed). */
export type ArgumentPresence = 'present' | 'absent' | 'unknown';

interface ParsedArguments {
  positional: Node[];
  keywords: Map<string, KeywordArgument>;
  hasStarArgs: boolean;
  hasStarKwargs: boolean;
  /** The expressions unpacked with `**`. */
  starKwargs: Node[];
}

export class CallSite {
  readonly node: Node;
  private calleeNode: Node | undefined;
  private args: Node | null | undefined;
  private parsedArguments: ParsedArguments | undefined;
  // Each read of the tree is a call into the parser's wasm heap: rules ask for these again and again.
  private method: string | undefined;
  private receiverNode: Node | null | undefined;

  constructor(
    node: Node,
    private readonly m: ModelParts,
  ) {
    this.node = node;
  }

  // Callee and arguments are read from the tree on first use: most call sites are only ever asked for their name.
  get callee(): Node {
    return (this.calleeNode ??= this.node.childForFieldName('function')!);
  }

  get argumentList(): Node | null {
    if (this.args === undefined) {
      const args = this.node.childForFieldName('arguments');
      this.args = args && args.type === 'argument_list' ? args : null;
    }
    return this.args;
  }

  /** Positional arguments, in order, up to the first keyword; `*args` entries are excluded. */
  get positional(): Node[] {
    return this.parseArguments().positional;
  }

  get keywords(): Map<string, KeywordArgument> {
    return this.parseArguments().keywords;
  }

  /** Every argument's value: the positional ones in order, then the keyword ones (`*args` / `**kwargs` entries excluded). */
  get argumentValues(): Node[] {
    return [...this.positional, ...[...this.keywords.values()].map((k) => k.value)];
  }

  get hasStarArgs(): boolean {
    return this.parseArguments().hasStarArgs;
  }

  get hasStarKwargs(): boolean {
    return this.parseArguments().hasStarKwargs;
  }

  private parseArguments(): ParsedArguments {
    if (this.parsedArguments) return this.parsedArguments;
    const parsed: ParsedArguments = { positional: [], keywords: new Map(), hasStarArgs: false, hasStarKwargs: false, starKwargs: [] };
    const list = this.argumentList;
    if (list) {
      for (const arg of list.namedChildren) {
        if (!arg || arg.type === 'comment') continue;
        if (arg.type === 'keyword_argument') {
          const name = arg.childForFieldName('name');
          const value = arg.childForFieldName('value');
          if (name && value) parsed.keywords.set(name.text, { name: name.text, node: arg, value });
        } else if (arg.type === 'list_splat') {
          parsed.hasStarArgs = true;
        } else if (arg.type === 'dictionary_splat') {
          parsed.hasStarKwargs = true;
          const unpacked = arg.namedChildren.find((c) => !!c && c.type !== 'comment');
          if (unpacked) parsed.starKwargs.push(unpacked);
        } else {
          parsed.positional.push(arg);
        }
      }
    }
    this.parsedArguments = parsed;
    return parsed;
  }

  /** Fully qualified name of the callee when it resolves through imports (`torch.autocast`). */
  get qualifiedName(): QualifiedName | undefined {
    // Remembered by the model, which replays what resolving it read.
    return this.m.recorder.remember(`qualified ${this.node.id}`, () => this.m.names.qualifiedName(this.callee) ?? null) ?? undefined;
  }

  /** Last segment of the callee as written: `fit` for `model.fit(...)`. */
  get methodName(): string {
    return (this.method ??= this.callee.type === 'attribute' ? (this.callee.childForFieldName('attribute')?.text ?? '') : this.callee.text);
  }

  /** The object a method is called on (`model` in `model.fit(...)`), if any. */
  get receiver(): Node | null {
    if (this.receiverNode === undefined) this.receiverNode = this.callee.type === 'attribute' ? this.callee.childForFieldName('object') : null;
    return this.receiverNode;
  }

  /** The argument node for a parameter given by keyword or by position. */
  argument(keyword: string, position?: number): Node | undefined {
    const kw = this.keywords.get(keyword);
    if (kw) return kw.value;
    if (position !== undefined && position < this.positional.length) return this.positional[position];
    return undefined;
  }

  presence(keyword: string, position?: number): ArgumentPresence {
    if (this.argument(keyword, position)) return 'present';
    if (this.hasStarKwargs || (position !== undefined && this.hasStarArgs)) return 'unknown';
    return 'absent';
  }

  /**
   * The keywords a call's `**` arguments pass, as one dict (`**params` where `params` is a literal
   * dict, in order, later ones winning); undefined when the call has none; UNKNOWN when one of them
   * is not a dict with literal string keys.
   */
  starKwargsValue(): Value | undefined {
    const unpacked = this.parseArguments().starKwargs;
    if (!this.hasStarKwargs) return undefined;
    if (unpacked.length === 0) return UNKNOWN;
    const entries: Array<{ key: Value; value: Value }> = [];
    for (const node of unpacked) {
      const v = this.m.values.evaluate(node);
      if (v.kind !== 'dict' || v.entries.some((e) => e.key.kind !== 'string')) return UNKNOWN;
      for (const e of v.entries) {
        const at = entries.findIndex((x) => x.key.kind === 'string' && e.key.kind === 'string' && x.key.value === e.key.value);
        if (at >= 0) entries.splice(at, 1);
        entries.push(e);
      }
    }
    return { kind: 'dict', entries };
  }

  /** Evaluated argument: its value, undefined when absent, UNKNOWN when it may be passed through. */
  valueOf(keyword: string, position?: number): Value | undefined {
    const node = this.argument(keyword, position);
    if (node) return this.m.values.evaluate(node);
    return this.presence(keyword, position) === 'unknown' ? UNKNOWN : undefined;
  }
}

export class Calls {
  private readonly callSites = new Map<number, CallSite>();
  private readonly callsByName = new Map<string, Node[]>();
  private everyCall: Node[] | undefined;

  constructor(private readonly m: ModelParts) {}

  callSite(node: Node): CallSite {
    let site = this.callSites.get(node.id);
    if (!site) {
      site = new CallSite(node, this.m);
      this.callSites.set(node.id, site);
    }
    return site;
  }

  /** Calls whose callee is spelled with this last name (`name(…)`, `x.name(…)`), in document order. */
  callNodesNamed(name: string): Node[] {
    this.m.recorder.read(key.word(name));
    let calls = this.callsByName.get(name);
    if (!calls) {
      calls = this.callsAt(this.m.spellings.identifiers(name));
      this.callsByName.set(name, calls);
    }
    return calls;
  }

  /** Call nodes already found for a name (no read recorded), if they were asked for. */
  knownCallNodes(name: string): Node[] | undefined {
    return this.callsByName.get(name);
  }

  /** The calls whose callee ends with one of these identifiers, in document order. */
  callsAt(ids: readonly Node[]): Node[] {
    const { module, nav } = this.m;
    const calls: Node[] = [];
    for (const id of ids) {
      // The callee's name is followed by its argument list (or, with a comment between, maybe).
      const next = nextTokenChar(module.text, id.endIndex);
      if (module.tokensTellAt(id.startIndex) && next !== '(' && next !== '#') continue;
      const parent = nav.parentOf(id);
      if (!parent) continue;
      if (parent.type === 'call') {
        if (sameNode(parent.childForFieldName('function'), id)) calls.push(parent);
      } else if (parent.type === 'attribute' && sameNode(parent.childForFieldName('attribute'), id)) {
        const call = nav.parentOf(parent);
        if (call && call.type === 'call' && sameNode(call.childForFieldName('function'), parent)) calls.push(call);
      }
    }
    // A call around another starts first (`(a.f()).f()`), and an outer call sharing the inner's start comes first.
    return calls.sort((a, b) => a.startIndex - b.startIndex || b.endIndex - a.endIndex);
  }

  /** Every call node in the file, in document order (a whole-tree query: for rare paths only). */
  allCallNodes(): Node[] {
    this.m.recorder.read(key.wholeFile);
    return (this.everyCall ??= this.m.module.allRoots().flatMap((_, i) => this.segmentCallNodes(i)));
  }

  /** Segment `i`'s call nodes in document order (outer calls before the calls they start with). */
  private segmentCallNodes(i: number): Node[] {
    return this.m.module.segmentNodesOfType(i, 'call');
  }

  /**
   * Whether any call is spelled with this last name. Recorded as that yes/no (compared after an
   * edit), not as the calls: a keystroke in a statement that spells the name leaves the answer as it
   * was, and the readers of it where they were.
   */
  hasCallNamed(name: string): boolean {
    this.m.recorder.read(key.anyCall(name));
    return this.m.recorder.quietly(() => this.callNodesNamed(name).length > 0);
  }

  /** Calls whose callee is written with this last name: `fit` finds `model.fit(...)` and `fit(...)`. */
  callsNamed(name: string): CallSite[] {
    return this.callNodesNamed(name).map((n) => this.callSite(n));
  }

  /**
   * `callsNamed` for a reader that keeps only the calls that also spell `word` (`model.eval()` for
   * `model`): recorded as one read of both words, so that an edit of a statement spelling only the
   * method (`net.train()`, `def train(…)`) does not make the reader read again.
   */
  callsNamedSpelling(name: string, word: string): CallSite[] {
    return this.m.recorder.readingAll([word, name], () => this.callsNamed(name));
  }

  /** Calls named `name` inside a node, read from that node's text alone (recorded as a read of its statement). */
  callsNamedWithin(name: string, node: Node): CallSite[] {
    this.m.readStatementOf(node);
    const ids = this.m.spellings.identifiersWithin(name, [{ start: node.startIndex, end: node.endIndex }]);
    return this.callsAt(ids).map((n) => this.callSite(n));
  }

  /** Every call inside a node (the node too, when a call), in document order, read from that node alone (recorded as a read of its statement). */
  callsWithin(node: Node): CallSite[] {
    this.m.readStatementOf(node);
    return this.m.module.nodesOfTypeWithin(node, 'call').map((n) => this.callSite(n));
  }

  /**
   * Calls of these methods on what `name` spells as a whole receiver or as its last attribute
   * (`name.append(…)`, `x.name.append(…)`), in document order. Found from where `name` is spelled, so
   * only a change that spells `name` can change the answer (not every call of the method).
   */
  methodCallsOn(name: string, methods: ReadonlySet<string>): CallSite[] {
    const nav = this.m.nav;
    const out: CallSite[] = [];
    for (const id of this.m.spellings.identifiers(name)) {
      let receiver = id;
      const parent = nav.parentOf(id);
      // `x.name`: the attribute node is the receiver.
      if (parent && parent.type === 'attribute' && sameNode(parent.childForFieldName('attribute'), id)) receiver = parent;
      const access = receiver === id ? parent : nav.parentOf(receiver);
      if (!access || access.type !== 'attribute' || !sameNode(access.childForFieldName('object'), receiver)) continue;
      const method = access.childForFieldName('attribute')?.text;
      if (!method || !methods.has(method)) continue;
      const call = nav.parentOf(access);
      if (call && call.type === 'call' && sameNode(call.childForFieldName('function'), access)) out.push(this.callSite(call));
    }
    return out;
  }

  /** Calls whose callee resolves to one of these qualified names; `callNodes` finds the calls spelled with a name. */
  callsTo(qualifiedNames: Iterable<string>, callNodes: (name: string) => Node[] = (n) => this.callNodesNamed(n)): CallSite[] {
    const wanted = new Set(qualifiedNames);
    const lastNames = new Set([...wanted].map(lastName));
    // `from m import f as g` calls it as `g(...)`.
    for (const name of this.m.imports.namesOf(wanted)) lastNames.add(name);
    const out: CallSite[] = [];
    for (const last of lastNames) {
      for (const node of callNodes(last)) {
        const site = this.callSite(node);
        const q = site.qualifiedName;
        if (q && wanted.has(q)) out.push(site);
      }
    }
    return out.sort((a, b) => a.node.startIndex - b.node.startIndex);
  }

  /**
   * Calls `x.<path>(…)` — a method, or a method of an attribute (`x.callbacks.append`) — whose `x`
   * holds what `origin` made (see originCall), in document order. Found from where the method is
   * spelled; with an attribute in the path, recorded as one read of all the path's words, since every
   * call found spells each of them.
   */
  callsOnResultOf(origin: CallSite, path: readonly string[]): CallSite[] {
    // Traced once per model for every call of the path, then kept by the origin they trace to.
    const byOrigin = this.m.recorder.remember(`calls on results: ${path.join('.')}`, () => {
      const method = path[path.length - 1];
      const attributes = path.slice(0, -1);
      const candidates = attributes.length ? this.m.recorder.readingAll(path, () => this.callsNamed(method)) : this.callsNamed(method);
      const found = new Map<number, CallSite[]>();
      for (const call of candidates) {
        let object = call.receiver;
        for (let i = attributes.length - 1; i >= 0 && object; i--) {
          object = object.type === 'attribute' && object.childForFieldName('attribute')?.text === attributes[i] ? object.childForFieldName('object') : null;
        }
        const made = object ? this.originCall(object) : undefined;
        if (!made) continue;
        const list = found.get(made.node.id);
        if (list) list.push(call);
        else found.set(made.node.id, [call]);
      }
      return found;
    });
    return byOrigin.get(origin.node.id) ?? [];
  }

  /**
   * Classes defined here whose bases, directly or through other classes defined here, include one of
   * these qualified names, in document order. Found from where the bases are spelled (the names'
   * last parts, their import aliases, then the subclasses' own names), not by reading every class.
   */
  subclassesOf(qualifiedNames: ReadonlySet<string>): Node[] {
    const nav = this.m.nav;
    const names = new Set([...qualifiedNames].map(lastName));
    for (const name of this.m.imports.namesOf(qualifiedNames)) names.add(name);
    const classes = new Map<number, Node>();
    const pending = [...names];
    while (pending.length) {
      for (const id of this.m.spellings.identifiers(pending.pop()!)) {
        let parent = nav.parentOf(id);
        while (parent && parent.type === 'attribute') parent = nav.parentOf(parent);
        if (!parent || parent.type !== 'argument_list') continue;
        const cls = nav.parentOf(parent);
        if (!cls || cls.type !== 'class_definition' || !sameNode(cls.childForFieldName('superclasses'), parent) || classes.has(cls.id)) continue;
        classes.set(cls.id, cls);
        const name = cls.childForFieldName('name')?.text;
        if (name && !names.has(name)) {
          names.add(name);
          pending.push(name);
        }
      }
    }
    return [...classes.values()].filter((c) => this.classBases(c).some((b) => qualifiedNames.has(b))).sort((a, b) => a.startIndex - b.startIndex);
  }

  /** Definitions of this type named `name`, found from where the name is spelled (document order). */
  definitionsNamed(name: string, type: 'function_definition' | 'class_definition'): Node[] {
    const out: Node[] = [];
    for (const id of this.m.spellings.identifiers(name)) {
      const parent = this.m.nav.parentOf(id);
      if (parent && parent.type === type && sameNode(parent.childForFieldName('name'), id)) out.push(parent);
    }
    return out;
  }

  /** Calls in this file that call the given function definition (by name, or as `self.method`). */
  callersOf(fn: Node): CallSite[] {
    const name = fn.childForFieldName('name')?.text;
    if (!name) return [];
    const inClass = this.m.nav.enclosingClass(fn);
    const out: CallSite[] = [];
    for (const node of this.callNodesNamed(name)) {
      const site = this.callSite(node);
      if (site.callee.type === 'identifier') {
        const bindings = this.m.names.lookup(name, site.callee);
        if (bindings.some((b) => b.node.id === fn.id)) out.push(site);
      } else if (inClass) {
        const receiver = site.receiver;
        if (receiver && receiver.type === 'identifier' && (receiver.text === 'self' || receiver.text === 'cls')) out.push(site);
      }
    }
    return out;
  }

  /**
   * Whether a node runs inside a context that the predicate accepts: a `with` item or a decorator
   * around it, or, inside a function, around any call of that function from this file.
   * The predicate gets the context expression (the `with` item's value or the decorator).
   */
  inContext(node: Node, accept: (contextExpression: Node) => boolean, visited = new Set<number>()): boolean {
    const nav = this.m.nav;
    let child = node;
    for (const a of nav.ancestors(node)) {
      if (a.type === 'with_statement') {
        const body = a.childForFieldName('body');
        if (body && body.id === child.id) {
          for (const item of withItems(a)) if (accept(item.value)) return true;
        }
      } else if (a.type === 'function_definition') {
        if (nav.decoratorsOf(a).some(accept)) return true;
        if (visited.has(a.id)) return false;
        visited.add(a.id);
        return this.callersOf(a).some((caller) => this.inContext(caller.node, accept, visited));
      }
      child = a;
    }
    return false;
  }

  /** The call that produced a variable's value, following simple assignments and same-file function returns. */
  originCall(expr: Node, depth = 0): CallSite | undefined {
    if (depth > 8) return undefined;
    const { names, nav, module } = this.m;
    if (expr.type === 'call') {
      const site = this.callSite(expr);
      if (site.callee.type === 'identifier' && !site.qualifiedName) {
        const fn = names.lookupDefinitions(site.callee.text, site.callee).find((b) => b.kind === 'def');
        if (fn) {
          for (const ret of fn.node.descendantsOfType('return_statement')) {
            const value = ret?.namedChild(0);
            if (value && nav.enclosingFunction(ret!)?.id === fn.node.id) {
              const origin = this.originCall(value, depth + 1);
              if (origin) return origin;
            }
          }
        }
      }
      return site;
    }
    if (expr.type === 'parenthesized_expression') {
      const inner = expr.namedChild(0);
      return inner ? this.originCall(inner, depth + 1) : undefined;
    }
    if (expr.type !== 'identifier') return undefined;
    // The last assignment before the use, else the last one in the scope. One earlier in the use's own
    // segment settles it without the rest of the file.
    // `model = model.to(device)`: the assignment the name is read in comes after the read.
    const assigns = (b: Binding) => b.kind === 'assign' && !!b.value && !(b.node.startIndex <= expr.startIndex && expr.endIndex <= b.node.endIndex);
    const segmentStart = module.starts[module.segmentAt(expr.startIndex)];
    const near = names.lookupWithin(expr.text, expr, [{ start: segmentStart, end: expr.startIndex }], assigns);
    let chosen = near.at(-1);
    if (!chosen) {
      const bindings = names.lookup(expr.text, expr).filter(assigns);
      const before = bindings.filter((b) => b.node.startIndex < expr.startIndex);
      chosen = (before.length ? before : bindings).at(-1);
    }
    return chosen?.value ? this.originCall(chosen.value, depth + 1) : undefined;
  }

  /** Qualified names of the bases of a class defined in this file, following local base classes. */
  classBases(cls: Node, depth = 0): QualifiedName[] {
    if (depth > 8) return [];
    const out: QualifiedName[] = [];
    const supers = cls.childForFieldName('superclasses');
    for (const base of supers?.namedChildren ?? []) {
      if (!base || base.type === 'keyword_argument') continue;
      const q = this.m.names.qualifiedName(base);
      if (q) out.push(q);
      else if (base.type === 'identifier') {
        for (const local of this.definitionsNamed(base.text, 'class_definition')) out.push(...this.classBases(local, depth + 1));
      }
    }
    return out;
  }
}
