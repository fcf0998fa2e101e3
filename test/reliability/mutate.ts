// Seeded mutations of fixture scripts and notebooks for the fuzz run: spans deleted and duplicated,
// tokens and odd characters inserted, lines swapped, re-indented, nested deep, cut short, and lines
// spliced in from other fixtures. Every mutant records its steps, so a failure can be replayed.

/** Pieces of Python (and of what breaks it) to insert. */
const PY_TOKENS = [
  '(', ')', '[', ']', '{', '}', ':', ',', '.', '=', '"', "'", '"""', "'''", '#', '\\', '\\\n', '@',
  ' ', '    ', '\t', '\n', '\r', '\r\n', '\f', '\0', '\u00a0', '\u2028', '\ud83d', '\ud83d\ude00', 'é',
  'f"{x!r:>{w}}"', "rb'\\x00'", 'lambda x: (', 'async ', 'await ', 'yield ', 'del ', 'global x\n',
  'import torch\n', 'import torch as T\n', 'from torch.cuda.amp import autocast, GradScaler\n',
  'from sklearn.model_selection import GridSearchCV as GS\n', 'import keras\n', 'import lightning as L\n',
  'scaler = torch.cuda.amp.GradScaler()\n', 'with torch.autocast("cuda"):\n    loss = model(x)\n',
  'with torch.cuda.amp.autocast(True, torch.float16):\n', 'search = GS(est, {"C": [1, 2, 3]}, cv=3)\n',
  'model.fit(x, y, epochs=10, validation_split=0.2)\n', 'trainer = L.Trainer(max_epochs=5)\ntrainer.fit(m, tl, vl)\n',
  'loss.backward()\n', 'for i in range(10):\n    for j in [1, 2]:\n        model.fit(X)\n',
  'def f(a, *args, **kw):\n    return a\n', 'class C(nn.Module):\n', 'if True:\n', 'else:\n', 'try:\n', 'except Exception:\n',
  'match x:\n    case 1:\n        pass\n', '  # noqa: GML201\n', '# greenml: ignore[GML1', '# greenml: file-ignore[GML105]\n',
  '%matplotlib inline\n', '!pip install torch\n', 'x = (' + '('.repeat(60), ')'.repeat(60),
];

export interface Mutant {
  text: string;
  /** What was done, in order (for the failure message). */
  steps: string[];
}

type Random = () => number;

export interface RangedChange {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  text: string;
}

const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)];
const int = (random: Random, below: number): number => Math.floor(random() * below);

/** `count` mutations of a Python text; `donors` are other texts to splice lines from. */
export function mutatePython(text: string, random: Random, count: number, donors: readonly string[]): Mutant {
  const steps: string[] = [];
  for (let k = 0; k < count; k++) {
    const at = int(random, text.length + 1);
    const lines = text.split('\n');
    const line = int(random, lines.length);
    switch (int(random, 9)) {
      case 0: {
        const length = 1 + int(random, 40);
        steps.push(`delete [${at}, ${at + length})`);
        text = text.slice(0, at) + text.slice(at + length);
        break;
      }
      case 1: {
        const length = 1 + int(random, 5);
        steps.push(`duplicate lines ${line}..${line + length}`);
        lines.splice(line, 0, ...lines.slice(line, line + length));
        text = lines.join('\n');
        break;
      }
      case 2:
      case 3: {
        const token = pick(random, PY_TOKENS);
        steps.push(`insert ${JSON.stringify(token)} at ${at}`);
        text = text.slice(0, at) + token + text.slice(at);
        break;
      }
      case 4: {
        const other = int(random, lines.length);
        steps.push(`swap lines ${line} and ${other}`);
        [lines[line], lines[other]] = [lines[other], lines[line]];
        text = lines.join('\n');
        break;
      }
      case 5: {
        const indent = pick(random, ['', ' ', '    ', '\t', '        ', ' \t']);
        steps.push(`re-indent line ${line} with ${JSON.stringify(indent)}`);
        lines[line] = indent + lines[line].trimStart();
        text = lines.join('\n');
        break;
      }
      case 6: {
        // Lines nested in many blocks, sometimes past what the parser reads safely.
        const depth = 1 + int(random, random() < 0.2 ? 600 : 60);
        const step = pick(random, [1, 2, 4]);
        const body = lines.slice(line, line + 3).map((l) => ' '.repeat(depth * step) + l.trimStart());
        const heads = Array.from({ length: depth }, (_, i) => `${' '.repeat(i * step)}if x${i % 7}:`);
        steps.push(`nest lines ${line}..${line + 3} in ${depth} blocks, ${step} spaces each`);
        lines.splice(line, 3, ...heads, ...body);
        text = lines.join('\n');
        break;
      }
      case 7: {
        steps.push(`cut at ${at}`);
        text = text.slice(0, at);
        break;
      }
      default: {
        const donor = pick(random, donors).split('\n');
        const from = int(random, donor.length);
        const length = 1 + int(random, 8);
        steps.push(`splice ${length} donor lines from ${from} at line ${line}`);
        lines.splice(line, 0, ...donor.slice(from, from + length));
        text = lines.join('\n');
      }
    }
  }
  return { text, steps };
}

