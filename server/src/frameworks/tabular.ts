// pandas' readers of text tables (CSV and other delimited text), the arguments that show how much
// of a file a read takes, and whether the file a read names is the same on every call.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { numberValue } from '../analysis/values';

export const CSV_READERS: ReadonlySet<string> = new Set([
  'pandas.read_csv',
  'pandas.read_table',
  'pandas.io.parsers.read_csv',
  'pandas.io.parsers.read_table',
  'pandas.io.parsers.readers.read_csv',
  'pandas.io.parsers.readers.read_table',
]);

/** read_csv(filepath_or_buffer, *, sep, …): the file is the first argument. */
export const READER_PATH = 'filepath_or_buffer';

/** From this many rows (a literal `nrows`), a table is large: parsing it takes seconds on every run. */
export const LARGE_ROW_COUNT = 1_000_000;

/** Calls a file path may be built with that give the same path for the same arguments. */
const PATH_BUILDERS: ReadonlySet<string> = new Set(['os.path.join', 'os.path.expanduser', 'os.path.abspath', 'pathlib.Path', 'pathlib.PurePath', 'str']);

/** What a read shows of its size: a literal `nrows` of at least LARGE_ROW_COUNT, or a literal `chunksize` (a file read in pieces because it is too large to load at once). */
export function visibleSize(read: CallSite): { nrows: number } | { chunksize: number } | undefined {
  const rows = read.valueOf('nrows');
  const n = rows ? numberValue(rows) : undefined;
  if (n !== undefined && n >= LARGE_ROW_COUNT) return { nrows: n };
  const chunk = read.valueOf('chunksize');
  const c = chunk ? numberValue(chunk) : undefined;
  return c !== undefined && c > 0 ? { chunksize: c } : undefined;
}

/** The names an expression reads as values: not attribute names, keyword names, or the names of the functions it calls. */
function namesRead(model: Semantic, expr: Node): Node[] {
  const ids = expr.type === 'identifier' ? [expr] : expr.descendantsOfType('identifier').filter((n): n is Node => !!n);
  return ids.filter((id) => {
    let child = id;
    for (let parent = model.parentOf(id); parent && child.id !== expr.id; child = parent, parent = model.parentOf(parent)) {
      if (parent.type === 'attribute' && parent.childForFieldName('attribute')?.id === child.id) return false;
      if (parent.type === 'keyword_argument' && parent.childForFieldName('name')?.id === child.id) return false;
      if (parent.type === 'call' && parent.childForFieldName('function')?.id === child.id) return false;
    }
    return true;
  });
}

/**
 * Whether the path expression of a read names the same file every time `region` (a loop, or a
 * function) runs again: a literal, or an expression built only from names bound outside `region`
 * (module constants, `args.data`) and path-building calls. A name bound inside it — a loop
 * variable, a parameter, an assignment — may change, and so may any other call: not the same.
 */
export function sameFileEachTime(model: Semantic, path: Node, region: Node): boolean {
  if (model.evaluate(path).kind === 'string') return true;
  for (const call of [path, ...path.descendantsOfType('call')]) {
    if (!call || call.type !== 'call') continue;
    const q = model.callSite(call).qualifiedName;
    if (!q || !PATH_BUILDERS.has(q)) return false;
  }
  for (const id of namesRead(model, path)) {
    const bindings = model.lookup(id.text, id);
    if (bindings.length === 0) return false;
    if (bindings.some((b) => b.node.startIndex >= region.startIndex && b.node.endIndex <= region.endIndex)) return false;
  }
  return true;
}
