// Epoch loops as custom training code writes them: a `for` over a count (`range(…)`, `trange(…)`,
// `tqdm(range(…))`) whose iterations train (training.ts), whether anything can end it early (an exit
// under a condition, a stopping flag, an early-stopping helper), whether it measures a validation
// metric each epoch, and the plain name that holds that metric.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import { withItems } from '../analysis/model/navigation';
import type { Node } from '../analysis/parser';
import { lastName } from '../analysis/qualifiedName';
import { lengthOf, numberValue, rangeValue } from '../analysis/values';
import { within } from './loops';
import { epochCount } from './shortRuns';
import { argumentFor, offInEveryCall, parameterReceiving, parametersOf } from './parameters';
import { SET_GRAD_ENABLED } from './torch';
import { functionsRunBy, localFunctionCalled, loopTrains, parameterName, trainingFunctionsCalled, trainsHere } from './training';

/**
 * Reinforcement-learning environments: their update epochs run over fresh rollouts and they stop on
 * rewards, not on a held-out split.
 */
export const REINFORCEMENT_LEARNING_PACKAGES = ['gym', 'gymnasium', 'pettingzoo', 'dm_env', 'stable_baselines3'];

/** Calls that pass a count through: `tqdm(range(n))`, `enumerate(range(n))`. */
const COUNT_WRAPPERS = new Set(['tqdm', 'enumerate', 'iter', 'track']);
/** tqdm's shorthands for `tqdm(range(…))`. */
const RANGE_SHORTHANDS = new Set(['trange', 'tnrange']);

/** The `range(…)` / `trange(…)` call a loop counts with, through wrappers, one plain assignment or a `with … as` name. */
export function countCall(model: Semantic, iterable: Node | null, depth = 0): Node | undefined {
  if (!iterable || depth > 4) return undefined;
  if (iterable.type === 'identifier') {
    const bindings = model.lookup(iterable.text, iterable);
    // `with trange(n_epochs) as epochs:` — a tqdm bar used as a context manager iterates its range. Used
    // inside that with statement, which binds it nowhere else, the name holds it (another cell may use it too).
    const around = bindings.filter((b) => b.kind === 'with' && within(iterable, b.node));
    const bar = around.length === 1 ? around[0] : undefined;
    if (bar && bindings.every((b) => b === bar || !within(b.node, bar.node))) {
      const item = withItems(bar.node).find((i) => i.alias?.type === 'identifier' && i.alias.text === iterable.text);
      return item ? countCall(model, item.value, depth + 1) : undefined;
    }
    if (bindings.length !== 1 || bindings[0].kind !== 'assign' || !bindings[0].value) return undefined;
    return countCall(model, bindings[0].value, depth + 1);
  }
  if (iterable.type !== 'call') return undefined;
  const call = model.callSite(iterable);
  const callee = call.callee;
  if (callee.type === 'identifier' && callee.text === 'range') return model.lookup('range', callee).length === 0 ? iterable : undefined;
  // By the name written, or the one imported under another (`from tqdm.auto import trange as epochs`).
  const names = [call.methodName, lastName(call.qualifiedName ?? '')];
  if (names.some((n) => RANGE_SHORTHANDS.has(n))) return iterable;
  if (names.some((n) => COUNT_WRAPPERS.has(n))) return countCall(model, call.positional[0] ?? null, depth + 1);
  return undefined;
}

/**
 * How many iterations a count call makes, when its arguments are known: literals, constants, argparse
 * defaults, or a parameter every call of the function passes the same number for (shortRuns.epochCount);
 * else the number its length expression gives (`range(1, args.epochs + 1)` → `args.epochs`).
 */
export function countOf(model: Semantic, count: Node, commandLine = true): number | undefined {
  // A count assigned again in later notebook cells: the evaluator reads the assignment that runs before the loop.
  const args = model.callSite(count).positional.map((a) => epochCount(model, a, 0, commandLine));
  if (args.length === 0 || args.length > 3) return undefined;
  if (args.every((a) => a !== undefined)) return lengthOf(rangeValue(args as number[]));
  const length = countLength(model, count);
  return length && epochCount(model, length, 0, commandLine);
}

/**
 * The expression that says how many iterations a count call makes: `N` in `range(N)`, `range(0, N)`,
 * `range(1, N + 1)` and `range(start, start + N)` (a step of 1 only). Undefined when no part of the
 * call is the length (`range(start_epoch, n_epochs)`).
 */
