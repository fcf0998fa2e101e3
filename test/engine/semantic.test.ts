// The semantic model: imports and aliases, shadowing, qualified names, call arguments, literal
// evaluation, enclosing structure, contexts through same-file calls, origin calls and class bases.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { parsePython, type Node, type Tree } from '../../server/src/analysis/parser';
import { moduleBindingNames } from '../../server/src/analysis/model/bindings';
import type { CallSite } from '../../server/src/analysis/model/calls';
import { importKeys } from '../../server/src/analysis/model/imports';
import { SemanticModel } from '../../server/src/analysis/model/model';
import { UNKNOWN, lengthOf, type Value } from '../../server/src/analysis/values';
import { py, useParser } from '../helpers/analysis';

useParser();

const trees: Tree[] = [];
afterEach(() => {
  for (const t of trees.splice(0)) t.delete();
});

function model(...lines: string[]): SemanticModel {
  const tree = parsePython(py(...lines));
  trees.push(tree);
  return new SemanticModel(tree);
}

/** The n-th node of a type whose text is exactly `text`. */
function node(m: SemanticModel, type: string, text: string, nth = 0): Node {
  const found = m.root.descendantsOfType(type).filter((n): n is Node => !!n && n.text === text);
  assert.ok(found[nth], `no ${type} "${text}" #${nth}`);
  return found[nth];
}

function call(m: SemanticModel, text: string, nth = 0): CallSite {
  return m.callSite(node(m, 'call', text, nth));
}

/** The value of `name` as evaluated where it is last used (`use(name)` lines in the fixtures). */
function valueAtUse(m: SemanticModel, name: string): Value {
  const uses = m.callsNamed('use').map((c) => c.positional[0]).filter((n) => n.text === name);
  assert.ok(uses.length, `no use(${name})`);
  return m.evaluate(uses[uses.length - 1]);
}

function plain(v: Value): unknown {
  switch (v.kind) {
    case 'number':
    case 'string':
    case 'bool':
      return v.value;
    case 'none':
      return null;
    case 'list':
    case 'tuple':
    case 'set':
      return { [v.kind]: v.items.map(plain) };
    case 'dict':
      return { dict: v.entries.map((e) => [plain(e.key), plain(e.value)]) };
    default:
      return '?';
  }
}

describe('imports', () => {
  it('resolves every import form to qualified names', () => {
    const m = model(
      'import torch',
      'import torch.nn as tnn',
      'import numpy.random',
      'from sklearn.model_selection import GridSearchCV as GS, train_test_split',
      'from . import local_mod',
      'from .pkg import helper',
      'torch.cuda.amp.autocast()',
      'tnn.Linear(2, 3)',
      'numpy.random.seed(0)',
      'GS(est, grid)',
      'train_test_split(X)',
      'local_mod.run()',
      'helper()',
    );
    assert.equal(call(m, 'torch.cuda.amp.autocast()').qualifiedName, 'torch.cuda.amp.autocast');
    assert.equal(call(m, 'tnn.Linear(2, 3)').qualifiedName, 'torch.nn.Linear');
    assert.equal(call(m, 'numpy.random.seed(0)').qualifiedName, 'numpy.random.seed');
    assert.equal(call(m, 'GS(est, grid)').qualifiedName, 'sklearn.model_selection.GridSearchCV');
    assert.equal(call(m, 'train_test_split(X)').qualifiedName, 'sklearn.model_selection.train_test_split');
    assert.equal(call(m, 'local_mod.run()').qualifiedName, undefined, 'relative imports do not resolve to a package');
    assert.equal(call(m, 'helper()').qualifiedName, undefined);
    assert.deepEqual([...m.importedPackages].sort(), ['numpy', 'sklearn', 'torch']);
    assert.equal(m.importsAny(['keras', 'sklearn']), true);
    assert.equal(m.importsAny(['keras']), false);
  });

  it('resolves names from a single star import, not names bound otherwise', () => {
    const m = model('from sklearn.model_selection import *', 'GridSearchCV(est, grid)', 'def fit(): pass', 'fit()');
    assert.deepEqual(m.starImports, ['sklearn.model_selection']);
    assert.equal(call(m, 'GridSearchCV(est, grid)').qualifiedName, 'sklearn.model_selection.GridSearchCV');
    assert.equal(call(m, 'fit()').qualifiedName, undefined);
    const two = model('from a import *', 'from b import *', 'thing()');
    assert.equal(call(two, 'thing()').qualifiedName, undefined, 'two star imports: ambiguous');
  });
});

