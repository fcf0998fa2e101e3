// Keras models behind scikit-learn's estimator API: scikeras' `KerasClassifier` / `KerasRegressor`
// (`model=`, with `epochs`, `validation_split`, `callbacks` as parameters or routed as `fit__…`) and the
// legacy `keras.wrappers.scikit_learn` wrappers (`build_fn=`, the same Keras `fit` arguments as
// `**sk_params`). Both train Keras's `fit` defaults: one epoch, no validation data.
import type { CallSite } from '../analysis/model/calls';
import type { Sites } from '../rules/rule';
import { kerasName, kerasSpellings } from './keras';
import { keywordPresence } from './keywordArguments';

export const SCIKERAS_WRAPPERS: ReadonlySet<string> = new Set([
  'scikeras.wrappers.KerasClassifier',
  'scikeras.wrappers.KerasRegressor',
]);

/** Legacy wrappers, as `kerasName` writes them (removed in TensorFlow 2.12 / Keras 3, still in older code). */
export const LEGACY_KERAS_WRAPPERS: ReadonlySet<string> = new Set([
  'keras.wrappers.scikit_learn.KerasClassifier',
  'keras.wrappers.scikit_learn.KerasRegressor',
]);

export type KerasWrapper = 'scikeras' | 'legacy';

/** The calls among the sites that build a Keras scikit-learn wrapper, with which, in document order. */
export function kerasWrapperCalls(sites: Sites): Array<{ call: CallSite; wrapper: KerasWrapper }> {
  const out: Array<{ call: CallSite; wrapper: KerasWrapper }> = [];
  for (const call of sites.callsTo([...SCIKERAS_WRAPPERS, ...kerasSpellings(LEGACY_KERAS_WRAPPERS)])) {
    const wrapper = kerasWrapper(call);
    if (wrapper) out.push({ call, wrapper });
  }
  return out;
}

/** Which Keras scikit-learn wrapper a call builds, if any. */
export function kerasWrapper(call: CallSite): KerasWrapper | undefined {
  const q = call.qualifiedName;
  if (!q) return undefined;
  if (SCIKERAS_WRAPPERS.has(q)) return 'scikeras';
  return LEGACY_KERAS_WRAPPERS.has(kerasName(q) ?? '') ? 'legacy' : undefined;
}

/**
 * The keyword a wrapper takes a Keras `fit` argument by: scikeras also routes `fit__<name>`. Written
 * inline or a key of the literal dict a `**kwargs` unpacks (read its value with `keywordValue`).
 */
export function wrapperArgument(call: CallSite, wrapper: KerasWrapper, name: string): string | undefined {
  const given = (keyword: string) => keywordPresence(call, keyword) === 'present';
  if (wrapper === 'scikeras' && given(`fit__${name}`)) return `fit__${name}`;
  if (given(name)) return name;
  if (wrapper === 'legacy' && name === 'epochs' && given('nb_epoch')) return 'nb_epoch';
  return undefined;
}
