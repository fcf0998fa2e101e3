// Lightning (the `lightning` and `pytorch_lightning` packages, and Fabric): the Trainer and Fabric
// classes, the EarlyStopping callback, and finding the Trainer a `fit` is called on.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import type { Sites } from '../rules/rule';
import { classMethods, constructorCalls, localClassOf, type EarlyStoppingSpec } from './callbacks';
import { within } from './loops';

export const LIGHTNING_PACKAGES = ['lightning', 'pytorch_lightning'];

export const TRAINERS: ReadonlySet<string> = new Set([
  'lightning.Trainer',
  'lightning.pytorch.Trainer',
  'lightning.pytorch.trainer.Trainer',
  'lightning.pytorch.trainer.trainer.Trainer',
  'pytorch_lightning.Trainer',
  'pytorch_lightning.trainer.Trainer',
  'pytorch_lightning.trainer.trainer.Trainer',
]);

export const FABRICS: ReadonlySet<string> = new Set(['lightning.Fabric', 'lightning.fabric.Fabric', 'lightning.fabric.fabric.Fabric', 'lightning_fabric.Fabric', 'lightning_fabric.fabric.Fabric']);

/** `LightningCLI`: builds a Trainer (on the accelerator it finds, unless configured) from the command line. */
export const LIGHTNING_CLIS: ReadonlySet<string> = new Set(
  ['lightning.pytorch', 'pytorch_lightning'].flatMap((p) => [`${p}.cli.LightningCLI`, `${p}.utilities.cli.LightningCLI`]),
);

/** The classes whose `train_dataloader` hook gives the Trainer its training data. */
export const DATA_HOOK_CLASSES: ReadonlySet<string> = new Set(
  ['lightning', 'lightning.pytorch', 'pytorch_lightning'].flatMap((p) => [
    `${p}.LightningModule`,
    `${p}.LightningDataModule`,
    `${p}.core.LightningModule`,
    `${p}.core.LightningDataModule`,
    `${p}.core.module.LightningModule`,
    `${p}.core.datamodule.LightningDataModule`,
  ]),
);

/** `LightningModule` under each import path: a model class deriving from it builds its layers like an `nn.Module`. */
export const LIGHTNING_MODULES: ReadonlySet<string> = new Set([...DATA_HOOK_CLASSES].filter((q) => q.endsWith('.LightningModule')));

export const EARLY_STOPPING: ReadonlySet<string> = new Set(
  ['lightning.pytorch', 'pytorch_lightning', 'lightning'].flatMap((p) => [`${p}.callbacks.EarlyStopping`, `${p}.callbacks.early_stopping.EarlyStopping`]),
);

export const LIGHTNING_CALLBACKS: EarlyStoppingSpec = { names: EARLY_STOPPING, packages: LIGHTNING_PACKAGES, stopAttribute: 'should_stop' };

/** The Trainer constructor a `fit` receiver comes from (directly or through a local subclass). */
export function trainerOf(model: Semantic, receiver: Node): CallSite | undefined {
  const origin = model.originCall(receiver);
  if (!origin) return undefined;
  const q = origin.qualifiedName;
  if (q) return TRAINERS.has(q) ? origin : undefined;
  const cls = localClassOf(model, origin);
  return cls && model.classBases(cls).some((b) => TRAINERS.has(b)) ? origin : undefined;
}

/**
 * LightningModule hooks that Lightning runs with gradients managed for them: the step hooks (the
 * evaluation ones under `torch.no_grad()` / `inference_mode()`), and the evaluation loop's epoch hooks.
 */
export function isLightningHook(name: string): boolean {
  return /^(training|validation|test|predict)_step$/.test(name) || /^(on_)?(validation|test|predict)_(epoch|batch)_(start|end)$/.test(name);
}

export type LightningBuilder = 'trainer' | 'fabric' | 'cli';

