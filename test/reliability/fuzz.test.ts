// A bounded fuzz run of the engine and of --fix: seeded mutants of the fixture scripts and notebooks
// (mutate.ts) go through analysis, fix-all with unsafe fixes, the editor's incremental path (then
// changes whose ranges stray outside the text), and notebook reading and rewriting, on a worker
// thread (fuzzWorker.ts); a batch of them goes through `greenml check --fix --unsafe-fixes`. Any
// exception, rule failure, broken guarantee, crash of the worker or input left unanswered is a
// failure, reported with the seed that replays it. The run stops starting new inputs after
// RUN_LIMIT_MS, so it fits in CI on a slow machine.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { hasSyntaxError, useParser } from '../helpers/analysis';
import { seededRandom } from '../helpers/random';
import type { FuzzReply, FuzzRequest } from './fuzzWorker';
import { ensureBundles, FIXTURES, removeTempDirs, ROOT, tempDir } from './inputs';
import { mutateNotebook, mutatePython, strayChanges, type Mutant, type RangedChange } from './mutate';

useParser();

/** Inputs the engine run goes through, unless RUN_LIMIT_MS comes first. */
const ENGINE_INPUTS = 2000;
/** The engine run starts no input after this long. */
const RUN_LIMIT_MS = 60_000;
/** At least this many inputs must have run (a machine this slow would leave the run meaningless). */
const MIN_INPUTS = 150;
/** An input unanswered this long is a hang: the analysis budget is 2 s, and --fix runs at most 50 rounds of fixture-sized files. */
const HANG_MS = 30_000;
const FIRST_SEED = 21_000;

const CLI = path.join(ROOT, 'dist', 'cli.js');
const read = (dir: string) =>
  fs
    .readdirSync(path.join(FIXTURES, dir))
    .sort()
    .map((name) => ({ name, text: fs.readFileSync(path.join(FIXTURES, dir, name), 'utf8') }));
const SCRIPTS = read('scripts').filter((f) => f.name.endsWith('.py'));
const NOTEBOOKS = read('notebooks').filter((f) => f.name.endsWith('.ipynb'));
const DONORS = SCRIPTS.map((s) => s.text);

interface Input extends Mutant {
  seed: number;
  stray: RangedChange[];
  kind: 'py' | 'ipynb';
  fixture: string;
  original: string;
}

/** Input `n` of the run: every fifth a notebook, the others scripts; one to four mutations each. */
function input(seed: number, n: number): Input {
  const random = seededRandom(seed);
  const count = 1 + Math.floor(random() * 4);
  if (n % 5 === 4) {
    const nb = NOTEBOOKS[n % NOTEBOOKS.length];
    return { seed, kind: 'ipynb', fixture: nb.name, original: nb.text, stray: [], ...mutateNotebook(nb.text, random, count, DONORS) };
  }
  const script = SCRIPTS[n % SCRIPTS.length];
  const mutant = mutatePython(script.text, random, count, DONORS);
  return { seed, kind: 'py', fixture: script.name, original: script.text, ...mutant, stray: strayChanges(mutant.text.split('\n').length, random) };
}

/** One worker thread; replaced when it hangs or dies. */
class Engine {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private pending: ((r: FuzzReply | Error) => void) | undefined;

  private start(): Promise<void> {
    const worker = new Worker(path.join(__dirname, 'fuzzWorker.js'));
    this.worker = worker;
    return new Promise((resolve, reject) => {
      worker.on('message', (m: FuzzReply | 'ready') => {
        if (m === 'ready') resolve();
        else this.settle(m);
      });
      worker.on('error', (err) => {
        reject(err);
        this.settle(err);
      });
      worker.on('exit', (code) => {
        if (this.worker === worker) this.worker = undefined;
        const err = new Error(`the worker exited (code ${code})`);
        reject(err);
        this.settle(err);
      });
    });
  }

  private settle(r: FuzzReply | Error): void {
    const p = this.pending;
    this.pending = undefined;
    p?.(r);
  }

