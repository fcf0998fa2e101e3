// Schedules that span a whole run: a learning-rate schedule (one-cycle, cosine or polynomial decay,
// a Keras callback that sets the rate) or a weight-averaging phase (SWA) sized to exactly the run's
// epoch count. Stopping such a run early cuts the schedule before it anneals and changes the
// experiment, so the early-stopping rules keep their finding as information without a fix.
// "Sized to the run" is read from the file: the schedule's length is the run's epoch count (the same
// literal, or the same name), or an expression built from that name (`n_epochs * steps_per_epoch`,
// through names assigned once). A length the file does not tie to the run is not sized.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { lastName } from '../analysis/qualifiedName';
import { numberValue } from '../analysis/values';
import { classMethods, localClassOf } from './callbacks';
import { countLength, isPhaseLoop, sameNameAs } from './epochLoops';
import { kerasName } from './keras';

/** How a schedule's length argument counts: in epochs (a literal equal to the run's counts), or in steps (only a name does). */
type Unit = 'epochs' | 'steps';

/** Schedules by qualified name (Keras ones as `kerasName` writes them), with the arguments that give their length: keyword, position, unit. */
const SIZED_SCHEDULES: ReadonlyMap<string, ReadonlyArray<readonly [string, number, Unit]>> = new Map([
  ['torch.optim.lr_scheduler.OneCycleLR', [['total_steps', 2, 'steps'], ['epochs', 3, 'epochs']]],
  ['torch.optim.lr_scheduler.CosineAnnealingLR', [['T_max', 1, 'epochs']]],
  ['torch.optim.lr_scheduler.PolynomialLR', [['total_iters', 1, 'epochs']]],
  ['timm.scheduler.CosineLRScheduler', [['t_initial', 1, 'epochs']]],
  ['timm.scheduler.cosine_lr.CosineLRScheduler', [['t_initial', 1, 'epochs']]],
  ['transformers.get_scheduler', [['num_training_steps', 3, 'steps']]],
  ['transformers.get_linear_schedule_with_warmup', [['num_training_steps', 2, 'steps']]],
  ['transformers.get_cosine_schedule_with_warmup', [['num_training_steps', 2, 'steps']]],
  ['transformers.get_polynomial_decay_schedule_with_warmup', [['num_training_steps', 2, 'steps']]],
  ['keras.optimizers.schedules.CosineDecay', [['decay_steps', 1, 'steps']]],
  ['keras.optimizers.schedules.PolynomialDecay', [['decay_steps', 1, 'steps']]],
  ['keras.optimizers.schedules.ExponentialDecay', [['decay_steps', 1, 'steps']]],
  ['keras.experimental.CosineDecay', [['decay_steps', 1, 'steps']]],
]);

const KERAS_LR_SCHEDULER = 'keras.callbacks.LearningRateScheduler';

/** Weight averaging that lasts as long as the run: torch's SWA (an equal-weight `AveragedModel`, `SWALR`) and Lightning's callback. */
const SWA_CLASSES: ReadonlySet<string> = new Set([
  'torch.optim.swa_utils.AveragedModel',
  'torch.optim.swa_utils.SWALR',
  'lightning.pytorch.callbacks.StochasticWeightAveraging',
  'pytorch_lightning.callbacks.StochasticWeightAveraging',
]);

/** A schedule found to span a run: the call that builds it, and whether it schedules the learning rate or averages weights. */
export interface RunSchedule {
  call: CallSite;
  kind: 'learning-rate' | 'averaging';
}

/** Whether an expression names the run's epoch count: the same name (or dotted name), resolved to the same binding. */
export type CountTest = (expr: Node) => boolean;

/** The test for a run whose epoch count is written `epochs` (`n_epochs`, `args.epochs`, `25`): names only. */
export function sameCountName(model: Semantic, epochs: Node): CountTest {
  return (expr) => sameNameAs(model, expr, epochs);
}

/**
 * Whether an expression is built from the run's epoch count: it is, or contains, a name the test
 * accepts, directly or through names assigned once (`n_steps = n_epochs * math.ceil(len(X) / bs)`).
 */
export function builtFromCount(model: Semantic, expr: Node, isCount: CountTest, depth = 0): boolean {
  if (depth > 4) return false;
  if (isCount(expr)) return true;
  if (expr.type === 'identifier') {
    const binding = model.reachingBinding(expr);
    return binding?.kind === 'assign' && !!binding.value && builtFromCount(model, binding.value, isCount, depth + 1);
  }
  // `args.max_train_steps = args.num_train_epochs * steps_per_epoch` (the transformers no_trainer scripts):
  // an attribute is built from the count where the file assigns it so. Taken so, the fix is withheld.
  if (expr.type === 'attribute') return attributeAssignments(model, expr).some((value) => builtFromCount(model, value, isCount, depth + 1));
  if (expr.type === 'lambda' || expr.type === 'string') return false;
  return expr.namedChildren.some((c) => !!c && builtFromCount(model, c, isCount, depth + 1));
}

