// Calls that read a model (or another large object) from a file or a hub: PyTorch, joblib, pickle,
// Keras, Hugging Face (`from_pretrained`, `pipeline`), sentence-transformers and spaCy; and the
// calls that show a loop changes what a load reads (saving, watching a file).
import type { CallSite } from '../analysis/model/calls';
import { HF_PIPELINES, SENTENCE_TRANSFORMERS, pretrainedKind } from './huggingface';
import type { Sites } from '../rules/rule';
import { kerasName, kerasSpellings } from './keras';
import { MODULE_LOADERS } from './torch';

export interface LoadKind {
  /** What the finding calls the load: `torch.load`, `AutoModel.from_pretrained`, `pipeline`. */
  label: string;
  /** Whether what it reads is a model, or another object (a pickle, a tokenizer). */
  model: boolean;
}

const OBJECT_LOADERS: ReadonlySet<string> = new Set(['pickle.load', 'cloudpickle.load', 'dill.load']);
const MODEL_FILE_LOADERS: ReadonlySet<string> = new Set([...MODULE_LOADERS, 'joblib.load', 'spacy.load', ...HF_PIPELINES, ...SENTENCE_TRANSFORMERS]);
const KERAS_LOADERS: ReadonlySet<string> = new Set(['keras.models.load_model', 'keras.saving.load_model']);

/** What a call loads, or undefined when it is no load we know. */
export function loadKind(call: CallSite): LoadKind | undefined {
  const q = call.qualifiedName;
  if (!q) return undefined;
  const short = q.split('.').slice(-2).join('.');
  if (MODEL_FILE_LOADERS.has(q)) return { label: q.startsWith('transformers.') ? 'pipeline' : q.startsWith('sentence_transformers.') ? 'SentenceTransformer' : q, model: true };
  if (OBJECT_LOADERS.has(q)) return { label: q, model: false };
  if (KERAS_LOADERS.has(kerasName(q) ?? '')) return { label: 'load_model', model: true };
  const pretrained = pretrainedKind(q);
  if (pretrained) return { label: short, model: pretrained !== 'other' };
  return undefined;
}

/** Loads called by a method name whatever the class or module (`X.from_pretrained`, `keras…load_model`). */
const LOADING_METHODS: readonly string[] = ['from_pretrained', 'load_model'];

/**
 * The calls among the sites that load (see loadKind), with what they load, in document order:
 * found from the loaders' names and their import aliases, so that no other call's name is resolved.
 */
export function loadCalls(sites: Sites): Array<{ call: CallSite; kind: LoadKind }> {
  const candidates = new Map<number, CallSite>();
  for (const call of sites.callsTo([...OBJECT_LOADERS, ...MODEL_FILE_LOADERS, ...kerasSpellings(KERAS_LOADERS)])) candidates.set(call.node.id, call);
  for (const method of LOADING_METHODS) for (const call of sites.callsNamed(method)) candidates.set(call.node.id, call);
  const out: Array<{ call: CallSite; kind: LoadKind }> = [];
  for (const call of [...candidates.values()].sort((a, b) => a.node.startIndex - b.node.startIndex)) {
    const kind = loadKind(call);
    if (kind) out.push({ call, kind });
  }
  return out;
}

/** Calls whose name says they write or change files: in a loop, a later load may read what they wrote. */
export const WRITING_METHODS: ReadonlySet<string> = new Set(['save', 'save_pretrained', 'save_model', 'save_weights', 'save_state_dict', 'dump', 'to_disk', 'write', 'write_text', 'write_bytes', 'unlink', 'remove', 'rename', 'replace', 'copy', 'copyfile', 'move', 'push_to_hub']);

/** Calls that wait for or look at a file changing: a loop with one reloads on purpose (hot reload). */
export const WATCHING_CALLS: ReadonlySet<string> = new Set(['time.sleep', 'os.path.getmtime', 'os.stat', 'os.path.exists', 'os.path.isfile', 'asyncio.sleep']);
