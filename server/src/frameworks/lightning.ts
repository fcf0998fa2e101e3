// Lightning (the `lightning` and `pytorch_lightning` packages, and Fabric): the Trainer and Fabric
// classes, the EarlyStopping callback, and finding the Trainer a `fit` is called on.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { localClassOf, type EarlyStoppingSpec } from './callbacks';

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