const JSON_TOKENS = ['{', '}', '[', ']', ',', ':', '"', '\\', '\\u', 'null', 'true', '-0', '1e999', '"\\ud800"', '\n', ' ', '['.repeat(20_000), '{"a":'.repeat(20_000)];

/**
 * A mutant of a notebook: usually its code cells' sources mutated as Python (the JSON stays valid),
 * sometimes its JSON text itself.
 */
export function mutateNotebook(text: string, random: Random, count: number, donors: readonly string[]): Mutant {
  if (random() < 0.1) {
    // Still a valid notebook, with a key whose value is nested very deep.
    const depth = 1 + int(random, 100_000);
    const open = random() < 0.5 ? '[' : '{"a":';
    const close = open === '[' ? ']' : '}';
    return { text: `{"deep": ${open.repeat(depth)}1${close.repeat(depth)}, ${text.slice(text.indexOf('{') + 1)}`, steps: [`a key nested ${depth} deep with ${open}`] };
  }
  if (random() < 0.25) {
    const steps: string[] = [];
    for (let k = 0; k < count; k++) {
      const at = int(random, text.length + 1);
      if (random() < 0.4) {
        const length = 1 + int(random, 20);
        steps.push(`delete JSON [${at}, ${at + length})`);
        text = text.slice(0, at) + text.slice(at + length);
      } else {
        const token = pick(random, JSON_TOKENS);
        steps.push(`insert JSON ${JSON.stringify(token.slice(0, 20))}${token.length > 20 ? `… (${token.length})` : ''} at ${at}`);
        text = text.slice(0, at) + token + text.slice(at);
      }
    }
    return { text, steps };
  }
  const nb = JSON.parse(text) as { cells: Array<{ cell_type: string; source: string | string[] }> };
  const code = nb.cells.filter((c) => c.cell_type === 'code');
  const steps: string[] = [];
  for (let k = 0; k < count && code.length; k++) {
    const i = int(random, code.length);
    const cell = code[i];
    const source = Array.isArray(cell.source) ? cell.source.join('') : cell.source;
    const m = mutatePython(source, random, 1, donors);
    steps.push(`code cell ${i}: ${m.steps[0]}`);
    cell.source = m.text.split(/(?<=\n)/);
  }
  return { text: JSON.stringify(nb, null, 1), steps };
}

/**
 * Ranged changes an editor might send by mistake, as for a text of `lines` lines: positions before
 * the text, past its lines and columns (up to 2^31 - 1), ranges given end first, several in a batch.
 */
export function strayChanges(lines: number, random: Random): RangedChange[] {
  const line = () => pick(random, [-3, -1, 0, int(random, lines + 1), lines, lines + 2, 2 ** 31 - 1]);
  const character = () => pick(random, [-5, 0, int(random, 40), 200, 2 ** 31 - 1]);
  return Array.from({ length: 1 + int(random, 3) }, () => ({
    range: { start: { line: line(), character: character() }, end: { line: line(), character: character() } },
    text: pick(random, ['', 'x', '\n', 'import torch\n', ')', '"""', '\r\n    ']),
  }));
}
