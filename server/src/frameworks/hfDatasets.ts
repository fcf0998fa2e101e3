// Hugging Face `datasets`: where a dataset comes from, and whether its items are prepared ahead of
// time (Arrow tables mapped from disk) or transformed as each one is read.
import type { Node } from 'web-tree-sitter';
import type { Semantic } from '../analysis/model/model';
import { isSelfAttribute, selfAssignments } from './inference';
import { within } from './loops';

/** Calls that load or build a `datasets` dataset (or a dict of splits). */
const SOURCES: ReadonlySet<string> = new Set([
  'datasets.load_dataset',
  'datasets.load_from_disk',
  'datasets.concatenate_datasets',
  'datasets.Dataset.from_dict',
  'datasets.Dataset.from_list',
  'datasets.Dataset.from_pandas',
  'datasets.Dataset.from_csv',
  'datasets.Dataset.from_json',
  'datasets.Dataset.from_parquet',
  'datasets.Dataset.load_from_disk',
  'datasets.DatasetDict.load_from_disk',
]);

/** Dataset methods that return a dataset whose items were computed when the method ran. */
const PREPARED: ReadonlySet<string> = new Set([
  'map',
  'filter',
  'select',
  'select_columns',
  'shuffle',
  'sort',
  'shard',
  'flatten',
  'cast',
  'cast_column',
  'remove_columns',
  'rename_column',
  'rename_columns',
  'with_format',
  'train_test_split',
]);

/** Methods that attach a transform run on every item as it is read (image augmentation, tokenizing on the fly). */
const ON_THE_FLY = ['set_transform', 'with_transform'];

/**
 * Whether an expression is a `datasets` dataset whose items are already prepared:
 * `tokenized["train"]` where `tokenized = load_dataset(…).map(tokenize, batched=True)`. Reading one
 * item is a row lookup in a memory-mapped Arrow table, with nothing for worker processes to take
 * over. A file that attaches a transform to a dataset (`set_transform` / `with_transform`) is left
 * out: that work runs per item, as a torchvision transform does.
 */
export function isPreparedHubDataset(model: Semantic, expr: Node): boolean {
  if (ON_THE_FLY.some((name) => model.callsNamed(name).length > 0)) return false;
  return fromHub(model, expr, 0, new Set());
}

/** `attributes`: the `self.<name>` attributes being followed, so that `self.ds[k] = self.ds[k].map(…)` does not loop. */
function fromHub(model: Semantic, expr: Node, depth: number, attributes: Set<string>): boolean {
  // Pipelines chain a few steps per variable (`ds = load(…)`, `tok = ds.map(…)`, `tok["train"]`).
  if (depth > 24) return false;
  switch (expr.type) {
    case 'attribute': {
      // `self.dataset` of a DataModule, prepared in `setup()`: every value the class assigns to it
      // or to its splits must be prepared, and one of them must load it (`self.dataset = load_dataset(…)`).
      if (!isSelfAttribute(expr)) return false;
      const name = expr.childForFieldName('attribute')?.text ?? '';
      if (attributes.has(name)) return true;
      const followed = new Set([...attributes, name]);
      const values = selfAssignments(model, expr, { items: true });
      const loads = (value: Node) => !value.descendantsOfType('attribute').some((a) => a && isSelfAttribute(a) && a.childForFieldName('attribute')?.text === name);
      return selfAssignments(model, expr).some(loads) && values.every((value) => fromHub(model, value, depth + 1, followed));
    }
    case 'parenthesized_expression':
    case 'subscript': {
      // `(ds)`, `ds["train"]`
      const inner = expr.type === 'subscript' ? expr.childForFieldName('value') : expr.namedChild(0);
      return !!inner && fromHub(model, inner, depth + 1, attributes);
    }
    case 'call': {
      const site = model.callSite(expr);
      if (site.qualifiedName) return SOURCES.has(site.qualifiedName);
      return !!site.receiver && PREPARED.has(site.methodName) && fromHub(model, site.receiver, depth + 1, attributes);
    }
    case 'identifier': {
      // The value last assigned before this use (`ds = ds.map(…)` reads the assignment before it).
      const binding = model
        .lookup(expr.text, expr)
        .filter((b) => (b.kind === 'assign' ? !!b.value : b.node.type === 'assignment') && b.node.startIndex < expr.startIndex && !within(expr, b.node))
        .at(-1);
      if (binding && binding.kind !== 'assign') {
        // `train, test = load_dataset("imdb", split=["train", "test"])`: each name is one loaded split.
        const right = binding.node.childForFieldName('right');
        const unpacked = ['pattern_list', 'tuple_pattern'].includes(binding.node.childForFieldName('left')?.type ?? '');
        return unpacked && right?.type === 'call' && SOURCES.has(model.callSite(right).qualifiedName ?? '');
      }
      return !!binding?.value && fromHub(model, binding.value, depth + 1, attributes);
    }
    default:
      return false;
  }
}
