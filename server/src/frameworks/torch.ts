// PyTorch and Hugging Face Accelerate: the qualified names of autocast, gradient scaling and the
// Accelerator, and what their arguments mean for precision.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { truthiness } from '../analysis/values';
import { keywordValue } from './keywordArguments';

/** Autocast entry points and the position of their `enabled` parameter. */
export const AUTOCAST: Readonly<Record<string, number>> = {
  'torch.autocast': 2,
  'torch.amp.autocast': 2,
  'torch.amp.autocast_mode.autocast': 2,
  'torch.cuda.amp.autocast': 0,
  'torch.cuda.amp.autocast_mode.autocast': 0,
  'torch.cpu.amp.autocast': 0,
  'torch.cpu.amp.autocast_mode.autocast': 0,
};

/** The device-specific AMP entry points deprecated for `torch.amp` (autocast since 2.4, GradScaler since 2.3). */
export const DEPRECATED_AMP: Readonly<Record<string, { device: string; kind: 'autocast' | 'GradScaler'; since: string }>> = {
  'torch.cuda.amp.autocast': { device: 'cuda', kind: 'autocast', since: '2.4' },
  'torch.cuda.amp.autocast_mode.autocast': { device: 'cuda', kind: 'autocast', since: '2.4' },
  'torch.cpu.amp.autocast': { device: 'cpu', kind: 'autocast', since: '2.4' },
  'torch.cuda.amp.GradScaler': { device: 'cuda', kind: 'GradScaler', since: '2.3' },
  'torch.cuda.amp.grad_scaler.GradScaler': { device: 'cuda', kind: 'GradScaler', since: '2.3' },
  'torch.cpu.amp.GradScaler': { device: 'cpu', kind: 'GradScaler', since: '2.3' },
};

/** `torch.amp.autocast`'s parameters after `device_type`, in order (a deprecated call's positional ones). */
export const AUTOCAST_PARAMETERS = ['enabled', 'dtype', 'cache_enabled'] as const;

export const LOW_PRECISION_DTYPES: ReadonlySet<string> = new Set(['torch.float16', 'torch.half', 'torch.bfloat16']);

export const ACCELERATORS = ['accelerate.Accelerator', 'accelerate.accelerator.Accelerator'];

/** PyTorch's device-agnostic accelerator queries (2.6+): code written with them runs on whichever accelerator the machine has. */
export const TORCH_ACCELERATOR_QUERIES = ['torch.accelerator.is_available', 'torch.accelerator.current_accelerator'];

export const DATALOADERS = ['torch.utils.data.DataLoader', 'torch.utils.data.dataloader.DataLoader'];

/** DataLoader(dataset, batch_size, shuffle, sampler, batch_sampler, num_workers, collate_fn, pin_memory, …): positions. */
export const DATALOADER_NUM_WORKERS = 5;
export const DATALOADER_COLLATE_FN = 6;
export const DATALOADER_PIN_MEMORY = 7;

/** Datasets whose items are tensors already in memory: nothing to load or transform per item. */
export const IN_MEMORY_DATASETS: ReadonlySet<string> = new Set(['torch.utils.data.TensorDataset', 'torch.utils.data.dataset.TensorDataset']);

/** Views of another dataset: `random_split(dataset, lengths)` (each part), `Subset(dataset, indices)`. */
const DATASET_VIEWS: ReadonlySet<string> = new Set([
  'torch.utils.data.random_split',
  'torch.utils.data.dataset.random_split',
  'torch.utils.data.Subset',
  'torch.utils.data.dataset.Subset',
]);

/** The call that made a dataset, also through `a, b = random_split(…)` (the call right of a destructuring assignment). */
function datasetOrigin(model: Semantic, expr: Node): CallSite | undefined {
  const origin = model.originCall(expr);
  if (origin || expr.type !== 'identifier') return origin;
  const binding = model.lookup(expr.text, expr).filter((b) => b.node.type === 'assignment').at(-1);
  const right = binding?.node.childForFieldName('right');
  return right?.type === 'call' ? model.callSite(right) : undefined;
}

/**
 * The dataset a `random_split` part or a `Subset` views, through views of views
 * (`train_set, val_set = random_split(full, …)` → `full`); any other expression is itself.
 */