describe('shadowing', () => {
  it('a local assignment, def, class or parameter hides the import', () => {
    const m = model(
      'from sklearn.model_selection import GridSearchCV',
      'import torch',
      'def by_param(torch):',
      '    torch.cuda.amp.autocast()',
      'def by_assign():',
      '    GridSearchCV = make_search',
      '    GridSearchCV(a)',
      'def by_def():',
      '    def GridSearchCV(x): return x',
      '    GridSearchCV(b)',
      'def by_class():',
      '    class GridSearchCV: pass',
      '    GridSearchCV(c)',
      'def untouched():',
      '    GridSearchCV(d)',
    );
    assert.equal(call(m, 'torch.cuda.amp.autocast()').qualifiedName, undefined);
    assert.equal(call(m, 'GridSearchCV(a)').qualifiedName, undefined);
    assert.equal(call(m, 'GridSearchCV(b)').qualifiedName, undefined);
    assert.equal(call(m, 'GridSearchCV(c)').qualifiedName, undefined);
    assert.equal(call(m, 'GridSearchCV(d)').qualifiedName, 'sklearn.model_selection.GridSearchCV');
    assert.deepEqual(m.lookup('torch', node(m, 'identifier', 'torch', 2)).map((b) => b.kind), ['param']);
  });

  it('a module-level reassignment of an imported name does not resolve', () => {
    const m = model('import torch', 'torch = FakeTorch()', 'torch.cuda.amp.GradScaler()');
    assert.equal(call(m, 'torch.cuda.amp.GradScaler()').qualifiedName, undefined);
  });

  it('class bodies are not visible from their methods', () => {
    const m = model('import torch', 'class A:', '    torch = None', '    def f(self):', '        torch.cuda.amp.autocast()');
    assert.equal(call(m, 'torch.cuda.amp.autocast()').qualifiedName, 'torch.cuda.amp.autocast');
  });
});

describe('qualified names of attribute chains', () => {
  it('extends the import through attributes and parentheses', () => {
    const m = model('import tensorflow as tf', 'x = (tf.keras).callbacks.EarlyStopping', 'y = obj.keras.callbacks');
    assert.equal(m.qualifiedName(node(m, 'attribute', '(tf.keras).callbacks.EarlyStopping')), 'tensorflow.keras.callbacks.EarlyStopping');
    assert.equal(m.qualifiedName(node(m, 'attribute', 'obj.keras.callbacks')), undefined);
  });
});

