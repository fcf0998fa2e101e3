// argparse: the default a script gives a command-line option (`parser.add_argument("--epochs",
// type=int, default=90)`), read where the script uses it as `args.epochs` — the run length the
// author wrote down, when no literal is in the code that uses it. Hugging Face's HfArgumentParser
// makes its options from dataclass fields, so a field's default (`num_train_epochs: float = 1`)
// is read the same way.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { numberValue, stringLiteral } from '../analysis/values';
import { localClassOfExpression } from './callbacks';

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
 * from function to function. For a name HfArgumentParser fills, the literal default of the
 * dataclass field (see dataclassDefault).
 */
export function argparseDefault(model: Semantic, expr: Node): number | undefined {
  if (expr.type !== 'attribute') return undefined;
  const name = expr.childForFieldName('attribute')?.text;
  const holder = expr.childForFieldName('object');
  if (!name || !holder) return undefined;
  const declared = dataclassDefault(model, holder, name);
  if (declared !== undefined || !model.importsAny(['argparse'])) return declared;
  const defaults = new Set<number | undefined>();
  for (const call of model.callsNamed('add_argument')) {
    if (!call.receiver || destinationOf(call) !== name) continue;
    const value = call.keywords.get('default')?.value;
    defaults.add(value ? numberValue(model.evaluate(value)) : undefined);
  }
  return defaults.size === 1 ? [...defaults][0] : undefined;
}

const HF_ARGUMENT_PARSERS: ReadonlySet<string> = new Set(['transformers.HfArgumentParser', 'transformers.hf_argparser.HfArgumentParser']);

/**
 * The dataclass of this file that HfArgumentParser fills a name with from the command line:
 * `model_args, training_args = HfArgumentParser((ModelArguments, MyTrainingArguments)).parse_args_into_dataclasses()`
 * (or `….parse_args_into_dataclasses()[1]`) gives `training_args` the class at its place. Undefined
 * for anything else (`parse_json_file`, a class of another module, a name bound twice).
 */
export function commandLineDataclass(model: Semantic, name: Node): Node | undefined {
  if (name.type !== 'identifier') return undefined;
  const bindings = model.lookup(name.text, name);
  const statement = bindings.length === 1 ? bindings[0].node : undefined;
  if (statement?.type !== 'assignment') return undefined;
  let parsed = statement.childForFieldName('right');
  let place: number;
  const left = statement.childForFieldName('left');
  if (left?.type === 'pattern_list' || left?.type === 'tuple_pattern') {
    const names = left.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment');
    place = names.findIndex((n) => n.type === 'identifier' && n.text === name.text);
  } else {
    // `args = parser.parse_args_into_dataclasses()[0]`
    const index = parsed?.type === 'subscript' ? parsed.childForFieldName('subscript') : null;
    place = index?.type === 'integer' ? Number(index.text) : -1;
    parsed = parsed?.type === 'subscript' ? parsed.childForFieldName('value') : null;
  }
  if (place < 0 || parsed?.type !== 'call') return undefined;
  const parse = model.callSite(parsed);
  if (parse.methodName !== 'parse_args_into_dataclasses' || !parse.receiver) return undefined;
  const parser = model.originCall(parse.receiver);
  if (!parser || !HF_ARGUMENT_PARSERS.has(parser.qualifiedName ?? '')) return undefined;
  const types = parser.argument('dataclass_types', 0);
  const classes = types?.type === 'tuple' || types?.type === 'list' ? types.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment') : types ? [types] : [];
  const cls = classes[place];
  return cls && localClassOfExpression(model, cls);
}

/** The literal default of a dataclass field (`epochs: int = 3`, `epochs: int = field(default=3)`), in the class or its local bases; undefined when not declared or not a literal number. */
function fieldDefault(model: Semantic, cls: Node, field: string, depth = 0): number | undefined | null {
  for (const statement of cls.childForFieldName('body')?.namedChildren ?? []) {
    const assignment = statement?.type === 'expression_statement' ? statement.namedChild(0) : null;
    // An annotated name is a field; a plain class attribute (`epochs = 3`) is not.
    if (assignment?.type !== 'assignment' || assignment.childForFieldName('left')?.text !== field || !assignment.childForFieldName('type')) continue;
    let value = assignment.childForFieldName('right');
    if (value?.type === 'call' && model.callSite(value).qualifiedName === 'dataclasses.field') value = model.callSite(value).keywords.get('default')?.value ?? null;
    return value ? (numberValue(model.evaluate(value)) ?? null) : null;
  }
  if (depth > 4) return null;
  for (const base of cls.childForFieldName('superclasses')?.namedChildren ?? []) {
    const local = base && base.type === 'identifier' ? localClassOfExpression(model, base) : undefined;
    const found = local ? fieldDefault(model, local, field, depth + 1) : undefined;
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The number a field of a dataclass HfArgumentParser fills from the command line holds by default,
 * when the file declares it with a literal (`num_train_epochs: float = 1`); undefined when the
 * field is not declared in the file (its library default is not the author's choice) or its
 * default is not a literal.
 */
export function dataclassDefault(model: Semantic, holder: Node, field: string): number | undefined {
  const cls = commandLineDataclass(model, holder);
  return cls ? (fieldDefault(model, cls, field) ?? undefined) : undefined;
}

/** Whether a dataclass HfArgumentParser fills a name with declares the field (with any default). */
export function dataclassDeclares(model: Semantic, holder: Node, field: string): boolean {
  const cls = commandLineDataclass(model, holder);
  return !!cls && fieldDefault(model, cls, field) !== undefined;
}