export function countLength(model: Semantic, count: Node): Node | undefined {
  const [start, stop, step] = model.callSite(count).positional;
  if (!start) return undefined;
  if (!stop) return start;
  if (step && numberValue(model.evaluate(step)) !== 1) return undefined;
  const first = numberValue(model.evaluate(start));
  if (first === 0) return stop;
  if (stop.type !== 'binary_operator' || stop.childForFieldName('operator')?.text !== '+') return undefined;
  const left = stop.childForFieldName('left');
  const right = stop.childForFieldName('right');
  if (!left || !right) return undefined;
  // The side that is the start again (`1`, `start_epoch`) leaves the other as the length.
  const isStart = (n: Node) => (first !== undefined ? numberValue(model.evaluate(n)) === first : sameNameAs(model, n, start));
  if (isStart(right)) return left;
  if (isStart(left)) return right;
  return undefined;
}

/** Whether two expressions are the same name or dotted name, bound to the same thing (`n_epochs`, `args.epochs`). */
export function sameNameAs(model: Semantic, a: Node, b: Node): boolean {
  const root = (n: Node): Node => (n.type === 'attribute' ? root(n.childForFieldName('object') ?? n) : n);
  if ((a.type !== 'identifier' && a.type !== 'attribute') || a.type !== b.type || a.text !== b.text || root(a).type !== 'identifier') return false;
  const binding = (id: Node) => model.reachingBinding(id)?.node.id ?? model.lookup(id.text, id).map((x) => x.node.id).join(',');
  return binding(root(a)) === binding(root(b));
}

const EPOCH_NAME = /epoch|^ep$|^e$/i;
/** Loop variables of a step budget: one batch per iteration (`for step in range(max_steps)`). */
const STEP_NAME = /^(_|step|steps|global_step|it|iter|iters|iteration|itr|update|n_iter|batch|batch_idx|batch_id)$/i;

/** Whether a loop's target names an epoch: `epoch`, `ep`, `e`, `(i, epoch)`. */
export function countsEpochs(loop: Node): boolean {
  const target = loop.childForFieldName('left');
  if (!target) return false;
  const names = target.type === 'identifier' ? [target] : target.descendantsOfType('identifier');
  return names.some((n) => !!n && EPOCH_NAME.test(n.text));
}

/** A `for` loop over a count whose iterations train. */
export interface EpochLoop {
  loop: Node;
  /** Whether its variable names an epoch (`epoch`, `ep`, `e`); else it counts iterations (`i`). */
  countsEpochs: boolean;
  /** The `range(…)` / `trange(…)` call. */
  count: Node;
  /** Its number of iterations, when known (a command-line default included). */
  epochs?: number;
  /** Whether that number is written in the file, not only a command-line default the run may override. */
  fixed: boolean;
}

/**
 * Whether a `for` loop is the epoch loop of a training run: it counts (`range`, `trange`,
 * `tqdm(range(…))`), it trains, and of the counting loops around it and inside it that train, it is
 * the one that counts epochs (the outermost whose target names an epoch, else the outermost). A loop
 * that trains only by calling a function that has its own epoch loop (folds, repeated runs) is not.
 */
export function epochLoop(model: Semantic, loop: Node): EpochLoop | undefined {
  if (loop.type !== 'for_statement' || inUnitTest(model, loop)) return undefined;
  const count = countCall(model, loop.childForFieldName('right'));
  if (!count) return undefined;
  const direct = trainsHere(model, loop, true);
  const functions = direct ? [] : trainingFunctionsCalled(model, loop);
  if (!direct && functions.length === 0) return undefined;
  const isCounting = (l: Node) => l.type === 'for_statement' && !!countCall(model, l.childForFieldName('right'));
  const outer = model.enclosingLoops(loop).filter(isCounting);
  if (countsEpochs(loop)) {
    if (outer.some(countsEpochs)) return undefined;
  } else {
    if (outer.length > 0) return undefined;
    const body = loop.childForFieldName('body');
    const inner = body ? model.nodesWithin(body, 'for_statement').filter((l) => isCounting(l) && countsEpochs(l) && sameFunction(model, l, loop)) : [];
    if (inner.some((l) => loopTrains(model, l))) return undefined;
  }
  if (!direct && functions.every((fn) => hasOwnEpochLoop(model, fn))) return undefined;
  // `def train(): for i in range(0, n, bptt): …` called once per epoch: a batch loop.
  if (outer.length === 0 && !countsEpochs(loop) && calledFromCountingLoop(model, loop, isCounting)) return undefined;
  // `for step in range(max_steps):` training one batch per iteration: a step budget, not epochs.
  if (isStepBudget(model, loop)) return undefined;
  const epochs = countOf(model, count);
  return { loop, countsEpochs: countsEpochs(loop), count, epochs, fixed: epochs !== undefined && countOf(model, count, false) === epochs };
}