describe('call arguments', () => {
  it('positional, keyword, *args and **kwargs', () => {
    const m = model('f(1, "a", k=2, flag=False)', 'g(1, *rest)', 'h(x, **opts)', 'k()');
    const f = call(m, 'f(1, "a", k=2, flag=False)');
    assert.deepEqual(f.positional.map((n) => n.text), ['1', '"a"']);
    assert.deepEqual([...f.keywords.keys()], ['k', 'flag']);
    assert.equal(f.argument('k')?.text, '2');
    assert.equal(f.argument('name', 1)?.text, '"a"');
    assert.equal(f.presence('k'), 'present');
    assert.equal(f.presence('missing'), 'absent');
    assert.equal(f.presence('third', 2), 'absent');
    assert.deepEqual(f.valueOf('flag'), { kind: 'bool', value: false });
    assert.equal(f.valueOf('missing'), undefined);
    assert.equal(f.methodName, 'f');
    const g = call(m, 'g(1, *rest)');
    assert.equal(g.hasStarArgs, true);
    assert.equal(g.presence('second', 1), 'unknown');
    assert.equal(g.presence('kw_only'), 'absent', '*args cannot pass a keyword-only argument');
    const h = call(m, 'h(x, **opts)');
    assert.equal(h.presence('anything'), 'unknown');
    assert.equal(h.valueOf('anything'), UNKNOWN);
    assert.equal(call(m, 'k()').positional.length, 0);
  });

  it('the keywords ** passes, when each unpacked value is a literal dict', () => {
    const m = model('base = {"iterations": 500, "depth": 6}', 'est(**base, **{"depth": 8})', 'est(**opts)', 'est(1)', 'est(**{k: 1})');
    assert.deepEqual(plain(call(m, 'est(**base, **{"depth": 8})').starKwargsValue()!), { dict: [['iterations', 500], ['depth', 8]] });
    assert.equal(call(m, 'est(**opts)').starKwargsValue()?.kind, 'unknown');
    assert.equal(call(m, 'est(1)').starKwargsValue(), undefined);
    assert.equal(call(m, 'est(**{k: 1})').starKwargsValue()?.kind, 'unknown', 'a key that is not a literal string');
  });

  it('receiver and method name of a method call', () => {
    const m = model('model.fit(X, y, epochs=3)');
    const c = call(m, 'model.fit(X, y, epochs=3)');
    assert.equal(c.methodName, 'fit');
    assert.equal(c.receiver?.text, 'model');
    assert.deepEqual(m.callsNamed('fit').map((x) => x.node.text), ['model.fit(X, y, epochs=3)']);
  });
});