const BUILDERS: ReadonlyArray<[LightningBuilder, ReadonlySet<string>]> = [
  ['trainer', TRAINERS],
  ['fabric', FABRICS],
  ['cli', LIGHTNING_CLIS],
];

/** The calls among the sites that build a Lightning Trainer, Fabric or LightningCLI, or a local subclass of one (`class MyCLI(LightningCLI)`). */
export function lightningBuilders(model: Semantic, sites: Sites): Array<{ call: CallSite; kind: LightningBuilder }> {
  const out: Array<{ call: CallSite; kind: LightningBuilder }> = [];
  for (const [kind, names] of BUILDERS) for (const call of constructorCalls(model, sites, names)) out.push({ call, kind });
  return out;
}

/**
 * What a Trainer, Fabric or LightningCLI call says about the device: `accelerator="cpu"` keeps it on
 * the CPU, and so does a Trainer written for Lightning 1.x (see writtenForLightning1) that asks for
 * no device, since 1.x trained on the CPU unless given `gpus` (`Trainer()`, `Trainer(gpus=0)`,
 * `Trainer(gpus=None)`); anything else picks one at run time (2.x defaults to `accelerator="auto"`).
 */
export function lightningAccelerator(model: Semantic, call: CallSite, kind: LightningBuilder): 'cpu' | 'runtime' {
  let accelerator;
  if (kind === 'cli') {
    // `LightningCLI(..., trainer_defaults={"accelerator": "cpu"})`
    const defaults = call.valueOf('trainer_defaults');
    accelerator = defaults?.kind === 'dict' ? defaults.entries.find((e) => e.key.kind === 'string' && e.key.value === 'accelerator')?.value : undefined;
  } else {
    // Fabric(accelerator="auto", …) takes it first; Trainer's parameters are keyword-only.
    accelerator = call.valueOf('accelerator', kind === 'fabric' ? 0 : undefined);
  }
  if (accelerator?.kind === 'string' && accelerator.value === 'cpu') return 'cpu';
  return kind === 'trainer' && lightning1TrainerOnCpu(model, call) ? 'cpu' : 'runtime';
}

/** Trainer arguments that may put a Lightning 1.x Trainer on another device (`accelerator=`, `devices=`, `tpu_cores=`; a strategy or plugin of its own). */
const LIGHTNING_1_DEVICE_ARGUMENTS = ['accelerator', 'devices', 'tpu_cores', 'ipus', 'hpus', 'strategy', 'plugins'];

/**
 * A Trainer written for Lightning 1.x that names no device: no `gpus` (or `gpus=0` / `gpus=None`),
 * none of the other device arguments, no positional or `**` arguments that could carry one.
 */
function lightning1TrainerOnCpu(model: Semantic, trainer: CallSite): boolean {
  if (trainer.positional.length > 0 || trainer.hasStarArgs || trainer.hasStarKwargs) return false;
  if (LIGHTNING_1_DEVICE_ARGUMENTS.some((name) => trainer.keywords.has(name))) return false;
  const gpus = trainer.valueOf('gpus');
  if (gpus !== undefined && !(gpus.kind === 'none' || (gpus.kind === 'number' && gpus.value === 0))) return false;
  return writtenForLightning1(model, trainer);
}

/**
 * Whether a call's value is what a `train_dataloader` hook returns — the hook of a LightningModule or
 * LightningDataModule defined here: `return DataLoader(…)`, `loader = DataLoader(…); return loader`,
 * or the same in a method of the class the hook returns `self.<method>(…)` of.
 */
export function returnedByTrainDataloaderHook(model: Semantic, made: CallSite): boolean {
  const fn = returningFunction(model, made.node);
  const cls = fn ? model.enclosingClass(fn) : undefined;
  if (!fn || !cls || !model.classBases(cls).some((b) => DATA_HOOK_CLASSES.has(b))) return false;
  if (functionName(fn) === 'train_dataloader') return true;
  // A helper method: returned by `self.<helper>(…)` in the class's train_dataloader.
  const hook = classMethods(model, cls).get('train_dataloader');
  const helper = functionName(fn);
  if (!hook || !helper) return false;
  return model.callsNamedWithin(helper, hook).some((call) => call.receiver?.text === 'self' && model.parentOf(call.node)?.type === 'return_statement');
}