/** Whether the function around a node is called (directly, or through one more function) inside a counting loop. */
function calledFromCountingLoop(model: Semantic, node: Node, isCounting: (l: Node) => boolean, depth = 0): boolean {
  const fn = model.enclosingFunction(node);
  if (!fn || depth > 1) return false;
  return model.callersOf(fn).some((caller) => model.enclosingLoops(caller.node).some(isCounting) || calledFromCountingLoop(model, caller.node, isCounting, depth + 1));
}

/**
 * A loop that trains one batch per iteration — no data loop inside it trains — and either counts
 * steps (`for step in range(max_steps)`, `for _ in range(n)`) or draws its batch with `next(…)`.
 */
function isStepBudget(model: Semantic, loop: Node): boolean {
  const body = loop.childForFieldName('body');
  if (!body) return true;
  if (model.nodesWithin(body, ['for_statement', 'while_statement']).some((inner) => sameFunction(model, inner, loop) && loopTrains(model, inner))) return false;
  const target = loop.childForFieldName('left');
  if (target?.type === 'identifier' && STEP_NAME.test(target.text)) return true;
  return model.callsWithin(body).some((c) => c.callee.type === 'identifier' && c.callee.text === 'next' && model.lookup('next', c.callee).length === 0);
}

/**
 * Whether a loop is part of one training run rather than a run of its own: the epoch loop of a run
 * (see epochLoop; its target names an epoch, and it is not a loop over epoch budgets with an epoch
 * loop inside), or a loop inside one (a phase or batch loop).
 */
export function inTrainingRun(model: Semantic, loop: Node): boolean {
  return [loop, ...model.enclosingLoops(loop)].some((l) => {
    if (!countsEpochs(l) || !epochLoop(model, l)) return false;
    const body = l.childForFieldName('body');
    return !body || !model.nodesWithin(body, 'for_statement').some(countsEpochs);
  });
}

/** The names of a data split or of a model's mode: a loop over them runs the phases of one epoch. */
const PHASE_NAMES = new Set(['train', 'training', 'val', 'valid', 'validation', 'test', 'testing', 'eval', 'evaluation', 'dev', 'holdout']);

/** Whether a loop iterates over phases (`for phase in ["train", "val"]`): each value is a literal split or mode name. */
export function isPhaseLoop(model: Semantic, loop: Node): boolean {
  const right = loop.type === 'for_statement' ? loop.childForFieldName('right') : null;
  const value = right ? model.evaluate(right) : undefined;
  const items = value?.kind === 'list' || value?.kind === 'tuple' || value?.kind === 'set' ? value.items : value?.kind === 'dict' ? value.entries.map((e) => e.key) : undefined;
  return !!items && items.length > 0 && items.every((v) => v.kind === 'string' && PHASE_NAMES.has(v.value.toLowerCase()));
}

/** Whether a node runs in a unit test (`def test_…`), which trains a few epochs to check the code, not a model. */
function inUnitTest(model: Semantic, node: Node): boolean {
  return !!unitTestAround(model, node);
}

/** The unit test (`def test_…`) a node runs in, if any. */
export function unitTestAround(model: Semantic, node: Node): Node | undefined {
  for (let fn = model.enclosingFunction(node); fn; fn = model.enclosingFunction(fn)) {
    if (fn.childForFieldName('name')?.text.startsWith('test_')) return fn;
  }
  return undefined;
}

/**
 * Whether a function holds an epoch-counting loop that trains more than one epoch: one that every
 * call runs for exactly one epoch (`train(…, num_epochs=1)`, the count written in the file) leaves
 * the epochs to the loop that calls it.
 */
function hasOwnEpochLoop(model: Semantic, fn: Node): boolean {
  const body = fn.childForFieldName('body');
  if (!body) return false;
  return model.nodesWithin(body, 'for_statement').some((l) => {
    const count = countsEpochs(l) ? countCall(model, l.childForFieldName('right')) : undefined;
    return !!count && loopTrains(model, l) && countOf(model, count, false) !== 1;
  });
}

function sameFunction(model: Semantic, a: Node, b: Node): boolean {
  return model.enclosingFunction(a)?.id === model.enclosingFunction(b)?.id;
}

// ---- can it end early? ----------------------------------------------------------------------------

/** Flags and helpers that stop training: `early_stop`, `stop_training`, `should_stop`, a patience counter, `EarlyStopping(…)`. */
const STOP_FLAG = /early_?stop|stop_?training|should_?stop|patience|no_?improv|without_?improv|bad_?epochs|since_?improv|stopper|check_trigger/i;
/** Flags whose exits only shorten a test run, not a real one. */
const DRY_RUN_FLAG = /^(dry_?run|is_?dry_?run|smoke_?test|fast_dev_run|quick_?test|test_?run|debug)$/i;
const EXIT_CALLS = new Set(['sys.exit', 'os._exit']);
/** Reports to a tuner whose scheduler ends bad trials early (Ray Tune's ASHA, NNI's assessors). */
const TUNER_REPORTS = /^ray\..*\.report$|^nni\.report_intermediate_result$/;
const SCOPES = new Set(['function_definition', 'lambda', 'class_definition']);