describe('literal evaluation', () => {
  it('numbers, strings, booleans, None', () => {
    const m = model(
      'a = 1_000',
      'b = 0x1F',
      'c = 2.5e-3',
      'd = "x" "y" \'z\'',
      'e = "tab\\tnew\\nline\\\\"',
      'f = f"{a}"',
      'g = True',
      'h = None',
      'i = -3',
      'j = 0o17 + 0b101',
      ...'abcdefghij'.split('').map((n) => `use(${n})`),
    );
    const got = Object.fromEntries('abcdefghij'.split('').map((n) => [n, plain(valueAtUse(m, n))]));
    assert.deepEqual(got, { a: 1000, b: 31, c: 0.0025, d: 'xyz', e: 'tab\tnew\nline\\', f: '?', g: true, h: null, i: -3, j: 20 });
  });

  it('escapes: hex, unicode, octal, raw strings and non-ASCII text around them', () => {
    const m = model('hx = "é\\x41\\u00e9\\101!"', 'raw = r"x\\ty"', 'cont = "ab\\', 'cd"', 'use(hx); use(raw); use(cont)');
    assert.equal(plain(valueAtUse(m, 'hx')), 'éAéA!');
    assert.equal(plain(valueAtUse(m, 'raw')), 'x\\ty');
    assert.equal(plain(valueAtUse(m, 'cont')), 'abcd');
  });

  it('containers and arithmetic', () => {
    const m = model(
      'l = [1, "a", None]',
      't = (1, 2)',
      's = {3}',
      'd = {"C": [1, 10], "k": ("rbf",)}',
      'n = 2 * (3 + 4) - 10 // 3 ** 1',
      'cat = [1] + [2, 3]',
      'rep = [0] * 3',
      'div = 1 / 0',
      'use(l); use(t); use(s); use(d); use(n); use(cat); use(rep); use(div)',
    );
    assert.deepEqual(plain(valueAtUse(m, 'l')), { list: [1, 'a', null] });
    assert.deepEqual(plain(valueAtUse(m, 't')), { tuple: [1, 2] });
    assert.deepEqual(plain(valueAtUse(m, 's')), { set: [3] });
    assert.deepEqual(plain(valueAtUse(m, 'd')), { dict: [['C', { list: [1, 10] }], ['k', { tuple: ['rbf'] }]] });
    assert.deepEqual(plain(valueAtUse(m, 'n')), 11);
    assert.deepEqual(plain(valueAtUse(m, 'cat')), { list: [1, 2, 3] });
    assert.deepEqual(plain(valueAtUse(m, 'rep')), { list: [0, 0, 0] });
    assert.equal(valueAtUse(m, 'div').kind, 'unknown', 'division by zero is not a value');
  });

  it('names assigned once have a value; mutated or non-literal ones are unknown', () => {
    const m = model(
      'once = [1, 2]',
      'appended = [1]',
      'appended.append(2)',
      'keyed = {"a": [1]}',
      'keyed["b"] = [2]',
      'fromargs = args.lr',
      'chained = once',
      'use(once); use(appended); use(keyed); use(fromargs); use(chained); use(never_bound)',
    );
    assert.deepEqual(plain(valueAtUse(m, 'once')), { list: [1, 2] });
    assert.deepEqual(plain(valueAtUse(m, 'chained')), { list: [1, 2] });
    for (const name of ['appended', 'keyed', 'fromargs', 'never_bound']) {
      assert.equal(valueAtUse(m, name).kind, 'unknown', name);
    }
  });

  it('a name assigned again: the last assignment that runs straight before the use', () => {
    const m = model(
      'epochs = 10',
      'use(epochs)',
      'epochs = range(1, 4)',
      'local = 3',
      'def f():',
      '    n = 1',
      '    n = 100',
      '    use(n)',
      'use(local)',
    );
    const uses = m.callsNamed('use').map((c) => c.positional[0]);
    assert.equal(plain(m.evaluate(uses[0])), 10, 'the later cell does not reach back');
    assert.equal(plain(m.evaluate(uses[1])), 100, 'a function-local constant, assigned twice in a row');
  });

  it('a name assigned again in a branch, in a loop after the use, or read from a function is unknown', () => {
    for (const lines of [
      ['n = 1', 'if flag:', '    n = 2', 'use(n)'],
      ['n = 1', 'for i in range(3):', '    use(n)', '    n = 2'],
      ['n = 1', 'n = 2', 'def f():', '    use(n)'],
      ['n = 1', 'n += 1', 'use(n)'],
      ['n = 1', 'try:', '    n = int(s)', 'except ValueError:', '    n = 2', 'use(n)'],
    ]) {
      assert.equal(valueAtUse(model(...lines), 'n').kind, 'unknown', lines.join(' / '));
    }
  });

  it('a dict changed only by update() statements: the updates before the use; copies read the same', () => {
    const m = model(
      'params = {"iterations": 500, "learning_rate": 0.1}',
      'use(params)',
      'params.update({"iterations": 10})',
      'params.update(depth=4)',
      'use(params)',
      'copied = params.copy()',
      'copied.update({"od_type": "Iter"})',
      'use(copied)',
      'rebuilt = dict(copied)',
      'use(rebuilt)',
    );
    const uses = m.callsNamed('use').map((c) => c.positional[0]);
    assert.deepEqual(plain(m.evaluate(uses[0])), { dict: [['iterations', 500], ['learning_rate', 0.1]] });
    assert.deepEqual(plain(m.evaluate(uses[1])), { dict: [['learning_rate', 0.1], ['iterations', 10], ['depth', 4]] });
    assert.deepEqual(plain(m.evaluate(uses[2])), { dict: [['learning_rate', 0.1], ['iterations', 10], ['depth', 4], ['od_type', 'Iter']] });
    assert.deepEqual(plain(m.evaluate(uses[3])), { dict: [['learning_rate', 0.1], ['iterations', 10], ['depth', 4], ['od_type', 'Iter']] });
  });

  it('subscripts of known dicts and lists: a literal key the dict holds, an index in range', () => {
    const m = model(
      'config = {"max_epochs": 100, "lr": 1e-3, "sizes": [32, 64]}',
      'config.update(max_epochs=20)',
      'epochs = config["max_epochs"]',
      'last = config["sizes"][-1]',
      'first = config["sizes"][0]',
      'use(epochs); use(last); use(first)',
    );
    assert.equal(plain(valueAtUse(m, 'epochs')), 20);
    assert.equal(plain(valueAtUse(m, 'last')), 64);
    assert.equal(plain(valueAtUse(m, 'first')), 32);
  });

  it('a subscript is unknown for a missing key, an index out of range, a slice, a key or container without a value, or a changed dict', () => {
    for (const [lines, name] of [
      [['d = {"a": 1}', 'x = d["b"]', 'use(x)'], 'x'],
      [['d = {"a": 1, k: 2}', 'x = d["a"]', 'use(x)'], 'x'],
      [['s = [1, 2]', 'x = s[2]', 'use(x)'], 'x'],
      [['s = [1, 2]', 'x = s[-3]', 'use(x)'], 'x'],
      [['s = [1, 2]', 'x = s[0:1]', 'use(x)'], 'x'],
      [['d = {"a": 1}', 'x = d[key]', 'use(x)'], 'x'],
      [['x = args["a"]', 'use(x)'], 'x'],
      [['d = {"a": 1}', 'd["a"] = 5', 'x = d["a"]', 'use(x)'], 'x'],
      [['d = {"a": n}', 'x = d["a"]', 'use(x)'], 'x'],
      [['d = {"epoch": 0}', 'restart_from_checkpoint(path, run_variables=d)', 'x = d["epoch"]', 'use(x)'], 'x'],
      [['d = {"epoch": 0}', 'load_into(d)', 'x = d["epoch"]', 'use(x)'], 'x'],
    ] as Array<[string[], string]>) {
      assert.equal(valueAtUse(model(...lines), name).kind, 'unknown', lines.join(' / '));
    }
  });

  it('a dict updated in a branch, with a value that is not a dict, or read from a function is unknown', () => {
    for (const lines of [
      ['d = {"a": 1}', 'if flag:', '    d.update({"b": 2})', 'use(d)'],
      ['d = {"a": 1}', 'd.update(other)', 'use(d)'],
      ['d = {"a": 1}', 'd.update({"b": 2})', 'd["c"] = 3', 'use(d)'],
      ['d = {"a": 1}', 'def f():', '    use(d)', 'd.update({"b": 2})'],
    ]) {
      assert.equal(valueAtUse(model(...lines), 'd').kind, 'unknown', lines.join(' / '));
    }
  });

  it('range(), list(), dict(), np.linspace / np.logspace counts', () => {
    const m = model(
      'import numpy as np',
      'r1 = range(3)',
      'r2 = range(1, 10, 4)',
      'r3 = range(n)',
      'big = range(10 ** 9)',
      'lst = list((1, 2))',
      'dct = dict(a=1, b="x")',
      'lin = np.linspace(0, 1, 7)',
      'lin_default = np.linspace(0, 1)',
      'lin_kw = np.logspace(-3, 0, num=4)',
      'lin_unknown = np.linspace(0, 1, steps)',
      'use(r1); use(r2); use(r3); use(big); use(lst); use(dct); use(lin); use(lin_default); use(lin_kw); use(lin_unknown)',
    );
    assert.deepEqual(plain(valueAtUse(m, 'r1')), { list: [0, 1, 2] });
    assert.deepEqual(plain(valueAtUse(m, 'r2')), { list: [1, 5, 9] });
    assert.equal(valueAtUse(m, 'r3').kind, 'unknown');
    assert.equal(valueAtUse(m, 'big').kind, 'unknown', 'huge ranges are not materialised');
    assert.deepEqual(plain(valueAtUse(m, 'lst')), { list: [1, 2] });
    assert.deepEqual(plain(valueAtUse(m, 'dct')), { dict: [['a', 1], ['b', 'x']] });
    assert.equal(lengthOf(valueAtUse(m, 'lin')), 7);
    assert.equal(lengthOf(valueAtUse(m, 'lin_default')), 50);
    assert.equal(lengthOf(valueAtUse(m, 'lin_kw')), 4);
    assert.equal(valueAtUse(m, 'lin_unknown').kind, 'unknown');
  });

  it('a local range() shadowing the builtin is unknown', () => {
    const m = model('def range(n): return [0]', 'r = range(3)', 'use(r)');
    assert.equal(valueAtUse(m, 'r').kind, 'unknown');
  });
});

