// The semantic model builds its indexes lazily, from the places where the text spells a name or a
// keyword, each checked in the tree. These tests hold it to an independent, eager reading of the same
// tree: one walk over every node that records what binds which name in which scope, every call, loop,
// `with`, def, class and import. They must agree on every identifier of every fixture script and
// example, and of seeded random programs built to put names where text and tree disagree (in strings,
// comments, attribute names, keyword arguments, longer names, `==` comparisons, subscripts, calls).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { parsePython, type Node } from '../../server/src/analysis/parser';
import type { Binding } from '../../server/src/analysis/model/bindings';
import { SemanticModel } from '../../server/src/analysis/model/model';
import { useParser } from '../helpers/analysis';
import { seededRandom } from '../helpers/random';

useParser();

const ROOT = path.resolve(__dirname, '..', '..', '..');

interface OracleBinding {
  name: string;
  kind: string;
  node: Node;
  value?: Node;
}

/**
 * `x, y = a, b` binds x to a: the i-th name of a flat pattern gets the i-th element of a tuple of
 * the same length with no starred part, unless that element reads one of the pattern's names.
 */
function tupleElementFor(pattern: Node, name: Node, value: Node): Node | undefined {
  const patterns = new Set(['pattern_list', 'tuple_pattern']);
  const tuples = new Set(['expression_list', 'tuple']);
  if (!patterns.has(pattern.type) || !tuples.has(value.type)) return undefined;
  const targets = pattern.namedChildren.filter((n) => n && n.type !== 'comment') as Node[];
  const elements = value.namedChildren.filter((n) => n && n.type !== 'comment') as Node[];
  if (targets.length !== elements.length) return undefined;
  if (targets.some((t) => t.type === 'list_splat_pattern') || elements.some((e) => e.type === 'list_splat')) return undefined;
  const i = targets.findIndex((t) => t.id === name.id);
  if (i === -1) return undefined;
  const names = targets.map((t) => t.text);
  const element = elements[i];
  const readsTarget = (n: Node): boolean => (n.type === 'identifier' && names.includes(n.text)) || n.namedChildren.some((c) => !!c && readsTarget(c));
  return readsTarget(element) ? undefined : element;
}

/** The eager reading: one pre-order walk over the whole tree. */
class EagerReading {
  readonly nodes: Node[] = [];
  readonly identifiers: Node[] = [];
  /** scope node id → name → bindings in walk order. */
  readonly scopes = new Map<number, Map<string, OracleBinding[]>>();
  readonly scopeOfNode = new Map<number, Node>();
  readonly callsByName = new Map<string, Node[]>();
  readonly loops: Node[] = [];
  readonly whiles: Node[] = [];
  readonly withs: Node[] = [];
  readonly defs: Node[] = [];
  readonly classes: Node[] = [];
  readonly imports: Node[] = [];
  /** Modules of `from m import *`: they bind no name the file spells, so they are not among `imports`. */
  readonly stars: string[] = [];

  constructor(readonly root: Node) {
    this.walk(root, [root]);
  }

