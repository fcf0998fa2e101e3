// Short training runs and early stopping, one rule of thumb for every trainer: one epoch sets the
// best validation value and one more has to fail to improve on it, so a stop can save at most the
// last N − 2 of N epochs. Runs of 1–2 literal epochs are left alone; runs of 3–9 are worth a
// look (information) with a patience that can act within them; longer runs keep each rule's own.
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { numberValue } from '../analysis/values';
import { argparseDefault } from './argparse';
import { argumentsFor } from './parameters';

/** Runs of fewer literal epochs than this are short. */
export const SHORT_RUN_EPOCHS = 10;

/** Runs of fewer literal epochs than this are left alone: a stop could save none of them. */
export const MIN_STOPPABLE_EPOCHS = 3;

/** Whether a literal epoch count is short (3–9): information, and a patience of 1 or 2. */
export function isShortRun(epochs: number | undefined): epochs is number {
  return epochs !== undefined && epochs >= MIN_STOPPABLE_EPOCHS && epochs < SHORT_RUN_EPOCHS;
}

/** Whether a literal epoch count is too small for a stop to save anything (below 3). */
export function tooShortToStop(epochs: number | undefined): boolean {
  return epochs !== undefined && epochs < MIN_STOPPABLE_EPOCHS;
}

/** The patience a fix writes: 1 for runs up to 5 epochs, 2 for 6–9, else the rule's own. */
export function patienceForRun(epochs: number | undefined, longRunPatience: number): number {
  if (!isShortRun(epochs)) return longRunPatience;
  return epochs <= 5 ? 1 : 2;
}

/** The sentence that bounds what stopping a short run on `metric` can save. */
export function shortRunBound(epochs: number, metric: string): string {
  return `With ${epochs} epochs, stopping on ${metric} can save at most the last ${epochs - 2}, and only when it stops improving that early.`;
}

/** `1 epoch`, `3 epochs`. */
export function epochsWord(n: number): string {
  return n === 1 ? 'epoch' : 'epochs';
}

/**
 * The number of epochs an expression gives, read as far as the file says it: a literal or constant,
 * an argparse option's default (`args.epochs`), or a parameter that every call of its function in the
 * file passes the same such number for (`train(num_epochs=args.num_epochs)`). Undefined otherwise.
 */
export function epochCount(model: Semantic, expr: Node, depth = 0, commandLine = true): number | undefined {
  const known = numberValue(model.evaluate(expr)) ?? (commandLine ? argparseDefault(model, expr) : undefined);
  if (known !== undefined || depth > 3 || expr.type !== 'identifier') return known;
  const bindings = model.lookup(expr.text, expr);
  if (bindings.length !== 1 || bindings[0].kind !== 'param') return undefined;
  const counts = new Set((argumentsFor(model, expr) ?? []).map((arg) => epochCount(model, arg, depth + 1, commandLine)));
  return counts.size === 1 ? [...counts][0] : undefined;
}