describe('structure', () => {
  const m = () =>
    model(
      'import torch',
      'def train(loader):',
      '    for epoch in range(3):',
      '        while True:',
      '            with torch.no_grad(), open("f") as fh:',
      '                step(epoch)',
      '        def inner():',
      '            nested_call()',
      'class Trainer:',
      '    def fit(self):',
      '        self.train_step()',
      '    def train_step(self):',
      '        work()',
    );

  it('enclosing loops (innermost first, within the function), with statements and functions', () => {
    const s = m();
    const step = call(s, 'step(epoch)').node;
    assert.deepEqual(s.enclosingLoops(step).map((l) => l.type), ['while_statement', 'for_statement']);
    assert.equal(s.enclosingFunction(step)?.childForFieldName('name')?.text, 'train');
    assert.deepEqual(s.enclosingLoops(call(s, 'nested_call()').node), [], 'a nested def starts a new frame');
    assert.equal(s.enclosingFunction(call(s, 'nested_call()').node)?.childForFieldName('name')?.text, 'inner');
    assert.equal(s.withStatements.length, 1);
    assert.equal(s.loops.length, 2);
    assert.equal(s.enclosingClass(call(s, 'work()').node)?.childForFieldName('name')?.text, 'Trainer');
  });

  it('callers of a method through self', () => {
    const s = m();
    const [trainStep] = s.functionsNamed('train_step');
    assert.deepEqual(s.callersOf(trainStep).map((c) => c.node.text), ['self.train_step()']);
  });
});