/** The values the file assigns to the same dotted name as `attribute` (`args.max_train_steps = …`), in its scope. */
function attributeAssignments(model: Semantic, attribute: Node): Node[] {
  const name = attribute.childForFieldName('attribute')?.text;
  if (!name || attribute.text.startsWith('self.')) return [];
  const scope = model.scopeOf(attribute);
  const values: Node[] = [];
  for (const id of model.identifiers(name)) {
    const target = model.parentOf(id);
    const assignment = target && model.parentOf(target);
    if (target?.type !== 'attribute' || target.text !== attribute.text || assignment?.type !== 'assignment' || assignment.childForFieldName('left')?.id !== target.id) continue;
    const value = assignment.childForFieldName('right');
    if (value && model.scopeOf(assignment).id === scope.id) values.push(value);
  }
  return values;
}

/** Whether a known schedule call's length is the run's: built from its count's name, or (for a length in epochs) the same literal number. */
function sizedSchedule(model: Semantic, call: CallSite, isCount: CountTest, epochs: number | undefined): boolean {
  return sizedAs(model, call.qualifiedName, (keyword, position) => call.argument(keyword, position), isCount, epochs);
}

/** Whether the schedule class `qualified`, given these arguments, has the run's length. */
function sizedAs(model: Semantic, qualified: string | undefined, argument: (keyword: string, position: number) => Node | undefined, isCount: CountTest, epochs: number | undefined): boolean {
  const lengths = qualified ? SIZED_SCHEDULES.get(kerasName(qualified) ?? qualified) : undefined;
  return !!lengths?.some(([keyword, position, unit]) => {
    const arg = argument(keyword, position);
    if (!arg) return false;
    if (builtFromCount(model, arg, isCount)) return true;
    return unit === 'epochs' && epochs !== undefined && numberValue(model.evaluate(arg)) === epochs;
  });
}

/** Whether a call builds weight averaging of the SWA kind (an `AveragedModel` with no `avg_fn` / `multi_avg_fn` is SWA, with one an EMA). */
function swaCall(call: CallSite): boolean {
  const q = call.qualifiedName;
  if (!q || !SWA_CLASSES.has(q)) return false;
  return !q.endsWith('.AveragedModel') || (call.presence('avg_fn', 2) === 'absent' && call.presence('multi_avg_fn', 3) === 'absent');
}

/** Whether a local class sets the optimizer's learning rate (`self.model.optimizer.learning_rate = …`, `K.set_value(opt.lr, …)`). */
function setsLearningRate(model: Semantic, cls: Node): boolean {
  const isRate = (n: Node | null | undefined) => n?.type === 'attribute' && ['learning_rate', 'lr'].includes(n.childForFieldName('attribute')?.text ?? '');
  for (const method of classMethods(model, cls).values()) {
    for (const assignment of model.nodesWithin(method, 'assignment')) if (isRate(assignment.childForFieldName('left'))) return true;
    for (const call of model.callsWithin(method)) {
      if (call.methodName === 'set_value' && isRate(call.positional[0])) return true;
      if (call.methodName === 'assign' && isRate(call.receiver)) return true;
    }
  }
  return false;
}

/** The elements of a literal callbacks list, directly or through the name assigned it that reaches the use. */
function listItems(model: Semantic, expr: Node, depth = 0): Node[] {
  if (depth > 3) return [];
  if (expr.type === 'list' || expr.type === 'tuple') return expr.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
  if (expr.type !== 'identifier') return [];
  const binding = model.reachingBinding(expr);
  return binding?.kind === 'assign' && binding.value ? listItems(model, binding.value, depth + 1) : [];
}

/**
 * A Keras callback of the fit's `callbacks` list that schedules the learning rate over the run:
 * `LearningRateScheduler(fn)` whose function, lambda or arguments use the count's name, or a callback
 * class of this file that sets the learning rate and is built from the count.
 */