export function viewedDataset(model: Semantic, expr: Node, depth = 0): Node {
  if (depth > 4) return expr;
  const origin = datasetOrigin(model, expr);
  const inner = origin && DATASET_VIEWS.has(origin.qualifiedName ?? '') ? origin.argument('dataset', 0) : undefined;
  return inner ? viewedDataset(model, inner, depth + 1) : expr;
}

/**
 * Whether a dataset expression holds tensors already in memory: a `TensorDataset`, or a
 * `random_split` part / `Subset` of one (`train_set, val_set = random_split(TensorDataset(…), …)`).
 */
export function isInMemoryDataset(model: Semantic, expr: Node): boolean {
  const q = datasetOrigin(model, viewedDataset(model, expr))?.qualifiedName;
  return !!q && IN_MEMORY_DATASETS.has(q);
}

const ACCELERATE_MIXED = new Set(['fp16', 'bf16', 'fp8']);

/** An Accelerator's precision: `mixed_precision` absent, None or "no" is fp32; any other literal mode is mixed; a non-literal is unknown. */
export function accelerateMixed(call: CallSite, model: Semantic): 'no' | 'mixed' | 'unknown' {
  // Read through `**accelerator_log_kwargs` too: a dict of the file's whose every key is a literal other than mixed_precision leaves it unset.
  const v = keywordValue(call, 'mixed_precision', 2, model);
  if (v === undefined || v.kind === 'none') return 'no';
  if (v.kind === 'string') return v.value === 'no' ? 'no' : ACCELERATE_MIXED.has(v.value) ? 'mixed' : 'unknown';
  return 'unknown';
}

/**
 * The `Accelerator(…)` calls an expression's value comes from: the call it was made by, or each
 * branch of `Accelerator(log_with=…) if args.with_tracking else Accelerator()` (Hugging Face's
 * `*_no_trainer.py` examples); undefined when any of them is something else.
 */
export function acceleratorCalls(model: Semantic, expr: Node, depth = 0): CallSite[] | undefined {
  // Asked of every `x.backward()`: a file without Accelerate is answered without looking `x` up.
  if (depth > 6 || (depth === 0 && !model.importsAny(['accelerate']))) return undefined;
  if (expr.type === 'parenthesized_expression') {
    const inner = expr.namedChildren.find((c) => c && c.type !== 'comment');
    return inner ? acceleratorCalls(model, inner, depth + 1) : undefined;
  }
  if (expr.type === 'conditional_expression') {
    const [body, , alternative] = expr.namedChildren;
    const a = body && acceleratorCalls(model, body, depth + 1);
    const b = alternative && acceleratorCalls(model, alternative, depth + 1);
    return a && b ? [...a, ...b] : undefined;
  }
  if (expr.type === 'identifier') {
    const bindings = model.lookup(expr.text, expr);
    const value = bindings.length === 1 && bindings[0].kind === 'assign' ? bindings[0].value : undefined;
    if (value?.type === 'conditional_expression' || value?.type === 'parenthesized_expression') return acceleratorCalls(model, value, depth + 1);
  }
  const origin = expr.type === 'call' ? model.callSite(expr) : model.originCall(expr);
  return origin && ACCELERATORS.includes(origin.qualifiedName ?? '') ? [origin] : undefined;
}

/** Whether an expression is (or is bound to, or may be) an enabled autocast context: `enabled=False` (literal) turns one off. */
export function isAutocast(model: Semantic, expr: Node, depth = 0): boolean {
  if (depth > 6) return false;
  switch (expr.type) {
    case 'parenthesized_expression': {
      const inner = expr.namedChildren.find((c) => c && c.type !== 'comment');
      return !!inner && isAutocast(model, inner, depth + 1);
    }
    case 'conditional_expression': {
      const [body, , alternative] = expr.namedChildren;
      return (!!body && isAutocast(model, body, depth + 1)) || (!!alternative && isAutocast(model, alternative, depth + 1));
    }
    case 'identifier':
      return model.lookup(expr.text, expr).some((b) => b.kind === 'assign' && b.value && isAutocast(model, b.value, depth + 1));
    case 'call': {
      const site = model.originCall(expr) ?? model.callSite(expr);
      const position = AUTOCAST[site.qualifiedName ?? ''];
      if (position === undefined) return site.node.id !== expr.id && isAutocast(model, site.node, depth + 1);
      const enabled = site.valueOf('enabled', position);
      return !enabled || truthiness(enabled) !== false;
    }
    default:
      return false;
  }
}