describe('inContext', () => {
  const isAutocast = (s: SemanticModel) => (e: Node) => {
    const q = e.type === 'call' ? s.callSite(e).qualifiedName : s.qualifiedName(e);
    return q === 'torch.autocast';
  };

  it('with blocks, decorators and same-file callers', () => {
    const s = model(
      'import torch',
      'def forward_loss(x):',
      '    return model(x)',
      'def uncovered(x):',
      '    return model(x)',
      '@torch.autocast("cuda")',
      'def decorated(x):',
      '    return model(x)',
      'with torch.autocast("cuda"):',
      '    a = forward_loss(1)',
      '    b = direct(2)',
      'c = uncovered(3)',
      'with torch.no_grad():',
      '    d = plain(4)',
    );
    const accept = isAutocast(s);
    assert.equal(s.inContext(call(s, 'direct(2)').node, accept), true);
    assert.equal(s.inContext(call(s, 'model(x)', 0).node, accept), true, 'through the call of forward_loss inside the with');
    assert.equal(s.inContext(call(s, 'model(x)', 1).node, accept), false, 'uncovered is only called outside');
    assert.equal(s.inContext(call(s, 'model(x)', 2).node, accept), true, 'decorator');
    assert.equal(s.inContext(call(s, 'plain(4)').node, accept), false);
    assert.equal(s.inContext(call(s, 'uncovered(3)').node, accept), false);
  });

  it('the with header itself is not inside its own block; recursion terminates', () => {
    const s = model('import torch', 'def rec(n):', '    return rec(n - 1)', 'with torch.autocast("cpu"):', '    pass');
    const accept = isAutocast(s);
    assert.equal(s.inContext(call(s, 'torch.autocast("cpu")').node, accept), false);
    assert.equal(s.inContext(call(s, 'rec(n - 1)').node, accept), false);
  });
});

