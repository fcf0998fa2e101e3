// Optuna: the studies an objective function is optimized by. `study.optimize(objective, n_trials=…)`
// calls the objective once per trial.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';

export const STUDY_FACTORIES: ReadonlySet<string> = new Set(['optuna.create_study', 'optuna.study.create_study', 'optuna.load_study', 'optuna.study.load_study']);

/** Whether a call is `study.optimize(…)` on a study made by `optuna.create_study` / `load_study`. */
export function isStudyOptimize(model: Semantic, call: CallSite): boolean {
  if (call.methodName !== 'optimize' || !call.receiver) return false;
  const study = model.originCall(call.receiver)?.qualifiedName;
  return !!study && STUDY_FACTORIES.has(study);
}