/** The function a call's value is returned from: `return Call(…)`, or `name = Call(…)` with `return name` in the same function. */
function returningFunction(model: Semantic, call: Node): Node | undefined {
  const fn = model.enclosingFunction(call);
  if (!fn) return undefined;
  const parent = model.parentOf(call);
  if (parent?.type === 'return_statement') return fn;
  const name = parent?.type === 'assignment' && parent.childForFieldName('right')?.id === call.id ? parent.childForFieldName('left') : null;
  if (name?.type !== 'identifier') return undefined;
  for (const id of model.identifiers(name.text)) {
    if (model.parentOf(id)?.type === 'return_statement' && model.enclosingFunction(id)?.id === fn.id) return fn;
  }
  return undefined;
}

function functionName(fn: Node): string | undefined {
  return fn.childForFieldName('name')?.text;
}

/** Trainer methods that run a model without training it. */
const EVALUATION_METHODS: ReadonlySet<string> = new Set(['validate', 'test', 'predict']);

/**
 * The assignments a use of a name may read when the last statement before it that binds the name is
 * an `if`/`else` assigning it once at the top of every branch (`if cuda: trainer = Trainer(gpus=1)
 * else: trainer = Trainer()`), as Lightning 1.x examples pick a device. Undefined otherwise.
 */
function branchAssignments(model: Semantic, use: Node): Node[] | undefined {
  const bindings = model.lookup(use.text, use);
  for (let statement: Node | undefined = use; statement; ) {
    const block = model.parentOf(statement);
    if (!block) return undefined;
    if (block.type === 'block' || block.type === 'module') {
      const before = block.namedChildren.filter((c): c is Node => !!c && c.endIndex <= statement!.startIndex);
      const binder = [...before].reverse().find((c) => bindings.some((b) => within(b.node, c)));
      if (binder) return binder.type === 'if_statement' ? assignedInEveryBranch(binder, use.text, bindings.filter((b) => within(b.node, binder)).map((b) => b.node)) : undefined;
      // Not bound earlier in this block: look before the statement holding it, never across a loop or a definition.
      const owner = block.type === 'module' ? undefined : model.parentOf(block);
      if (!owner || ['for_statement', 'while_statement', 'function_definition', 'class_definition'].includes(owner.type)) return undefined;
      statement = owner.type === 'elif_clause' || owner.type === 'else_clause' ? (model.parentOf(owner) ?? undefined) : owner;
      continue;
    }
    statement = block;
  }
  return undefined;
}

/** The bindings of an `if` statement, when each is an assignment of `name` at the top of its own branch and every branch (an `else` included) has one. */
function assignedInEveryBranch(statement: Node, name: string, bound: Node[]): Node[] | undefined {
  const clauses = statement.namedChildren.filter((c): c is Node => !!c && (c.type === 'elif_clause' || c.type === 'else_clause'));
  if (!clauses.some((c) => c.type === 'else_clause')) return undefined;
  const bodies = [statement.childForFieldName('consequence'), ...clauses.map((c) => c.childForFieldName(c.type === 'else_clause' ? 'body' : 'consequence'))];
  const assignments: Node[] = [];
  for (const body of bodies) {
    const own = (body?.namedChildren ?? [])
      .map((c) => (c?.type === 'expression_statement' ? c.namedChild(0) : undefined))
      .filter((a): a is Node => a?.type === 'assignment' && a.childForFieldName('left')?.type === 'identifier' && a.childForFieldName('left')?.text === name);
    if (own.length !== 1) return undefined;
    assignments.push(own[0]);
  }
  return bound.length === assignments.length && bound.every((b) => assignments.some((a) => a.id === b.id)) ? assignments : undefined;
}