  async check(request: FuzzRequest): Promise<FuzzReply | string> {
    if (!this.worker) this.ready = this.start();
    await this.ready;
    const answer = new Promise<FuzzReply | Error>((resolve) => (this.pending = resolve));
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), HANG_MS)));
    this.worker!.postMessage(request);
    const r = await Promise.race([answer, hang]);
    clearTimeout(timer);
    if (r === 'hang') {
      this.pending = undefined;
      await this.stop();
      return `no answer within ${HANG_MS} ms (a hang)`;
    }
    if (r instanceof Error) {
      this.worker = undefined;
      return `the engine's thread died: ${r.message}`;
    }
    return r;
  }

  async stop(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }
}

function describeInput(i: Input): string {
  return `seed ${i.seed}, ${i.fixture}: ${i.steps.join('; ')}`;
}

before(ensureBundles);
after(removeTempDirs);

describe('fuzz run of the engine and --fix over mutated fixtures', () => {
  it(`analyses, fixes and edits up to ${ENGINE_INPUTS} mutants without a crash or hang`, async () => {
    const engine = new Engine();
    const failures: string[] = [];
    const started = performance.now();
    let ran = 0;
    let findings = 0;
    let fixed = 0;
    try {
      for (let n = 0; n < ENGINE_INPUTS && performance.now() - started < RUN_LIMIT_MS; n++) {
        const i = input(FIRST_SEED + n, n);
        const reply = await engine.check({ id: n, kind: i.kind, original: i.original, text: i.text, stray: i.stray });
        ran++;
        if (typeof reply === 'string') failures.push(`${describeInput(i)}\n  ${reply}`);
        else {
          findings += reply.findings;
          fixed += reply.fixed;
          if (reply.problems.length) failures.push(`${describeInput(i)}\n  ${reply.problems.join('\n  ')}`);
        }
      }
    } finally {
      await engine.stop();
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stdout.write(`# fuzz: ${ran} inputs in ${seconds} s, ${findings} findings, ${fixed} fixes applied, ${failures.length} failing\n`);
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${ran} inputs failed (replay with the seed)`);
    assert.ok(ran >= MIN_INPUTS, `only ${ran} inputs ran in ${seconds} s`);
    // The mutants reach the rules and their fixes, not only the parser's error recovery.
    assert.ok(findings > ran / 4 && fixed > ran / 10, `${findings} findings and ${fixed} fixes over ${ran} inputs`);
  });

  it('greenml check --fix --unsafe-fixes on a folder of mutants: no crash, no hang, nothing that parsed left broken', () => {
    const dir = tempDir();
    const before = new Map<string, string>();
    for (let n = 0; n < 60; n++) {
      const i = input(FIRST_SEED + 50_000 + n, n);
      const name = `m${String(n).padStart(2, '0')}_${i.fixture}`;
      fs.writeFileSync(path.join(dir, name), i.text);
      before.set(name, i.text);
    }
    const r = spawnSync(process.execPath, [CLI, 'check', '--fix', '--unsafe-fixes', '--format', 'json', '--jobs', '2', '.'], { cwd: dir, encoding: 'utf8', timeout: 180_000, maxBuffer: 64 * 1024 * 1024 });
    assert.equal(r.error, undefined, `greenml check did not finish: ${r.error?.message}`);
    assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /internal error|failed on this file/);
    // Only notebooks that are not JSON (or not notebooks) and files with NUL bytes are turned away;
    // a mutant with a syntax error is analysed but said to be left unfixed.
    for (const line of r.stderr.split('\n').filter(Boolean)) assert.match(line, /\.ipynb: not analysed: (not valid JSON|not a notebook)|: not analysed: binary content|: not fixed: (the file has|its code cells have) syntax errors/, line);
    assert.ok(Array.isArray(JSON.parse(r.stdout)));
    for (const [name, text] of before) {
      const now = fs.readFileSync(path.join(dir, name), 'utf8');
      if (name.endsWith('.ipynb')) {
        if (isJson(text)) assert.ok(isJson(now), `${name}: --fix left a notebook that is not JSON`);
      } else if (!hasSyntaxError(text)) assert.ok(!hasSyntaxError(now), `${name}: --fix broke a file that parsed`);
    }
  });
});

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