describe('originCall and classBases', () => {
  it('follows assignments and same-file function returns to the creating call', () => {
    const s = model(
      'from transformers import Trainer',
      'def build(args):',
      '    trainer = Trainer(model=m, args=args)',
      '    return trainer',
      't = build(a)',
      'alias = t',
      'alias.train()',
      'other = make()',
      'other.train()',
      'unset.train()',
    );
    const receivers = s.callsNamed('train').map((c) => c.receiver!);
    assert.equal(s.originCall(receivers[0])?.qualifiedName, 'transformers.Trainer');
    assert.equal(s.originCall(receivers[1])?.node.text, 'make()');
    assert.equal(s.originCall(receivers[2]), undefined);
  });

  it('pairs the names of a tuple assignment with the elements of a tuple as long', () => {
    const s = model(
      'import torchvision',
      'net, preds = torchvision.models.resnet18(), []',
      '(head, tail) = (make_head(), make_tail())',
      'a, *rest = torchvision.models.vgg16(), 1, 2',
      'x, y = pair()',
      'net.eval(); preds.eval(); head.eval(); tail.eval(); a.eval(); x.eval()',
    );
    const origins = s.callsNamed('eval').map((c) => s.originCall(c.receiver!)?.node.text);
    assert.deepEqual(origins, ['torchvision.models.resnet18()', undefined, 'make_head()', 'make_tail()', undefined, undefined]);
    const m = model('lr, epochs = 0.1, 20', 'a, b = 0, 1', 'for _ in range(5):', '    a, b = b, a + b', 'use(lr); use(epochs); use(a); use(b)');
    assert.equal(plain(valueAtUse(m, 'epochs')), 20);
    assert.equal(plain(valueAtUse(m, 'lr')), 0.1);
    // Elements that read the names the statement rebinds are not paired: a and b change in the loop.
    assert.equal(valueAtUse(m, 'a').kind, 'unknown');
    assert.equal(valueAtUse(m, 'b').kind, 'unknown');
  });

  it('uses the last assignment before the use', () => {
    const s = model('import xgboost as xgb', 'm = xgb.XGBClassifier()', 'm.fit(X)', 'm = xgb.XGBRegressor()', 'm.fit(Y)');
    const [first, second] = s.callsNamed('fit').map((c) => s.originCall(c.receiver!)?.qualifiedName);
    assert.deepEqual([first, second], ['xgboost.XGBClassifier', 'xgboost.XGBRegressor']);
  });

  it('reads the assignment before `x = x.to(…)`, not the one the name is read in', () => {
    const s = model('import torch', 'model = torch.load(p)', 'model = model.to(device)', 'model.eval()');
    const [to, evalCall] = [s.callsNamed('to')[0], s.callsNamed('eval')[0]];
    assert.equal(s.originCall(to.receiver!)?.qualifiedName, 'torch.load');
    assert.equal(s.originCall(evalCall.receiver!)?.node.text, 'model.to(device)');
  });

  it('qualified bases, following local base classes', () => {
    const s = model(
      'import lightning as L',
      'from torch import nn',
      'class Base(L.LightningModule): pass',
      'class Mixin: pass',
      'class Model(Base, Mixin, metaclass=Meta): pass',
      'class Net(nn.Module): pass',
    );
    const cls = (name: string) => s.classesNamed(name)[0];
    assert.deepEqual(s.classBases(cls('Model')), ['lightning.LightningModule']);
    assert.deepEqual(s.classBases(cls('Net')), ['torch.nn.Module']);
    assert.deepEqual(s.classBases(cls('Mixin')), []);
  });
});