function kerasCallbackSchedule(model: Semantic, callbacks: Node, isCount: CountTest): CallSite | undefined {
  for (const item of listItems(model, callbacks)) {
    const origin = model.originCall(item);
    if (!origin) continue;
    if (kerasName(origin.qualifiedName) === KERAS_LR_SCHEDULER) {
      const schedule = origin.argument('schedule', 0);
      const body = schedule && scheduleBody(model, schedule);
      if (body && model.nodesWithin(body, ['identifier', 'attribute']).some(isCount)) return origin;
      if (schedule && builtFromCount(model, schedule, isCount)) return origin;
      continue;
    }
    const cls = localClassOf(model, origin);
    const args = origin.argumentValues;
    if (cls && setsLearningRate(model, cls) && args.some((a) => builtFromCount(model, a, isCount))) return origin;
  }
  return undefined;
}

/** The body of a schedule function: a lambda's, or that of a function of this file it names. */
function scheduleBody(model: Semantic, schedule: Node): Node | undefined {
  if (schedule.type === 'lambda') return schedule.childForFieldName('body') ?? undefined;
  if (schedule.type !== 'identifier') return undefined;
  const defs = model.lookupDefinitions(schedule.text, schedule);
  return defs.length === 1 && defs[0].kind === 'def' ? (defs[0].node.childForFieldName('body') ?? undefined) : undefined;
}

/** The learning-rate schedule of the optimizer a Keras model was compiled with (`compile(optimizer=SGD(learning_rate=CosineDecay(…)))`). */
function kerasOptimizerSchedule(model: Semantic, fit: CallSite, isCount: CountTest): CallSite | undefined {
  const built = fit.receiver ? model.originCall(fit.receiver) : undefined;
  for (const compile of built ? model.callsOnResultOf(built, ['compile']) : []) {
    const optimizer = compile.argument('optimizer', 0);
    const made = optimizer && model.originCall(optimizer);
    const rate = made?.argument('learning_rate', 0) ?? made?.argument('lr');
    const schedule = rate && model.originCall(rate);
    if (schedule && sizedSchedule(model, schedule, isCount, undefined)) return schedule;
  }
  return undefined;
}

/**
 * The learning-rate schedule that spans a Keras `fit`'s run of `epochs` (the `epochs=` argument): a
 * callback of its list, or the schedule of the optimizer its model was compiled with.
 */
export function kerasRunSchedule(model: Semantic, fit: CallSite, epochs: Node, callbacks: Node | undefined): RunSchedule | undefined {
  const isCount = sameCountName(model, epochs);
  const call = (callbacks && kerasCallbackSchedule(model, callbacks, isCount)) ?? kerasOptimizerSchedule(model, fit, isCount);
  return call && { call, kind: 'learning-rate' };
}

/** The learning-rate schedule among a Keras scikit-learn wrapper's callbacks that spans its `epochs` (as for a `fit`). */
export function kerasWrapperRunSchedule(model: Semantic, epochs: Node, callbacks: Node): RunSchedule | undefined {
  const call = kerasCallbackSchedule(model, callbacks, sameCountName(model, epochs));
  return call && { call, kind: 'learning-rate' };
}

const SKORCH_LR_SCHEDULERS: ReadonlySet<string> = new Set(['skorch.callbacks.LRScheduler', 'skorch.callbacks.lr_scheduler.LRScheduler']);

/**
 * skorch's `LRScheduler(policy=CosineAnnealingLR, T_max=max_epochs)` (the policy a torch scheduler
 * class or its name, the scheduler's own arguments given by keyword) among a net's callbacks
 * (`(name, callback)` pairs too), sized to the net's `max_epochs`: the same name, or the same literal.
 */
export function skorchRunSchedule(model: Semantic, callbacks: Node, maxEpochs: Node | undefined, epochs: number): RunSchedule | undefined {
  const isCount = maxEpochs ? sameCountName(model, maxEpochs) : () => false;
  for (const item of listItems(model, callbacks)) {
    const pair = item.type === 'tuple' ? item.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment') : undefined;
    const origin = model.originCall(pair?.length === 2 ? pair[1] : item);
    if (!origin?.qualifiedName || !SKORCH_LR_SCHEDULERS.has(origin.qualifiedName)) continue;
    const policy = origin.argument('policy', 0);
    const named = policy && model.evaluate(policy);
    const qualified = named?.kind === 'string' ? `torch.optim.lr_scheduler.${named.value}` : policy && model.qualifiedName(policy);
    if (sizedAs(model, qualified, (keyword) => origin.keywords.get(keyword)?.value, isCount, epochs)) return { call: origin, kind: 'learning-rate' };
  }
  return undefined;
}

/** Spellings inside a LightningModule of the run's length: `self.trainer.max_epochs`, `self.trainer.estimated_stepping_batches`. */
const TRAINER_RUN_LENGTH = /^(self\.)?trainer\.(max_epochs|estimated_stepping_batches)$/;

