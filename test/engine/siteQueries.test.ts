// The site queries found from where the text spells a name rather than by reading every call or
// string: `callsUnder` (calls under a qualified-name prefix) and `strings` (string literals spelling
// a word). Each agrees with the plain reading it replaces on every fixture script and example, and
// on the cases written out here.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { parsePython, type Tree } from '../../server/src/analysis/parser';
import { SemanticModel } from '../../server/src/analysis/model/model';
import { wordsOf } from '../../server/src/analysis/words';
import { py, useParser } from '../helpers/analysis';

useParser();

const ROOT = path.resolve(__dirname, '../../..');
const trees: Tree[] = [];
afterEach(() => {
  for (const t of trees.splice(0)) t.delete();
});

function model(text: string): SemanticModel {
  const tree = parsePython(text);
  trees.push(tree);
  return new SemanticModel(tree);
}

const callsUnder = (m: SemanticModel, prefix: string) => m.sites.callsUnder(prefix).map((c) => c.node.text);

function fixtureTexts(): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const dir of ['test/fixtures/scripts', 'examples']) {
    for (const f of fs.readdirSync(path.join(ROOT, dir)).filter((n) => n.endsWith('.py')).sort()) out.push([`${dir}/${f}`, fs.readFileSync(path.join(ROOT, dir, f), 'utf8')]);
  }
  return out;
}

describe('callsUnder: calls under a qualified-name prefix, found from the names imports bind', () => {
  it('finds the calls through the module, a submodule, a name and an alias imported from it', () => {
    const m = model(
      py(
        'import torch',
        'import torch.cuda as tc',
        'from torch import cuda',
        'from torch.cuda import synchronize as sync',
        'torch.cuda.synchronize()',
        'cuda.empty_cache()',
        'sync()',
        'tc.memory_allocated(0)',
        'torch.nn.Linear(2, 3)',
        'torch.cuda.amp.GradScaler()',
      ),
    );
    assert.deepEqual(callsUnder(m, 'torch.cuda'), ['torch.cuda.synchronize()', 'cuda.empty_cache()', 'sync()', 'tc.memory_allocated(0)', 'torch.cuda.amp.GradScaler()']);
    assert.deepEqual(callsUnder(m, 'torch.nn'), ['torch.nn.Linear(2, 3)']);
  });

  it('leaves out look-alikes: a local name spelled like the module, an attribute of another object, an unimported module', () => {
    const m = model(
      py(
        'import torch',
        'def run(torch):',
        '    torch.cuda.synchronize()',
        'x.torch.cuda.synchronize()',
        'cuda.synchronize()',
        'torch.cuda.is_available',
      ),
    );
    assert.deepEqual(callsUnder(m, 'torch.cuda'), []);
  });

  it('reads a star import of a module there from every call (an unbound name is read as the star module\'s)', () => {
    const m = model(py('from torch.cuda import *', 'import numpy as np', 'synchronize()', 'np.zeros(3)', 'def f(x):', '    return x()'));
    assert.deepEqual(callsUnder(m, 'torch.cuda'), ['synchronize()']);
  });

  it('agrees with resolving every call on every fixture script and example', () => {
    let compared = 0;
    for (const [name, text] of fixtureTexts()) {
      const m = model(text);
      for (const prefix of ['torch', 'torch.cuda', 'torch.optim', 'torch.nn', 'sklearn', 'keras', 'tensorflow.keras', 'transformers', 'lightning.pytorch']) {
        const expected = m.sites
          .calls()
          .filter((c) => c.qualifiedName === prefix || (c.qualifiedName ?? '').startsWith(`${prefix}.`))
          .map((c) => c.node.startIndex);
        assert.deepEqual(m.sites.callsUnder(prefix).map((c) => c.node.startIndex), expected, `${name}: ${prefix}`);
        compared += expected.length;
      }
    }
    assert.ok(compared > 1000, `calls compared: ${compared}`);
  });
});

describe('strings: string literals that spell a word', () => {
  it('finds the literals spelling the word, not comments, names, longer words or other strings', () => {
    const m = model(py('device = "cuda:0"  # cuda', 'cuda = torch.device("cuda")', 'names = ["cudas", "no"]', 'msg = f"on {cuda} cuda"', "other = 'cpu'"));
    assert.deepEqual(
      m.sites.strings('cuda').map((s) => s.text),
      ['"cuda:0"', '"cuda"', 'f"on {cuda} cuda"'],
    );
    assert.deepEqual(m.sites.strings('cpu').map((s) => s.text), ["'cpu'"]);
  });

  it('agrees with reading every string on every fixture script and example', () => {
    let compared = 0;
    for (const [name, text] of fixtureTexts()) {
      const m = model(text);
      const all = m.sites.nodesOfType('string');
      for (const word of ['cuda', 'cpu', 'mps', 'float16', 'bf16', 'accuracy']) {
        const expected = all.filter((s) => s.descendantsOfType('string_content').some((c) => !!c && wordsOf(c.text).has(word))).map((s) => s.startIndex);
        assert.deepEqual(m.sites.strings(word).map((s) => s.startIndex), expected, `${name}: ${word}`);
        compared += expected.length;
      }
    }
    assert.ok(compared > 100, `strings compared: ${compared}`);
  });
});