/** Whether a dtype expression is a 16-bit float, another torch dtype, or cannot be told. */
export function dtypeKind(model: Semantic, expr: Node): 'low' | 'full' | 'unknown' {
  const q = model.qualifiedName(expr);
  if (q && LOW_PRECISION_DTYPES.has(q)) return 'low';
  // Any other torch dtype (torch.float32, torch.long, …) keeps the model in full precision.
  if (q && q.startsWith('torch.')) return 'full';
  const v = model.evaluate(expr);
  if (v.kind === 'string') return ['float16', 'half', 'bfloat16'].includes(v.value) ? 'low' : 'full';
  return 'unknown';
}

// ---- inference: grad mode, autograd, modules, loaders, optimized models ----------------------

/** Contexts and decorators that choose the grad mode (`no_grad`, `inference_mode`, `set_grad_enabled`, `enable_grad`). */
export const GRAD_MODE: ReadonlySet<string> = new Set(
  ['no_grad', 'inference_mode', 'set_grad_enabled', 'enable_grad'].flatMap((n) => [`torch.${n}`, `torch.autograd.${n}`, `torch.autograd.grad_mode.${n}`]),
);

export const SET_GRAD_ENABLED: readonly string[] = ['torch.set_grad_enabled', 'torch.autograd.set_grad_enabled', 'torch.autograd.grad_mode.set_grad_enabled'];

/** Namespaces whose functions compute gradients (`torch.autograd.grad`, `torch.func.vjp`, `functorch.jacrev`, …). */
export const AUTOGRAD_NAMESPACES: readonly string[] = ['torch.autograd.', 'torch.func.', 'functorch.'];

/** `nn.Module` and the classes a model class derives from to be one. */
export const MODULE_BASES: ReadonlySet<string> = new Set([
  'torch.nn.Module',
  'torch.nn.modules.module.Module',
  'torch.nn.Sequential',
  'torch.nn.ModuleList',
  'lightning.LightningModule',
  'lightning.pytorch.LightningModule',
  'lightning.pytorch.core.LightningModule',
  'pytorch_lightning.LightningModule',
  'pytorch_lightning.core.LightningModule',
  'pytorch_lightning.core.lightning.LightningModule',
  'transformers.PreTrainedModel',
  'transformers.modeling_utils.PreTrainedModel',
]);

/** Calls that read a whole module (architecture and weights) from a file or hub. */
export const MODULE_LOADERS: ReadonlySet<string> = new Set(['torch.load', 'torch.serialization.load', 'torch.jit.load', 'torch.hub.load']);

/** Module methods that return the module itself (`model.to(device).eval()` is still `model`). */
export const MODULE_SELF_METHODS: ReadonlySet<string> = new Set(['to', 'cuda', 'cpu', 'eval', 'train', 'float', 'requires_grad_', 'share_memory', 'zero_grad']);

/** Layers that `quantize_dynamic` makes int8 (with their modules' aliases). */
export const DYNAMIC_QUANTIZABLE_LAYERS: ReadonlySet<string> = new Set(
  ['Linear', 'LSTM', 'GRU', 'RNN', 'LSTMCell', 'GRUCell', 'RNNCell', 'Bilinear', 'MultiheadAttention', 'Transformer', 'TransformerEncoder', 'TransformerDecoder', 'TransformerEncoderLayer', 'TransformerDecoderLayer'].flatMap(
    (n) => [`torch.nn.${n}`, `torch.nn.modules.${n}`],
  ),
);

/** Layers whose compute dynamic quantization leaves in fp32 (convolutions): a model made of them gains little. */
export function isConvolution(qualified: string): boolean {
  return /^torch\.nn\.(modules\.(conv\.)?)?(Conv|ConvTranspose|LazyConv)[123]d$/.test(qualified);
}

/** What already makes a model cheaper to run on a CPU: quantization, compilation, TorchScript, export. */
export const INFERENCE_OPTIMIZERS: readonly string[] = [
  'torch.quantization.',
  'torch.ao.quantization.',
  'torch.ao.nn.quantized.',
  'torch.nn.quantized.',
  'torch.compile',
  'torch.jit.',
  'torch.onnx.',
  'torch.export.',
  'torch.fx.',
  'torch.utils.mobile_optimizer.',
];

/** Runtimes that run an exported or optimized model instead of eager fp32 PyTorch. */
export const INFERENCE_RUNTIMES: readonly string[] = ['onnxruntime', 'openvino', 'intel_extension_for_pytorch', 'optimum', 'torch_tensorrt', 'ctranslate2', 'tensorrt'];