/** The innermost loop or scope around a node, below `limit`. */
function nearestLoopOrScope(model: Semantic, node: Node, limit: Node): Node | undefined {
  for (const a of model.ancestors(node)) {
    if (a.id === limit.id || a.type === 'for_statement' || a.type === 'while_statement' || SCOPES.has(a.type)) return a;
  }
  return undefined;
}

/** Whether a condition holds only in a dry run: `args.dry_run`, `cfg.smoke_test and …`. */
function dryRunCondition(expr: Node | null): boolean {
  if (!expr) return false;
  switch (expr.type) {
    case 'identifier':
      return DRY_RUN_FLAG.test(expr.text);
    case 'attribute':
      return DRY_RUN_FLAG.test(expr.childForFieldName('attribute')?.text ?? '');
    case 'parenthesized_expression':
      return dryRunCondition(expr.namedChild(0));
    case 'boolean_operator': {
      const left = dryRunCondition(expr.childForFieldName('left'));
      const right = dryRunCondition(expr.childForFieldName('right'));
      return expr.childForFieldName('operator')?.type === 'and' ? left || right : left && right;
    }
    default:
      return false;
  }
}

/** Whether an exit runs only in a dry run: an `if dry_run:` (or `elif`) between it and the loop. */
function onlyInDryRun(model: Semantic, exit: Node, loop: Node): boolean {
  let child = exit;
  for (const a of model.ancestors(exit)) {
    if (a.id === loop.id) return false;
    if ((a.type === 'if_statement' || a.type === 'elif_clause') && a.childForFieldName('consequence')?.id === child.id && dryRunCondition(a.childForFieldName('condition'))) return true;
    child = a;
  }
  return false;
}

/**
 * Whether anything can end the loop before its count runs out: a `break` of this loop, a `return`,
 * `raise` or `sys.exit(…)` in it (any condition counts, except a dry-run flag), a stopping flag or
 * early-stopping helper named in it, or a report to Ray Tune / NNI, whose scheduler ends trials
 * early. A `break` of an inner loop ends only that loop.
 */
export function canStopEarly(model: Semantic, loop: Node): boolean {
  const body = loop.childForFieldName('body');
  if (!body) return true;
  for (const exit of model.nodesWithin(body, ['break_statement', 'return_statement', 'raise_statement'])) {
    const around = nearestLoopOrScope(model, exit, loop);
    if (around && SCOPES.has(around.type)) continue;
    if (exit.type === 'break_statement' && around?.id !== loop.id) continue;
    if (!onlyInDryRun(model, exit, loop)) return true;
  }
  for (const call of model.callsWithin(body)) {
    if (TUNER_REPORTS.test(call.qualifiedName ?? '')) return true;
    const exits = EXIT_CALLS.has(call.qualifiedName ?? '') || (call.callee.type === 'identifier' && (call.callee.text === 'exit' || call.callee.text === 'quit') && model.lookup(call.callee.text, call.callee).length === 0);
    if (exits && !SCOPES.has(nearestLoopOrScope(model, call.node, loop)?.type ?? '') && !onlyInDryRun(model, call.node, loop)) return true;
  }
  for (const id of model.nodesWithin(body, 'identifier')) {
    if (STOP_FLAG.test(id.text) && model.parentOf(id)?.type !== 'keyword_argument') return true;
  }
  return false;
}

// ---- does it validate? ------------------------------------------------------------------------------

/** Functions that evaluate: `evaluate`, `validate`, `test`, `test_step`, `val_epoch`, `run_validation`, `distributed_test_step`, `model.evaluate`. */
const EVAL_FUNCTION = /^(evaluate|evaluation|validate|validation|valid|val|test|eval)(_\w*)?$|_(evaluate|evaluation|validate|validation|test|eval)(_(step|epoch|loop|batch|fn|model))?$/i;
/** Held-out data: `val_loader`, `test_ds`, `eval_dataloader`, `testloader`, `dataloaders["val"]`, `X_test`. */
const HELD_OUT = /^(val|valid|validation|test|eval|dev|holdout)(_|$)|_(val|valid|validation|test|eval|dev)$|^(val|valid|test|eval)(loader|dl|ds|data|dataset|set|iter)$/i;
/** Metrics computed on held-out data: `val_loss`, `test_acc`, `eval_metric`, `valid_ppl`. */
const HELD_OUT_METRIC = /^(val|valid|validation|test|eval|dev)_?(loss|losses|acc|accuracy|err|error|f1|auc|score|metric|metrics|ppl|perplexity|psnr|mse|mae|rmse|correct|results?)/i;
/** What a no-grad block that measures something assigns. */
const METRIC_WORD = /loss|acc|err|f1|auc|score|ppl|perplexity|psnr|mse|mae|correct|metric|precision|recall|iou|dice|bleu/i;
const NO_GRAD = new Set(['torch.no_grad', 'torch.inference_mode', 'torch.autograd.no_grad', 'torch.autograd.grad_mode.no_grad', 'torch.autograd.grad_mode.inference_mode']);

