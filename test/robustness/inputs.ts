// Hostile inputs shared by the robustness tests: half-typed code, binary bytes, huge and deeply
// nested files. Each builder returns plain text; nothing here analyses anything.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
const SCRIPTS = path.join(ROOT, 'test', 'fixtures', 'scripts');

export function fixture(name: string): string {
  return fs.readFileSync(path.join(SCRIPTS, name), 'utf8');
}

/** A short training script typed one character at a time; it ends with a GML105 finding on line 4. */
export const TYPED = [
  'import torch',
  'from torch import nn',
  'model = nn.Linear(8, 1)',
  'scaler = torch.cuda.amp.GradScaler()',
  'opt = torch.optim.SGD(model.parameters(), lr=0.1)',
  'for x, y in [(torch.randn(4, 8), torch.randn(4, 1))]:',
  '    with torch.autocast("cpu", dtype=torch.bfloat16):',
  '        loss = ((model(x) - y) ** 2).mean()',
  '    scaler.scale(loss).backward()',
  '',
].join('\n');

/** Realistic code repeated up to about `bytes` (whole scripts, so every copy parses). */
export function repeated(bytes: number): string {
  const base = ['torch_cuda_amp_deprecated.py', 'torch_mnist_fp32.py', 'sklearn_gridsearch_svc.py', 'keras_fit_with_es.py'].map(fixture).join('\n');
  const copies = Math.max(1, Math.floor(bytes / base.length));
  return Array.from({ length: copies }, () => base).join('\n');
}

const HEAD = 'import torch\nfrom sklearn.model_selection import GridSearchCV\n';

export const DEEP: Record<string, string> = {
  '2,000 nested parentheses': `${HEAD}x = ${'('.repeat(2000)}1${')'.repeat(2000)}\nscaler = torch.cuda.amp.GradScaler()\n`,
  // Four candidates × 5 folds: at the default grid-search-min-fits, so the finding is still expected.
  '500-deep nested lists': `${HEAD}grid = {"C": [${'['.repeat(499)}1${']'.repeat(499)}, 2, 3, 4]}\nsearch = GridSearchCV(est, grid)\n`,
  '5,000-element attribute chain': `${HEAD}y = torch${'.a'.repeat(5000)}(1)\nscaler = torch.cuda.amp.GradScaler()\n`,
  '1,000 nested ifs': `${HEAD}${Array.from({ length: 1000 }, (_, i) => `${'    '.repeat(i)}if x > ${i}:`).join('\n')}\n${'    '.repeat(1000)}scaler = torch.cuda.amp.GradScaler()\n`,
  '2,000 nested calls': `${HEAD}z = ${'f('.repeat(2000)}${')'.repeat(2000)}\nscaler = torch.cuda.amp.GradScaler()\n`,
  '20,000-term sum': `${HEAD}n = ${Array.from({ length: 20000 }, () => '1').join(' + ')}\nscaler = torch.cuda.amp.GradScaler()\n`,
  'unclosed 2,000 parentheses': `${HEAD}x = ${'('.repeat(2000)}\nscaler = torch.cuda.amp.GradScaler()\n`,
};

/** Bytes that are not text: NULs, control characters, invalid UTF-8 (as decoded), mixed with code. */
export const BINARY = `import torch\u0000\u0001\u0002\u00ff\ufffd\ufffd\nscaler = torch.cuda.amp.GradScaler()\u0000\n\u0007\u001b[31m\ud800 lone surrogate\n`;

/** Bound for "finishes, does not hang": generous, not a timing test. */
export const NO_HANG_MS = 20_000;