  /** `scopes`: the scope stack, innermost last; a child of a def/class body or of a lambda after its parameters is in that scope. */
  private walk(node: Node, scopes: Node[]): void {
    this.nodes.push(node);
    this.scopeOfNode.set(node.id, scopes[scopes.length - 1]);
    switch (node.type) {
      case 'identifier':
        this.identifiers.push(node);
        break;
      case 'call': {
        const callee = node.childForFieldName('function');
        const name = callee?.type === 'identifier' ? callee.text : callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text : undefined;
        if (name) this.callsByName.set(name, [...(this.callsByName.get(name) ?? []), node]);
        break;
      }
      case 'assignment': {
        const left = node.childForFieldName('left');
        let value = node.childForFieldName('right');
        while (value?.type === 'assignment') value = value.childForFieldName('right');
        if (left) this.bindPattern(left, left, 'assign', node, value ?? undefined, scopes);
        break;
      }
      case 'for_statement': {
        this.loops.push(node);
        const left = node.childForFieldName('left');
        if (left) this.bindPattern(left, left, 'loop', node, undefined, scopes);
        break;
      }
      case 'while_statement':
        this.whiles.push(node);
        break;
      case 'with_statement':
        this.withs.push(node);
        for (const clause of node.namedChildren) {
          for (const item of clause?.type === 'with_clause' ? clause.namedChildren : []) {
            const value = item?.childForFieldName('value');
            if (value?.type !== 'as_pattern') continue;
            const target = value.childForFieldName('alias') ?? value.namedChild(1);
            const alias = target?.type === 'as_pattern_target' ? target.namedChild(0) : target;
            if (alias) this.bindPattern(alias, alias, 'with', node, undefined, scopes);
          }
        }
        break;
      case 'function_definition':
      case 'class_definition': {
        (node.type === 'function_definition' ? this.defs : this.classes).push(node);
        const name = node.childForFieldName('name');
        if (name) this.bind(scopes[scopes.length - 1], { name: name.text, kind: node.type === 'function_definition' ? 'def' : 'class', node });
        if (node.type === 'function_definition') {
          for (const p of node.childForFieldName('parameters')?.namedChildren ?? []) {
            const id = p && paramIdentifier(p);
            if (id) this.bind(node, { name: id.text, kind: 'param', node: p! });
          }
        }
        break;
      }
      case 'import_statement':
      case 'import_from_statement': {
        const module = node.childForFieldName('module_name');
        if (node.namedChildren.some((c) => c?.type === 'wildcard_import')) {
          if (module) this.stars.push(module.text);
          break;
        }
        this.imports.push(node);
        for (const child of node.namedChildren) {
          if (!child || child.id === module?.id) continue;
          // `import a.b` binds `a`; `from m import a` binds `a`; `as x` binds `x`.
          const bound = child.type === 'aliased_import' ? child.childForFieldName('alias') : child.type === 'dotted_name' ? (node.type === 'import_statement' ? child.namedChild(0) : child) : null;
          if (bound) this.bind(scopes[scopes.length - 1], { name: bound.text, kind: 'import', node });
        }
        break;
      }
    }
    for (const child of node.children) {
      if (!child) continue;
      let inner = scopes;
      if ((node.type === 'function_definition' || node.type === 'class_definition') && child.id === node.childForFieldName('body')?.id) inner = [...scopes, node];
      const params = node.type === 'lambda' ? node.childForFieldName('parameters') : null;
      if (params && child.startIndex >= params.endIndex) inner = [...scopes, node];
      this.walk(child, inner);
    }
  }

  private bindPattern(target: Node, top: Node, kind: string, statement: Node, value: Node | undefined, scopes: Node[]): void {
    if (target.type === 'identifier') {
      const direct = target.id === top.id;
      const paired = kind === 'assign' && !direct && value ? tupleElementFor(top, target, value) : undefined;
      const k = kind === 'assign' && !direct && !paired ? 'other' : kind;
      this.bind(scopes[scopes.length - 1], { name: target.text, kind: k, node: statement, value: k === 'assign' ? (paired ?? value) : undefined });
      return;
    }
    if (target.type === 'attribute' || target.type === 'subscript') return;
    for (const child of target.namedChildren) if (child) this.bindPattern(child, top, kind, statement, value, scopes);
  }

  private bind(scope: Node, b: OracleBinding): void {
    const names = this.scopes.get(scope.id) ?? new Map<string, OracleBinding[]>();
    this.scopes.set(scope.id, names);
    names.set(b.name, [...(names.get(b.name) ?? []), b]);
  }

  /** Python's lookup as the model defines it: innermost scope that binds the name; class bodies only from themselves. */
  lookup(name: string, from: Node): OracleBinding[] {
    let scope: Node | undefined = this.scopeOfNode.get(from.id)!;
    let first = true;
    while (scope) {
      if (first || scope.type !== 'class_definition') {
        const found = this.scopes.get(scope.id)?.get(name);
        if (found?.length) return found;
      }
      first = false;
      if (scope.id === this.root.id) break;
      scope = this.scopeOfNode.get(scope.id);
    }
    return [];
  }
}