/**
 * The nodes to search for evaluation: the loop, and the same-file functions it calls (two levels
 * down), not through calls this file never runs (see offInEveryCall).
 */
function regionsOf(model: Semantic, loop: Node): Node[] {
  const regions = [loop];
  const seen = new Set<number>();
  let frontier = [loop];
  for (let depth = 0; depth < 2 && frontier.length; depth++) {
    const next: Node[] = [];
    for (const node of frontier) {
      for (const call of model.callsWithin(node)) {
        if (offInEveryCall(model, call.node)) continue;
        for (const fn of functionsRunBy(model, call)) {
          if (seen.has(fn.id) || (fn.startIndex <= loop.startIndex && fn.endIndex >= loop.endIndex)) continue;
          seen.add(fn.id);
          regions.push(fn);
          next.push(fn);
        }
      }
    }
    frontier = next;
  }
  return regions;
}

function isNoGrad(model: Semantic, expr: Node): boolean {
  if (expr.type !== 'call' && expr.type !== 'attribute' && expr.type !== 'identifier') return false;
  const callee = expr.type === 'call' ? model.callSite(expr).callee : expr;
  return NO_GRAD.has(model.qualifiedName(callee) ?? '');
}

/** Names a target assigns: `a`, `a, b`, `(a, b)`. */
export function targetNames(target: Node | null): Node[] {
  if (!target) return [];
  if (target.type === 'identifier') return [target];
  if (target.type === 'pattern_list' || target.type === 'tuple_pattern' || target.type === 'list_pattern' || target.type === 'parenthesized_expression') {
    return target.namedChildren.filter((c): c is Node => !!c && c.type === 'identifier');
  }
  return [];
}