/** `torch.ao.quantization.quantize_dynamic(model, qconfig_spec, dtype)`: in torch ≥ 1.10. */
export const QUANTIZE_DYNAMIC = 'torch.ao.quantization.quantize_dynamic';

/** float64 dtypes as PyTorch and NumPy spell them (`torch.double` is `torch.float64`). */
export const TORCH_FLOAT64: ReadonlySet<string> = new Set(['torch.float64', 'torch.double']);
export const NUMPY_FLOAT64: ReadonlySet<string> = new Set(['numpy.float64', 'numpy.double', 'numpy.float_']);
/** NumPy dtype strings for float64 (NumPy accepts them wherever a dtype goes; PyTorch does not). */
export const NUMPY_FLOAT64_STRINGS: ReadonlySet<string> = new Set(['float64', 'double', 'f8']);
/** The legacy tensor types of float64 (`x.type(torch.DoubleTensor)`, `torch.set_default_tensor_type`). */
export const TORCH_DOUBLE_TENSORS: ReadonlySet<string> = new Set(['torch.DoubleTensor', 'torch.cuda.DoubleTensor']);
/** Calls that set the dtype every new tensor and module gets. */
export const DEFAULT_DTYPE_SETTERS: ReadonlySet<string> = new Set(['torch.set_default_dtype', 'torch.set_default_tensor_type']);
const CAST_METHODS: ReadonlySet<string> = new Set(['float', 'half', 'bfloat16', 'double', 'int', 'long', 'short', 'bool', 'byte', 'char']);

/** A dtype given to `.to(…)` / `.type(…)`: positionally (a `torch.` dtype or tensor type) or as `dtype=`. */
export function dtypeArgument(model: Semantic, call: CallSite): Node | undefined {
  const keyword = call.keywords.get('dtype')?.value;
  if (keyword) return keyword;
  return call.positional.find((a) => {
    const q = model.qualifiedName(a);
    return !!q && q.startsWith('torch.') && q !== 'torch.device' && !q.startsWith('torch.cuda.device');
  });
}

/** Whether a method call casts its tensor or module to another dtype (`.float()`, `.to(torch.float16)`, `.type(torch.FloatTensor)`). */
export function castsDtype(model: Semantic, call: CallSite): boolean {
  if (!call.receiver || call.qualifiedName) return false;
  if (CAST_METHODS.has(call.methodName)) return true;
  if (call.methodName === 'type') return call.positional.length > 0 || call.keywords.has('dtype');
  return call.methodName === 'to' && !!dtypeArgument(model, call);
}
/** PyTorch calls that make a tensor from data as it is (float64 NumPy data stays float64 unless `dtype` says otherwise). */
export const FROM_DATA: ReadonlySet<string> = new Set(['torch.from_numpy', 'torch.tensor', 'torch.as_tensor', 'torch.asarray']);

/** `torch.compile` and its module form. */
export const COMPILE = ['torch.compile'];

/**
 * Calls that exist only from PyTorch 2.0 on (the version each arrived in, in brackets): a script
 * that makes one is written for PyTorch 2, where `torch.compile` is available.
 */
export const TORCH2_CALLS: readonly string[] = [
  'torch.compile', // 2.0
  'torch.set_default_device', // 2.0
  'torch.nn.functional.scaled_dot_product_attention', // 2.0
  'torch.backends.cuda.sdp_kernel', // 2.0
  'torch.func.functional_call', // 2.0
  'torch.func.vmap', // 2.0
  'torch.func.grad', // 2.0
  'torch.mps.synchronize', // 2.0
  'torch.mps.empty_cache', // 2.0
  'torch.export.export', // 2.1
  'torch.nn.utils.parametrizations.weight_norm', // 2.1
  'torch.distributed.device_mesh.init_device_mesh', // 2.2
  'torch.amp.GradScaler', // 2.3
  'torch.get_default_device', // 2.3
  'torch.nn.attention.sdpa_kernel', // 2.3
  'torch.serialization.add_safe_globals', // 2.4
  'torch.distributed.fsdp.fully_shard', // 2.6
  'torch.accelerator.is_available', // 2.6
  'torch.accelerator.current_accelerator', // 2.6
  'torch.accelerator.device_count', // 2.6
  'torch.accelerator.set_device_index', // 2.6
  'torch.accelerator.synchronize', // 2.6
];