/**
 * What spans a Lightning run: SWA in the Trainer's callbacks (`StochasticWeightAveraging`), or, in the
 * fitted module's class, SWA (`AveragedModel` without an EMA function, `SWALR`) or a schedule sized by
 * `self.trainer.max_epochs` / `estimated_stepping_batches` or by the Trainer's own `max_epochs`.
 */
export function lightningRunSchedule(model: Semantic, trainer: CallSite, moduleClass: Node | undefined, epochs: number | undefined): RunSchedule | undefined {
  const callbacks = trainer.argument('callbacks');
  for (const item of callbacks ? listItems(model, callbacks) : []) {
    const origin = model.originCall(item);
    if (origin && swaCall(origin)) return { call: origin, kind: 'averaging' };
  }
  if (!moduleClass) return undefined;
  const maxEpochs = trainer.argument('max_epochs');
  const sameAsTrainer = maxEpochs ? sameCountName(model, maxEpochs) : () => false;
  const isCount: CountTest = (expr) => ((expr.type === 'attribute' && TRAINER_RUN_LENGTH.test(expr.text)) || sameAsTrainer(expr));
  const calls = [...classMethods(model, moduleClass).values()].flatMap((method) => model.callsWithin(method));
  const swa = calls.find(swaCall);
  if (swa) return { call: swa, kind: 'averaging' };
  const schedule = calls.find((c) => sizedSchedule(model, c, isCount, epochs));
  return schedule && { call: schedule, kind: 'learning-rate' };
}

/**
 * The schedule that spans a custom loop's run: a known schedule built in the loop's function (or at
 * module level for a module-level loop) whose length is the loop's count (`range(n_epochs)` or
 * `range(1, n_epochs + 1)` → `CosineAnnealingLR(opt, T_max=n_epochs)`, `OneCycleLR(…, epochs=n_epochs, …)`),
 * or SWA there.
 */
export function loopRunSchedule(model: Semantic, loop: Node, count: Node, epochs: number | undefined): RunSchedule | undefined {
  const range = model.callSite(count);
  const stop = range.positional.length >= 2 ? range.positional[1] : range.positional[0];
  if (!stop) return undefined;
  // The count's name is its end (`range(start_epoch, n_epochs)`) or its length (`range(1, n_epochs + 1)`).
  const length = countLength(model, count);
  const names = [sameCountName(model, stop), ...(length && length.id !== stop.id ? [sameCountName(model, length)] : [])];
  const isCount: CountTest = (expr) => names.some((test) => test(expr));
  const schedule = builtForLoop(model, loop, SIZED_SCHEDULES.keys()).find((c) => sizedSchedule(model, c, isCount, epochs) && !neverUsed(model, c));
  if (schedule) return { call: schedule, kind: 'learning-rate' };
  const swa = builtForLoop(model, loop, SWA_CLASSES).find(swaCall);
  return swa && { call: swa, kind: 'averaging' };
}

/**
 * Whether a call's result is assigned to a plain name that nothing reads (`scheduler = …` then
 * `scheduler=None` handed on): it schedules nothing. Every spelling of the name that can see this
 * binding counts as a read; one in a function that binds the name itself (a parameter `scheduler`) does not.
 */
function neverUsed(model: Semantic, call: CallSite): boolean {
  const statement = model.parentOf(call.node);
  const target = statement?.type === 'assignment' && statement.childForFieldName('right')?.id === call.node.id ? statement.childForFieldName('left') : null;
  if (target?.type !== 'identifier') return false;
  const ours = new Set(model.lookup(target.text, target).map((b) => b.node.id));
  // The name of a keyword argument (`train(…, scheduler=None)`) or of a parameter (`def log(scheduler=None)`) reads nothing.
  const namesOnly = (id: Node) => {
    const parent = model.parentOf(id);
    if (parent?.type === 'parameters' || parent?.type === 'typed_parameter') return true;
    return (parent?.type === 'keyword_argument' || parent?.type === 'default_parameter' || parent?.type === 'typed_default_parameter') && parent.childForFieldName('name')?.id === id.id;
  };
  return model.identifiers(target.text).every((id) => id.id === target.id || namesOnly(id) || !model.lookup(id.text, id).some((b) => ours.has(b.node.id)));
}

/**
 * Calls of these classes built in a loop's function (or at module level for a module-level loop)
 * before the loop ends: found by the names they are spelled with (anywhere in the file, not only the
 * loop's part of it), then kept by where they are.
 */
function builtForLoop(model: Semantic, loop: Node, classes: Iterable<string>): CallSite[] {
  const fn = model.enclosingFunction(loop);
  const beside = (c: CallSite) => c.node.startIndex < loop.endIndex && model.enclosingFunction(c.node)?.id === fn?.id;
  return [...new Set([...classes].map(lastName))].flatMap((name) => model.callsNamed(name)).filter(beside);
}