describe('what a top-level statement binds in the module scope (moduleBindingNames, importKeys)', () => {
  const bound = (source: string): string[] => {
    const tree = parsePython(source);
    try {
      const names = new Set<string>();
      for (const statement of tree.rootNode.namedChildren) if (statement) moduleBindingNames(statement, names);
      return [...names].sort();
    } finally {
      tree.delete();
    }
  };

  it('assignment, for and with targets, imports, def and class names, nested blocks; not attributes, subscripts or function bodies', () => {
    assert.deepEqual(bound('x = 1\na, (b, c) = t\nobj.attr = 1\nd[k] = 1\n'), ['a', 'b', 'c', 'x']);
    assert.deepEqual(bound('for i, j in z:\n    k = 1\n'), ['i', 'j', 'k']);
    assert.deepEqual(bound('with open(p) as f, g() as (h1, h2):\n    pass\n'), ['f', 'h1', 'h2']);
    assert.deepEqual(bound('import a.b as c, d.e\nfrom m import p as q, r\n'), ['c', 'd', 'q', 'r']);
    assert.deepEqual(bound('def f(u):\n    g = 1\nclass C:\n    h = 1\nlam = lambda v: v\n'), ['C', 'f', 'lam']);
    assert.deepEqual(bound('if cond:\n    y = 2\nelse:\n    w = (z := 3)\n'), ['w', 'y', 'z']);
  });

  it('in broken code, every name the model finds bound at module level is among them', () => {
    const sources = ['alpha = = 1\n', 'for a b in c:\n  pass\n', 'x = (alpha, beta = 3\n', 'alpha, beta) = gamma\n', 'with f() as (p, q:\n  pass\n', 'def g(:\n  h = 1\n'];
    let checked = 0;
    for (const source of sources) {
      const tree = parsePython(source);
      try {
        const model = new SemanticModel(tree);
        const names = bound(source);
        for (const id of tree.rootNode.descendantsOfType('identifier')) {
          if (!id || model.lookup(id.text, tree.rootNode).length === 0) continue;
          checked++;
          assert.ok(names.includes(id.text), `${JSON.stringify(source)}: ${id.text} is bound, not in ${JSON.stringify(names)}`);
        }
      } finally {
        tree.delete();
      }
    }
    assert.ok(checked >= 2, `${checked} bound names checked`);
  });

  it('importKeys: what each import binds to, its packages and star imports, comparable across edits', () => {
    const keys = (source: string): string[] => {
      const tree = parsePython(source);
      try {
        return tree.rootNode.namedChildren.flatMap((s) => (s ? importKeys(s) : []));
      } finally {
        tree.delete();
      }
    };
    assert.deepEqual(keys('from torch.utils.data import DataLoader as DL\n'), ['+torch', 'DL=torch.utils.data.DataLoader']);
    assert.deepEqual(keys('import numpy as np, os.path\n'), ['+numpy', '+os', 'np=numpy', 'os=os']);
    assert.deepEqual(keys('from sklearn.svm import *\n'), ['*sklearn.svm', '+sklearn']);
    assert.deepEqual(keys('def f():\n    import json\n    return json\n'), ['+json', 'json=json']);
    assert.deepEqual(keys('x = 1\n'), []);
    // Under a branch (`?`); a try or with body always runs, and a function's own body is its scope.
    assert.deepEqual(keys('if USE_GPU:\n    import torch\nelse:\n    import numpy as torch\n'), ['+numpy', '+torch', '?torch=numpy', '?torch=torch']);
    assert.deepEqual(keys('try:\n    import ujson as json\nexcept ImportError:\n    import json\n'), ['+json', '+ujson', '?json=json', 'json=ujson']);
    assert.deepEqual(keys('with ctx():\n    import torch\n'), ['+torch', 'torch=torch']);
    assert.deepEqual(keys('def f():\n    if x:\n        import json\n'), ['+json', '?json=json']);
  });
});