/**
 * What the file does with the name a Trainer call is bound to (`trainer = Trainer(…)`): the method
 * calls made on it (`trainer.fit(…)`, `trainer.validate(…)`), and whether it is read some other way
 * (passed on, returned, kept elsewhere). Found from that name's uses rather than every `fit` of the
 * file, which would tie each Trainer to every place the file spells `fit`. Undefined when the call is
 * not bound to a plain name.
 */
function trainerUses(model: Semantic, trainer: CallSite): { calls: CallSite[]; escapes: boolean } | undefined {
  const assignment = model.parentOf(trainer.node);
  const target = assignment?.type === 'assignment' ? assignment.childForFieldName('left') : undefined;
  if (!assignment || target?.type !== 'identifier') return undefined;
  const calls: CallSite[] = [];
  let escapes = false;
  for (const id of model.identifiers(target.text)) {
    if (id.id === target.id) continue;
    const attribute = model.parentOf(id);
    // `self.trainer` and `f(trainer=…)` spell the name without reading it.
    if (attribute?.type === 'attribute' && attribute.childForFieldName('attribute')?.id === id.id) continue;
    if (attribute?.type === 'keyword_argument' && attribute.childForFieldName('name')?.id === id.id) continue;
    // Another assignment to the name binds it anew (`trainer = Trainer(…)` twice).
    if (attribute?.type === 'assignment' && attribute.childForFieldName('left')?.id === id.id) continue;
    if (model.originCall(id)?.node.id !== trainer.node.id && !branchAssignments(model, id)?.some((a) => a.id === assignment.id)) continue;
    if (attribute?.type !== 'attribute' || attribute.childForFieldName('object')?.id !== id.id) {
      escapes = true;
      continue;
    }
    const call = model.parentOf(attribute);
    if (call?.type === 'call' && call.childForFieldName('function')?.id === attribute.id) calls.push(model.callSite(call));
  }
  return { calls, escapes };
}

/**
 * Whether a Trainer only evaluates: it is bound to a plain name and every use of that name calls
 * `validate`, `test` or `predict` on it (or reads an attribute), at least one of them. A Trainer that
 * fits, is passed on, returned or kept elsewhere may train.
 */
export function trainerOnlyEvaluates(model: Semantic, trainer: CallSite): boolean {
  const uses = trainerUses(model, trainer);
  return !!uses && !uses.escapes && uses.calls.length > 0 && uses.calls.every((c) => EVALUATION_METHODS.has(c.methodName));
}

/** The `fit` calls on the name a Trainer call is bound to (`trainer = L.Trainer(…)` … `trainer.fit(…)`). */
export function trainerFits(model: Semantic, trainer: CallSite): CallSite[] {
  return trainerUses(model, trainer)?.calls.filter((c) => c.methodName === 'fit') ?? [];
}

/** Trainer arguments that Lightning 2.0 removed: a call using one is written for Lightning 1.x. */
const LIGHTNING_1_TRAINER_ARGUMENTS = ['gpus', 'auto_select_gpus', 'progress_bar_refresh_rate', 'resume_from_checkpoint'];

/** LightningModule hooks that Lightning 2.0 removed. */
const LIGHTNING_1_HOOKS = ['validation_epoch_end', 'training_epoch_end'];

/**
 * Whether a Trainer call is written for Lightning 1.x, where precision strings such as "bf16-mixed"
 * are rejected: it passes an argument 2.0 removed (`gpus=`), or the file imports `pytorch_lightning`
 * and defines a hook 2.0 removed (`validation_epoch_end`) in a class.
 */
export function writtenForLightning1(model: Semantic, trainer: CallSite): boolean {
  if (LIGHTNING_1_TRAINER_ARGUMENTS.some((name) => trainer.keywords.has(name))) return true;
  return model.importsAny(['pytorch_lightning']) && LIGHTNING_1_HOOKS.some((hook) => model.functionsNamed(hook).some((fn) => !!model.enclosingClass(fn)));
}