/** Step schedules: they lower the rate at set epochs, the first after `step_size` or the first milestone. */
const STEP_LR = 'torch.optim.lr_scheduler.StepLR';
const MULTI_STEP_LR = 'torch.optim.lr_scheduler.MultiStepLR';

/** A step schedule of a custom loop, and the most epochs it keeps one learning rate before lowering it. */
export interface StepSchedule {
  call: CallSite;
  epochs: number;
}

/**
 * The step schedule a custom epoch loop steps once per epoch (`scheduler.step()` in the loop itself,
 * none inside a batch loop): a `StepLR` with a known `step_size`, or a `MultiStepLR` with known
 * milestones, built for the loop (see builtForLoop); with the longest stretch of epochs at one rate
 * before a drop (the step size; the largest gap between milestones, counted from epoch 0). A stop
 * with less patience can end the run on a plateau that the next drop would have left.
 */
export function loopStepSchedule(model: Semantic, loop: Node): StepSchedule | undefined {
  for (const call of builtForLoop(model, loop, [STEP_LR, MULTI_STEP_LR])) {
    const epochs = call.qualifiedName === STEP_LR ? stepSize(model, call) : call.qualifiedName === MULTI_STEP_LR ? longestMilestoneGap(model, call) : undefined;
    if (epochs === undefined || !steppedPerEpoch(model, call, loop)) continue;
    return { call, epochs };
  }
  return undefined;
}

function stepSize(model: Semantic, call: CallSite): number | undefined {
  const arg = call.argument('step_size', 1);
  const size = arg && numberValue(model.evaluate(arg));
  return size !== undefined && Number.isInteger(size) && size > 0 ? size : undefined;
}

function longestMilestoneGap(model: Semantic, call: CallSite): number | undefined {
  const arg = call.argument('milestones', 1);
  const value = arg && model.evaluate(arg);
  if (!value || (value.kind !== 'list' && value.kind !== 'tuple') || value.items.length === 0) return undefined;
  const milestones = value.items.map(numberValue);
  if (milestones.some((m) => m === undefined || !Number.isInteger(m) || m <= 0)) return undefined;
  const sorted = [0, ...(milestones as number[]).sort((a, b) => a - b)];
  return Math.max(...sorted.slice(1).map((m, i) => m - sorted[i]));
}

/**
 * Whether the schedule is stepped in the epoch loop itself (also inside its loop over phases,
 * `for phase in ["train", "val"]:`), and never inside a loop within it (a batch loop).
 */
function steppedPerEpoch(model: Semantic, schedule: CallSite, loop: Node): boolean {
  const steps = model.callsOnResultOf(schedule, ['step']).filter((c) => c.node.startIndex >= loop.startIndex && c.node.endIndex <= loop.endIndex);
  const fn = model.enclosingFunction(loop);
  const inLoop = (c: CallSite) => {
    const loops = model.enclosingLoops(c.node);
    const at = loops.findIndex((l) => l.id === loop.id);
    return at >= 0 && loops.slice(0, at).every((l) => isPhaseLoop(model, l)) && model.enclosingFunction(c.node)?.id === fn?.id;
  };
  return steps.length > 0 && steps.every(inLoop);
}

/** The sentence for a loop whose step schedule keeps one rate for as long as the run: no patience could act in it. */
export function stepScheduleNote(found: StepSchedule, epochs: number): string {
  return (
    `Its learning-rate schedule (\`${found.call.callee.text}(…)\`) keeps one rate for up to ${found.epochs} epochs before lowering it, ` +
    `so a stop would need a patience of at least ${found.epochs} epochs, which leaves nothing to save in these ${epochs}: no fix is offered; ` +
    'if the last epochs do not help, shorten the schedule and the run together.'
  );
}

/** The sentence every early-stopping rule says of a run whose schedule spans it. */
export function runScheduleNote(found: RunSchedule, epochs: number | undefined): string {
  const name = `\`${found.call.callee.text}(…)\``;
  const length = epochs !== undefined ? `these ${epochs} epochs` : 'the whole run';
  return found.kind === 'averaging'
    ? `Its weight averaging (${name}) lasts ${length}: stopping early would average fewer epochs than the experiment plans, so no fix is offered; if the last epochs do not help, shorten the run itself.`
    : `Its learning-rate schedule (${name}) is sized to ${length}: stopping early would cut it before the rate anneals and change the experiment, so no fix is offered; if the last epochs do not help, shorten the schedule and the run together.`;
}
