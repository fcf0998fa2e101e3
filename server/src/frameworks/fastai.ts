// fastai: `Learner` and the application learners (`vision_learner`, `text_classifier_learner`, …),
// usually reached through `from fastai.<app>.all import *`; their training methods (`fit`,
// `fit_one_cycle`, `fine_tune`, `fit_flat_cos`), which take callbacks in `cbs=`; the
// `EarlyStoppingCallback` (fastai.callback.tracker); mixed precision with `to_fp16()` / `to_bf16()` /
// the `MixedPrecision` callback. A custom callback stops training by raising `CancelFitException`.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { lastName, topPackage } from '../analysis/qualifiedName';
import type { EarlyStoppingSpec } from './callbacks';

/** Learner constructors, by last name (the module they come from varies: `fastai.vision.all`, `fastai.learner`, …). */
export const FASTAI_LEARNERS: ReadonlySet<string> = new Set([
  'Learner',
  'vision_learner',
  'cnn_learner',
  'unet_learner',
  'text_classifier_learner',
  'language_model_learner',
  'tabular_learner',
  'collab_learner',
]);

/** Training methods and the position of their epoch count (`n_epoch`, or `epochs` for `fine_tune`). */
export const FASTAI_FITS: Readonly<Record<string, { epochs: string }>> = {
  fit: { epochs: 'n_epoch' },
  fit_one_cycle: { epochs: 'n_epoch' },
  fit_flat_cos: { epochs: 'n_epoch' },
  fine_tune: { epochs: 'epochs' },
};

export const FASTAI_EARLY_STOPPING_NAME = 'EarlyStoppingCallback';

/**
 * fastai callbacks, for reading a `cbs=` list: other fastai callbacks do not stop training. fastai
 * callbacks stop by raising an exception, not by an attribute, and `EarlyStoppingCallback` is reached
 * under many module names, so rules also look for its name and for `CancelFitException` file-wide.
 */
export const FASTAI_CALLBACKS: EarlyStoppingSpec = {
  names: new Set(['fastai.callback.tracker.EarlyStoppingCallback', 'fastai.callback.all.EarlyStoppingCallback']),
  packages: ['fastai'],
  stopAttribute: '',
};

/** Whether a qualified name is a fastai name with this last segment. */
export function isFastai(qualified: string | undefined, names: ReadonlySet<string>): boolean {
  return !!qualified && topPackage(qualified) === 'fastai' && names.has(lastName(qualified));
}

/**
 * Whether a call makes a fastai learner: a fastai learner by its qualified name, or, in a file with a
 * star import from fastai beside other star imports (`from fastcore.all import *`, which leaves the
 * name's module open), a learner's name that nothing in the file binds.
 */
export function makesLearner(model: Semantic, call: CallSite): boolean {
  if (call.qualifiedName) return isFastai(call.qualifiedName, FASTAI_LEARNERS);
  const callee = call.callee;
  return callee.type === 'identifier' && FASTAI_LEARNERS.has(callee.text) && model.lookup(callee.text, callee).length === 0 && fastaiStarImport(model);
}

/** Whether the file has fastai's names through a star import (`from fastai.vision.all import *`). */
export function fastaiStarImport(model: Semantic): boolean {
  return model.starImports.some((m) => topPackage(m) === 'fastai');
}

/** Learner methods that return the learner itself, so `vision_learner(…).to_fp16()` is still the learner. */
const CHAINABLE: ReadonlySet<string> = new Set(['to_fp16', 'to_bf16', 'to_fp32', 'to_non_native_fp16', 'to_non_native_fp32', 'to_channelslast', 'to_contiguous', 'to_distributed', 'to_parallel', 'add_cb', 'add_cbs']);

/** The learner constructor a value comes from, through chained learner methods, and those methods' names. */
export function learnerOrigin(model: Semantic, expr: Node): { learner: CallSite; chain: string[] } | undefined {
  const chain: string[] = [];
  let origin = model.originCall(expr);
  for (let depth = 0; origin && depth < 8; depth++) {
    if (makesLearner(model, origin)) return { learner: origin, chain };
    if (!CHAINABLE.has(origin.methodName) || !origin.receiver) return undefined;
    chain.push(origin.methodName);
    origin = model.originCall(origin.receiver);
  }
  return undefined;
}
