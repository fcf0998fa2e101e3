// Models with published pretrained weights, and how each library is asked for them: torchvision
// model builders (`weights=`, since 0.13; `pretrained=` before, deprecated), timm's `create_model`
// (`pretrained=`), Keras applications (`weights="imagenet"`), and Hugging Face auto classes built
// `from_config` where a hub checkpoint's config says which weights exist (`from_pretrained`).
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { kerasName } from './keras';

export const VISION_PACKAGES = ['torchvision', 'timm', 'keras', 'tensorflow', 'tf_keras', 'transformers'];

/** torchvision.models submodules whose builders are not ImageNet classifiers (their weights and backbones work otherwise). */
const TORCHVISION_OTHER_TASKS = new Set(['detection', 'segmentation', 'video', 'optical_flow', 'quantization', 'feature_extraction']);

/** Functions of torchvision.models that do not build a model. */
const TORCHVISION_NOT_BUILDERS = new Set(['get_model_weights', 'get_weight', 'list_models', 'get_model_builder']);

export const TIMM_CREATE = ['timm.create_model', 'timm.models.create_model', 'timm.models._factory.create_model'];

/** The library a model-building call belongs to, when it builds a model that has pretrained weights. */
export type PretrainedLibrary = 'torchvision' | 'timm' | 'keras' | 'transformers';

/**
 * A torchvision classification builder (`torchvision.models.resnet18`, `torchvision.models.resnet.resnet18`,
 * `torchvision.models.get_model`): every one of them has ImageNet weights.
 */
export function isTorchvisionClassifier(qualified: string | undefined): boolean {
  if (!qualified?.startsWith('torchvision.models.')) return false;
  const parts = qualified.split('.').slice(2);
  if (parts.length === 0 || parts.length > 2 || TORCHVISION_OTHER_TASKS.has(parts[0])) return false;
  const name = parts[parts.length - 1];
  return !TORCHVISION_NOT_BUILDERS.has(name) && /^[a-z][a-z0-9_]*$/.test(name);
}

/** A Keras application (`keras.applications.ResNet50`, `tf.keras.applications.resnet50.ResNet50`): all have ImageNet weights. */
export function isKerasApplication(qualified: string | undefined): boolean {
  const q = kerasName(qualified);
  if (!q?.startsWith('keras.applications.')) return false;
  const name = q.split('.').pop()!;
  return /^[A-Z]/.test(name);
}

/** A Hugging Face model class's `from_config` (`AutoModelForSequenceClassification.from_config`, `BertForMaskedLM.from_config`). */
export function isHuggingFaceFromConfig(model: Semantic, call: CallSite): boolean {
  if (call.methodName !== 'from_config' || !call.receiver) return false;
  const q = model.qualifiedName(call.receiver);
  return !!q && q.startsWith('transformers.') && !q.endsWith('Config');
}

/**
 * Arguments of a config's `from_pretrained` that leave the checkpoint's architecture as it is: a new
 * classification head (`num_labels=2`), what is returned, where it is read from. Any other
 * (`vocab_size=len(tokenizer)`, `n_layer=6`) may give a shape the checkpoint's weights do not have.
 */
const SAME_ARCHITECTURE = new Set([
  'pretrained_model_name_or_path',
  'num_labels',
  'id2label',
  'label2id',
  'finetuning_task',
  'problem_type',
  'output_hidden_states',
  'output_attentions',
  'return_dict',
  'cache_dir',
  'revision',
  'subfolder',
  'token',
  'use_auth_token',
  'local_files_only',
  'force_download',
  'proxies',
  'trust_remote_code',
]);

/**
 * The hub checkpoint a config comes from: `AutoConfig.from_pretrained("bert-base-uncased", …)`
 * (any `transformers` config class) with a literal name, whose architecture is kept; undefined for a
 * config built by hand, or read from a checkpoint and then resized (`vocab_size=…`, `**overrides`,
 * `config.n_layer = 6`), whose architecture may have no pretrained weights.
 */
export function checkpointOfConfig(model: Semantic, config: Node): { name: Node; call: CallSite } | undefined {
  const made = model.originCall(config);
  if (!made || made.methodName !== 'from_pretrained' || !made.receiver) return undefined;
  const q = model.qualifiedName(made.receiver);
  const name = made.argument('pretrained_model_name_or_path', 0);
  if (!q?.startsWith('transformers.') || !q.endsWith('Config') || !name || model.evaluate(name).kind !== 'string') return undefined;
  if (made.hasStarKwargs || [...made.keywords.keys()].some((k) => !SAME_ARCHITECTURE.has(k))) return undefined;
  if (config.type === 'identifier' && configChanged(model, config.text)) return undefined;
  return { name, call: made };
}

/** Whether a config held by a name is changed after it is read: `config.vocab_size = …`, `config.update(…)`, `setattr(config, …)`. */
function configChanged(model: Semantic, name: string): boolean {
  const changed = model.identifiers(name).some((id) => {
    const attribute = model.parentOf(id);
    if (attribute?.type !== 'attribute' || attribute.childForFieldName('object')?.id !== id.id) return false;
    const field = attribute.childForFieldName('attribute')?.text ?? '';
    const statement = model.parentOf(attribute);
    if (field === 'update' && statement?.type === 'call' && statement.childForFieldName('function')?.id === attribute.id) return true;
    const assigned = (statement?.type === 'assignment' || statement?.type === 'augmented_assignment') && statement.childForFieldName('left')?.id === attribute.id;
    return assigned && !SAME_ARCHITECTURE.has(field);
  });
  return changed || model.callsNamed('setattr').some((c) => c.callee.type === 'identifier' && c.positional[0]?.text === name);
}
