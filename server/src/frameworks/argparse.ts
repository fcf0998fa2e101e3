// argparse: the default a script gives a command-line option (`parser.add_argument("--epochs",
// type=int, default=90)`), read where the script uses it as `args.epochs` — the run length the
// author wrote down, when no literal is in the code that uses it.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { numberValue, stringLiteral } from '../analysis/values';

/** The attribute an option is stored under: `dest=`, else its first long flag with `-` made `_`. */
function destinationOf(call: CallSite): string | undefined {
  const dest = call.keywords.get('dest')?.value;
  if (dest) return stringLiteral(dest);
  const flags = call.positional.map((a) => stringLiteral(a)).filter((s): s is string => !!s);
  const long = flags.find((f) => f.startsWith('--')) ?? flags.find((f) => !f.startsWith('-'));
  return long?.replace(/^-+/, '').replace(/-/g, '_');
}

/**
 * The number an `args.name` expression holds by default: the literal `default=` of the one
 * `add_argument` of the file that stores `name` (several with other defaults, or none: unknown).
 * Only in a script that imports argparse; the receiver is any name, since `args` is often handed
 * from function to function.
 */
export function argparseDefault(model: Semantic, expr: Node): number | undefined {
  if (expr.type !== 'attribute' || !model.importsAny(['argparse'])) return undefined;
  const name = expr.childForFieldName('attribute')?.text;
  if (!name) return undefined;
  const defaults = new Set<number | undefined>();
  for (const call of model.callsNamed('add_argument')) {
    if (!call.receiver || destinationOf(call) !== name) continue;
    const value = call.keywords.get('default')?.value;
    defaults.add(value ? numberValue(model.evaluate(value)) : undefined);
  }
  return defaults.size === 1 ? [...defaults][0] : undefined;
}