function paramIdentifier(p: Node): Node | undefined {
  if (p.type === 'identifier') return p;
  if (p.type === 'default_parameter' || p.type === 'typed_default_parameter') return p.childForFieldName('name') ?? undefined;
  if (p.type === 'typed_parameter' || p.type === 'list_splat_pattern' || p.type === 'dictionary_splat_pattern') {
    const first = p.namedChild(0);
    return first ? paramIdentifier(first) : undefined;
  }
  return undefined;
}

const describeBinding = (b: Binding | OracleBinding): string => `${b.kind} ${b.name} @${b.node.startIndex}-${b.node.endIndex}${b.value ? ` = @${b.value.startIndex}` : ''}`;
const ids = (nodes: readonly Node[]): number[] => nodes.map((n) => n.startIndex * 1e6 + n.endIndex);

/** Compares the lazy model with the eager reading on one text; returns how many identifiers were compared. */
function compare(text: string, label: string): number {
  const tree = parsePython(text);
  try {
    const eager = new EagerReading(tree.rootNode);
    const model = new SemanticModel(tree, { text });
    assert.deepEqual(ids(model.functionDefinitions), ids(eager.defs), `${label}: defs`);
    assert.deepEqual(ids(model.classDefinitions), ids(eager.classes), `${label}: classes`);
    assert.deepEqual(ids(model.withStatements), ids(eager.withs), `${label}: with statements`);
    assert.deepEqual(ids(model.loops), ids([...eager.loops, ...eager.whiles]), `${label}: loops`);
    assert.deepEqual([...new Set(model.allImports.map((b) => b.node.startIndex))], eager.imports.map((n) => n.startIndex), `${label}: import statements`);
    assert.deepEqual([...model.starImports], eager.stars, `${label}: star imports`);
    for (const id of eager.identifiers) {
      // A zero-width identifier is one tree-sitter put in to recover from an error: it names nothing.
      if (id.startIndex === id.endIndex) {
        assert.deepEqual(model.lookup(id.text, id), [], `${label}: lookup of a missing identifier`);
        continue;
      }
      assert.deepEqual(
        model.lookup(id.text, id).map(describeBinding),
        eager.lookup(id.text, id).map(describeBinding),
        `${label}: lookup of ${id.text} at ${id.startPosition.row + 1}:${id.startPosition.column + 1}`,
      );
    }
    for (const [name, calls] of eager.callsByName) {
      assert.deepEqual(ids(model.callsNamed(name).map((c) => c.node)), ids(calls), `${label}: calls named ${name}`);
    }
    return eager.identifiers.length;
  } finally {
    tree.delete();
  }
}