/** A string literal's text, without quotes or prefix; undefined for an f-string with fields or anything else. */
function literalKey(node: Node | null | undefined): string | undefined {
  if (!node || node.type !== 'string' || node.namedChildren.some((c) => c?.type === 'interpolation')) return undefined;
  return node.text.replace(/^[rbuf]*(['"]{3}|['"])/i, '').replace(/(['"]{3}|['"])$/, '');
}

/** The literal key of a subscript: `status["val_loss"]` → `val_loss`; `metrics[name]` → undefined. */
function subscriptKey(node: Node | null | undefined): string | undefined {
  if (node?.type !== 'subscript') return undefined;
  const keys = node.childrenForFieldName('subscript').filter((c): c is Node => !!c);
  return keys.length === 1 ? literalKey(keys[0]) : undefined;
}

/** The metric names a target stores: plain names (`val_loss`) and literal keys (`status["val_loss"]`). */
function storedMetricNames(target: Node | null): string[] {
  if (!target) return [];
  const parts = target.type === 'pattern_list' || target.type === 'tuple_pattern' || target.type === 'list_pattern' || target.type === 'parenthesized_expression' ? target.namedChildren : [target];
  return parts.flatMap((p) => (p?.type === 'identifier' ? [p.text] : (subscriptKey(p) ?? []) as string[]));
}

/** `history["val_acc"].append(acc)`: a held-out metric appended under a literal key. */
function appendsHeldOutMetric(call: CallSite): boolean {
  if (call.methodName !== 'append' && call.methodName !== 'extend') return false;
  const key = subscriptKey(call.receiver);
  return key !== undefined && HELD_OUT_METRIC.test(key);
}

/** Whether a block run without gradients measures something: it loops over data or assigns a metric. */
/** Calls whose results are a model's weights, not data: a loop over them updates or copies weights. */
const WEIGHT_LISTS = new Set(['parameters', 'named_parameters', 'buffers', 'named_buffers', 'state_dict', 'modules', 'named_modules', 'children']);

function measures(model: Semantic, block: Node | null): boolean {
  if (!block) return false;
  // A loop over data measures; one over weights (an EMA teacher update under no_grad, DINO and MoCo style) does not.
  if (model.nodesWithin(block, 'for_statement').some((f) => !overWeights(model, f))) return true;
  return model.nodesWithin(block, ['assignment', 'augmented_assignment']).some((a) => targetNames(a.childForFieldName('left')).some((n) => METRIC_WORD.test(n.text)));
}

function overWeights(model: Semantic, loop: Node): boolean {
  const iterable = loop.childForFieldName('right');
  return !!iterable && model.callsWithin(iterable).some((c) => !!c.receiver && WEIGHT_LISTS.has(c.methodName));
}

/** Whether an expression names held-out data: `val_loader`, `test_ds`, `loaders["val"]`. */
export function mentionsHeldOut(node: Node): boolean {
  return mentions(node, HELD_OUT);
}

/** Whether a name or string key in an expression matches a pattern of data names. */
function mentions(node: Node, pattern: RegExp): boolean {
  if (node.type === 'identifier') return pattern.test(node.text);
  if (node.type === 'string') return pattern.test(node.text.replace(/^[rbuf]*['"]+|['"]+$/gi, ''));
  return node.namedChildren.some((c) => !!c && mentions(c, pattern));
}

/** Functions named for the metric they measure: `check_accuracy`, `compute_loss`, `accuracy`. */
const METRIC_FUNCTION = /(^|_)(acc|accuracy|loss|error|f1|auc|score|perplexity|ppl|psnr|mse|mae|rmse|iou|dice|bleu)(_|$)/i;

/**
 * Whether a call evaluates: a same-file or imported `evaluate(…)` / `test_step(…)`, `model.evaluate(…)`,
 * `self.validate()`, or a same-file function named for a metric that loops over the held-out data it
 * is handed (`check_accuracy(model, loader_val)`, see measuresHeldOutData).
 */
function evaluates(model: Semantic, call: CallSite): boolean {
  const name = call.methodName;
  if (measuresHeldOutData(model, call)) return true;
  if (!EVAL_FUNCTION.test(name)) return false;
  // `eval(…)` alone is Python's builtin; `model.eval()` only switches modes.
  if (name === 'eval') return call.callee.type === 'identifier' && !!localFunctionCalled(model, call);
  return true;
}

/**
 * A call of a same-file function named for a metric (`check_accuracy`, `compute_loss`) that does not
 * train and loops over the parameter receiving held-out data (`for x, y in loader:` for `loader_val`).
 * A loss function applied to a GAN's `valid` labels does not loop over them.
 */
function measuresHeldOutData(model: Semantic, call: CallSite): boolean {
  if (!METRIC_FUNCTION.test(call.methodName)) return false;
  const fn = localFunctionCalled(model, call);
  if (!fn || trainsHere(model, fn)) return false;
  const args = call.argumentValues;
  return args.some((arg) => {
    const param = mentionsHeldOut(arg) ? parameterReceiving(model, call, fn, arg) : undefined;
    return !!param && model.nodesWithin(fn, ['for_statement', 'for_in_clause']).some((f) => {
      const iterable = f.childForFieldName('right');
      const names = iterable ? (iterable.type === 'identifier' ? [iterable] : iterable.descendantsOfType('identifier')) : [];
      // The parameter itself, not an attribute spelled the same (`self.loader`).
      return names.some((id) => id?.text === param && !(id.parent?.type === 'attribute' && id.parent.childForFieldName('attribute')?.id === id.id));
    });
  });
}

/** A parameter that says whether a function shared by training and evaluation trains: `train`, `is_train`, `training`, `is_training`. */
const TRAIN_FLAG = /^(is_)?train(ing)?$/i;

function isMethod(fn: Node): boolean {
  return fn.parent?.parent?.type === 'class_definition';
}

/**
 * Whether a call runs a held-out pass through a function that also trains: it hands a same-file
 * function held-out data (`test_loader`) and a literal `False` for its `train` flag, with which the
 * function guards its training (see guardsTraining): `run_epoch(model, test_loader, train=False)`.
 */
function evaluatesThroughTrainFlag(model: Semantic, call: CallSite): boolean {
  const args = call.argumentValues;
  if (!args.some(mentionsHeldOut)) return false;
  const fn = localFunctionCalled(model, call);
  if (!fn) return false;
  const params = parametersOf(fn, isMethod(fn));
  return params.some((p, index) => {
    const flag = parameterName(p);
    return !!flag && TRAIN_FLAG.test(flag) && argumentFor(call, params, index)?.type === 'false' && guardsTraining(model, fn, flag);
  });
}

/**
 * Whether a function's flag parameter turns its training off: `if train:` around a `.backward()` or
 * `.step()` call, `with torch.set_grad_enabled(train):`, or the flag handed on to a same-file function
 * that does either with it (two levels down).
 */
function guardsTraining(model: Semantic, fn: Node, flag: string, depth = 0): boolean {
  const body = fn.childForFieldName('body');
  if (!body) return false;
  const isFlag = (n: Node | null | undefined) => n?.type === 'identifier' && n.text === flag;
  for (const w of model.nodesWithin(body, 'with_statement')) {
    for (const item of withItems(w)) {
      const site = item.value.type === 'call' ? model.callSite(item.value) : undefined;
      if (site && SET_GRAD_ENABLED.includes(site.qualifiedName ?? '') && isFlag(site.argument('mode', 0))) return true;
    }
  }
  for (const s of model.nodesWithin(body, 'if_statement')) {
    const consequence = s.childForFieldName('consequence');
    if (isFlag(s.childForFieldName('condition')) && consequence && model.callsWithin(consequence).some((c) => !!c.receiver && (c.methodName === 'backward' || c.methodName === 'step'))) return true;
  }
  if (depth >= 2) return false;
  for (const call of model.callsWithin(body)) {
    const inner = localFunctionCalled(model, call);
    if (!inner || inner.id === fn.id) continue;
    const params = parametersOf(inner, isMethod(inner));
    for (let i = 0; i < params.length; i++) {
      const name = parameterName(params[i]);
      if (name && isFlag(argumentFor(call, params, i)) && guardsTraining(model, inner, name, depth + 1)) return true;
    }
  }
  return false;
}

/**
 * Whether the loop measures a validation metric as it runs: it (or a same-file function it calls)
 * calls an evaluation function, runs a function that trains with held-out data and its training
 * flag off (`run_epoch(test_loader, train=False)`), loops over held-out data, measures under `torch.no_grad()` /
 * `torch.inference_mode()`, or stores a held-out metric in a name (`val_loss`, `test_acc`) or under a
 * literal key (`status["val_loss"] = …`, `history["val_acc"].append(…)`; a key from a variable does not count).
 * What runs only under `if validate:` while every call of the function passes `validate=False` does not count.
 */
export function validates(model: Semantic, loop: Node): boolean {
  // A measurement under `if validate:` that every call of the function turns off measures nothing.
  const runs = (n: Node) => !offInEveryCall(model, n);
  for (const region of regionsOf(model, loop)) {
    if (model.callsWithin(region).some((c) => runs(c.node) && (evaluates(model, c) || evaluatesThroughTrainFlag(model, c)))) return true;
    for (const inner of model.nodesWithin(region, 'for_statement')) {
      const iterable = inner.childForFieldName('right');
      if (inner.id !== loop.id && iterable && mentionsHeldOut(iterable) && runs(inner)) return true;
    }
    for (const w of model.nodesWithin(region, 'with_statement')) {
      if (withItems(w).some((i) => isNoGrad(model, i.value)) && measures(model, w.childForFieldName('body')) && runs(w)) return true;
    }
    if (region.type === 'function_definition' && model.decoratorsOf(region).some((d) => isNoGrad(model, d)) && measures(model, region.childForFieldName('body'))) return true;
    for (const a of model.nodesWithin(region, ['assignment', 'augmented_assignment'])) {
      if (storedMetricNames(a.childForFieldName('left')).some((n) => HELD_OUT_METRIC.test(n)) && runs(a)) return true;
    }
    if (model.callsWithin(region).some((c) => appendsHeldOutMetric(c) && runs(c.node))) return true;
  }
  return false;
}

// ---- the metric, for a fix ----------------------------------------------------------------------------

const LOWER_IS_BETTER = new Set(['loss', 'losses', 'err', 'error', 'errors', 'mse', 'mae', 'rmse', 'nll', 'ppl', 'perplexity', 'wer', 'cer', 'mape']);
const HIGHER_IS_BETTER = new Set(['acc', 'accuracy', 'f1', 'auc', 'score', 'precision', 'recall', 'psnr', 'map', 'iou', 'dice', 'bleu', 'r2', 'correct', 'top1', 'top5']);

/** Whether a metric's name says lower or higher is better: `val_loss` → min, `test_acc`, `acc1` → max. */
export function metricMode(name: string): 'min' | 'max' | undefined {
  const words = name.split(/_|(?<=[a-z])(?=[A-Z])/).map((w) => w.toLowerCase()).filter(Boolean);
  let lower = false;
  let higher = false;
  for (const word of words) {
    const bare = word.replace(/\d+$/, '');
    if (LOWER_IS_BETTER.has(word) || LOWER_IS_BETTER.has(bare)) lower = true;
    if (HIGHER_IS_BETTER.has(word) || HIGHER_IS_BETTER.has(bare)) higher = true;
  }
  return lower === higher ? undefined : lower ? 'min' : 'max';
}

/** A validation metric held in a plain name, assigned once per epoch in the loop itself. */
export interface EpochMetric {
  name: string;
  mode: 'min' | 'max';
  /** The `name = …` statement; the epoch's value is final after it. */
  statement: Node;
}

/** Whether a value is a fresh metric object or a start value, not a measured number: `Mean()`, `0`, `[]`. */
function notAMeasurement(model: Semantic, value: Node | null): boolean {
  if (!value) return true;
  if (['integer', 'float', 'none', 'true', 'false', 'list', 'dictionary', 'tuple', 'set', 'string'].includes(value.type)) return true;
  if (value.type !== 'call') return false;
  const call = model.callSite(value);
  // `Mean()`, `Accuracy(…)`: a metric object; `float("inf")`: a start value.
  if (/^[A-Z]/.test(call.methodName)) return true;
  return (call.methodName === 'float' || call.methodName === 'int') && call.positional.every((a) => a.type === 'string' || a.type === 'integer' || a.type === 'float');
}

/** A validation metric's name: `val_acc`, `valid_loss`, `validation_f1`. */
const VALIDATION_METRIC = /^(val|valid|validation)_?/i;

/** Training data by its name: `train_loader`, `trainloader`, `training_set`, `dl_train`. */
const TRAINING_DATA = /^(train|training)(_|$|loader|dl|ds|data|dataset|set|iter)|_train$/i;

/**
 * The names of an assignment that can hold a held-out metric. From a tuple of several values
 * (`train_acc, val_acc, test_acc = test()`) only those named as held-out metrics, the validation
 * ones when there are any. A tuple whose names do not tell which value is held out gives all of them
 * when it comes from an evaluation call on held-out data alone (`loss, acc = evaluate(model,
 * val_loader)`), none otherwise.
 */
function heldOutTargets(model: Semantic, targets: Node[], value: Node | null): Node[] {
  if (targets.length < 2) return targets;
  const heldOut = targets.filter((t) => HELD_OUT_METRIC.test(t.text));
  const validation = heldOut.filter((t) => VALIDATION_METRIC.test(t.text));
  if (validation.length > 0) return validation;
  if (heldOut.length > 0) return heldOut;
  return value?.type === 'call' && evaluatesHeldOutDataAlone(model, model.callSite(value)) ? targets : [];
}

/** An evaluation call whose arguments name held-out data and no training data. */
function evaluatesHeldOutDataAlone(model: Semantic, call: CallSite): boolean {
  if (!evaluates(model, call)) return false;
  const args = call.argumentValues;
  return args.some(mentionsHeldOut) && !args.some((arg) => mentions(arg, TRAINING_DATA));
}

/**
 * The validation metric the loop assigns to a plain name, where a check can follow it: a `name = …`
 * statement in the loop (not in an inner loop or function), named as a held-out metric or assigned
 * from an evaluation call, whose name says which way is better, and the last write of that name in
 * the loop. Losses are preferred to scores.
 */
export function epochMetric(model: Semantic, loop: Node): EpochMetric | undefined {
  const body = loop.childForFieldName('body');
  if (!body) return undefined;
  const writes = model.nodesWithin(body, ['assignment', 'augmented_assignment', 'for_statement', 'named_expression']);
  const written = (name: string, after: number) =>
    writes.some((w) => w.startIndex >= after && targetNames(w.childForFieldName(w.type === 'named_expression' ? 'name' : 'left')).some((n) => n.text === name));
  const found: EpochMetric[] = [];
  const reset = (name: string, before: number) =>
    writes.some((w) => w.type === 'assignment' && w.startIndex < before && targetNames(w.childForFieldName('left')).some((n) => n.text === name));
  for (const a of writes) {
    if (a.type !== 'assignment' && a.type !== 'augmented_assignment') continue;
    const statement = model.parentOf(a);
    if (statement?.type !== 'expression_statement' || model.parentOf(statement)?.type !== 'block') continue;
    if (model.enclosingLoops(statement)[0]?.id !== loop.id || !sameFunction(model, statement, loop)) continue;
    const value = a.childForFieldName('right');
    if (a.type === 'assignment' && notAMeasurement(model, value)) continue;
    const fromEvaluation = a.type === 'assignment' && value?.type === 'call' && evaluates(model, model.callSite(value));
    for (const target of heldOutTargets(model, targetNames(a.childForFieldName('left')), value)) {
      const mode = metricMode(target.text);
      if (!mode || !(fromEvaluation || HELD_OUT_METRIC.test(target.text))) continue;
      if (written(target.text, statement.endIndex)) continue;
      // `val_loss /= n` ends an epoch's sum only when the loop starts the sum again each epoch.
      if (a.type === 'augmented_assignment' && !reset(target.text, a.startIndex)) continue;
      found.push({ name: target.text, mode, statement });
    }
  }
  return found.find((m) => m.mode === 'min') ?? found[0];
}