/** A random valid Python program that spells the same few names in every role the model tells apart. */
export function randomProgram(seed: number): string {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const names = ['lr', 'grid', 'model', 'fit', 'x', 'data', 'lr_max', 'mylr'];
  const name = (): string => pick(names);
  const expr = (depth = 0): string => {
    if (depth > 2) return pick([name(), '1', '"lr"', '[1, 2]']);
    return pick([
      () => name(),
      () => `${name()}.${name()}`,
      () => `${name()}(${expr(depth + 1)})`,
      () => `(${name()}.${name()}(${expr(depth + 1)})).${name()}()`,
      () => `${name()}(${name()})(${expr(depth + 1)})`,
      () => `${name()}.${name()}(${name()}=${expr(depth + 1)})`,
      () => `${name()}[${expr(depth + 1)}]`,
      () => `${name()} == ${expr(depth + 1)}`,
      () => `${name()} + ${expr(depth + 1)}`,
      () => `[${expr(depth + 1)}, ${name()}]`,
      () => `{"${name()}": ${expr(depth + 1)}}`,
      () => `(lambda ${name()}, ${name()}2=${name()}: ${expr(depth + 1)})`,
      () => `(lambda: ${name()})`,
      () => `f"{${name()}} ${name()}"`,
      () => `(${name()} for ${name()} in ${expr(depth + 1)})`,
    ])();
  };
  const statement = (indent: string, depth: number): string[] => {
    const body = (): string[] => (depth > 2 ? [`${indent}    pass`] : Array.from({ length: 1 + Math.floor(random() * 3) }, () => statement(`${indent}    `, depth + 1)).flat());
    return pick([
      () => [`${indent}${name()} = ${expr()}`],
      () => [`${indent}${name()} = ${name()} = ${expr()}`],
      () => [`${indent}${name()}, (${name()}, *${name()}) = ${expr()}`],
      () => [`${indent}${name()}.${name()} = ${expr()}`],
      () => [`${indent}${name()}[${name()}] = ${expr()}`],
      () => [`${indent}${name()}[0] += 1`],
      () => [`${indent}${name()} += ${expr()}`],
      () => [`${indent}${name()}: int = ${expr()}`],
      () => [`${indent}${name()}.append(${expr()})`],
      () => [`${indent}${expr()}  # ${name()} = ${name()}`],
      () => [`${indent}"""${name()} = 1; def ${name()}(): import ${name()}"""`],
      () => [`${indent}for ${name()}, ${name()} in ${expr()}:`, ...body()],
      () => [`${indent}while ${expr()}:`, ...body()],
      () => [`${indent}with ${expr()} as ${name()}, ${expr()} as (${name()}, ${name()}):`, ...body()],
      () => [`${indent}with ${expr()}:`, ...body()],
      () => [`${indent}def ${name()}(${name()}, ${name()}2: int = ${name()}, *${name()}3, ${name()}4=1, **${name()}5) -> ${name()}:`, ...body()],
      () => [`${indent}@${name()}.${name()}(${expr()})`, `${indent}def ${name()}(self):`, ...body()],
      () => [`${indent}class ${name()}(${name()}, metaclass=${name()}):`, ...body()],
      () => [`${indent}import ${name()}.${name()} as ${name()}, ${name()}`],
      () => [`${indent}from ${name()}.${name()} import ${name()} as ${name()}, ${name()}`],
      () => [`${indent}from . import ${name()}`],
      () => [`${indent}try:`, `${indent}    ${name()} = ${expr()}`, `${indent}except ${name()} as ${name()}:`, `${indent}    pass`],
      () => [`${indent}if ${expr()}:`, ...body(), `${indent}else:`, ...body()],
      () => [`${indent}global ${name()}`],
      () => [`${indent}print(${name()}=${expr()}, *${name()}, **${name()})`],
    ])();
  };
  const lines: string[] = [];
  for (let i = 0; i < 12; i++) lines.push(...statement('', 0));
  return lines.join('\n') + '\n';
}

describe('lazy semantic model against an eager reading of the tree', () => {
  it('agrees on every identifier of every fixture script and example', () => {
    let compared = 0;
    for (const dir of ['test/fixtures/scripts', 'examples']) {
      for (const f of fs.readdirSync(path.join(ROOT, dir)).filter((n) => n.endsWith('.py')).sort()) {
        compared += compare(fs.readFileSync(path.join(ROOT, dir, f), 'utf8'), `${dir}/${f}`);
      }
    }
    assert.ok(compared > 3000, `identifiers compared: ${compared}`);
  });

  it('agrees on 300 random programs that spell the same names in every role', () => {
    let compared = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const text = randomProgram(seed);
      const tree = parsePython(text);
      const valid = !tree.rootNode.hasError;
      tree.delete();
      assert.ok(valid, `generated program ${seed} does not parse:\n${text}`);
      compared += compare(text, `random program ${seed}`);
    }
    assert.ok(compared > 20000, `identifiers compared: ${compared}`);
  });

  it('agrees on 300 broken programs (the random programs with a stretch cut out or a bracket, colon or quote put in)', () => {
    let broken = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const random = seededRandom(1000 + seed);
      let text = randomProgram(seed);
      const at = Math.floor(random() * text.length);
      text = random() < 0.5 ? text.slice(0, at) + text.slice(Math.min(text.length, at + 1 + Math.floor(random() * 12))) : text.slice(0, at) + '([:"\'='[Math.floor(random() * 6)] + text.slice(at);
      const tree = parsePython(text);
      if (tree.rootNode.hasError) broken++;
      tree.delete();
      compare(text, `broken program ${seed}:\n${text}\n`);
    }
    assert.ok(broken > 200, `programs with syntax errors: ${broken}`);
  });
});
