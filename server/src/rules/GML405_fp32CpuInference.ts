import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { DEVICE_FACTS, trainingDevice } from '../frameworks/device';
import { TRAINERS as HF_TRAINERS, isConv1dTransformer, isLinearModelClass } from '../frameworks/huggingface';
import { forwardTarget, gradientUses, hasTrainedWeights, managedByFramework, moduleBase, originOfValue, type ModuleOrigin } from '../frameworks/inference';
import { TRAINERS as LIGHTNING_TRAINERS } from '../frameworks/lightning';
import { namedStatements, within } from '../frameworks/loops';
import { AUTOCAST, DYNAMIC_QUANTIZABLE_LAYERS, INFERENCE_OPTIMIZERS, INFERENCE_RUNTIMES, MODULE_SELF_METHODS, dtypeKind, isConvolution } from '../frameworks/torch';
import { defineRule, fact, type FactContext } from './rule';

/** Whether the script already makes a model cheaper to run: quantizes, compiles, scripts or exports one, or runs it in another runtime. */
function optimizesInference({ sites, model }: FactContext): boolean {
  if (INFERENCE_RUNTIMES.some((p) => model.importsAny([p]))) return true;
  return INFERENCE_OPTIMIZERS.some((p) => {
    if (!p.endsWith('.')) return sites.callsTo([p]).length > 0;
    const module = p.slice(0, -1);
    return sites.callsUnder(module).some((c) => c.qualifiedName !== module);
  });
}

function trains(context: FactContext): boolean {
  if (gradientUses(context).length > 0) return true;
  const { model, sites } = context;
  // A file that imports a Hugging Face trainer trains with it (a local subclass is not looked for:
  // that would read every place the file spells `Trainer`, and every edit near one).
  return sites.callsUnder('torch.optim').length > 0 || sites.callsTo([...LIGHTNING_TRAINERS, ...HF_TRAINERS]).length > 0 || model.importsOf(HF_TRAINERS).length > 0;
}

const facts = {
  ...DEVICE_FACTS,
  optimizesInference: fact.any(optimizesInference),
  trains: fact.any(trains),
  autocasts: fact.any(({ sites }) => sites.callsTo(Object.keys(AUTOCAST)).length > 0),
};

/** The layers a model's code builds: the qualified names of the calls in a local class (and the local classes it builds), or of a Sequential's arguments. */
function layersOf(model: Semantic, origin: ModuleOrigin, depth = 0): string[] | undefined {
  if (origin.cls) {
    const out: string[] = [];
    for (const call of model.callsWithin(origin.cls)) {
      const q = call.qualifiedName;
      if (q) out.push(q);
      else if (depth < 2 && call.callee.type === 'identifier') {
        const inner = originOfValue(model, call.node);
        if (inner?.cls && inner.cls.id !== origin.cls.id) out.push(...(layersOf(model, inner, depth + 1) ?? []));
      }
    }
    return out;
  }
  const q = origin.made.qualifiedName ?? '';
  if (/^torch\.nn\.(modules\.\w+\.)?Sequential$/.test(q)) return model.callsWithin(origin.made.node).map((c) => c.qualifiedName ?? '').filter((n) => n);
  if (q.startsWith('torch.nn.')) return [q];
  return undefined;
}

/** Whether dynamic quantization reaches most of a model's compute: its layers are Linear / recurrent / attention ones and no convolutions. */
function quantizableModel(model: Semantic, origin: ModuleOrigin): boolean {
  const q = origin.made.qualifiedName;
  if (q && q.startsWith('transformers.')) {
    const checkpoint = origin.made.valueOf('pretrained_model_name_or_path', 0);
    return isLinearModelClass(q) && !isConv1dTransformer(q, checkpoint?.kind === 'string' ? checkpoint.value : undefined);
  }
  const layers = layersOf(model, origin);
  return !!layers && layers.some((l) => DYNAMIC_QUANTIZABLE_LAYERS.has(l)) && !layers.some(isConvolution);
}

/** Whether the model is made or turned into something other than fp32: a 16-bit or 8-bit dtype, quantized loading, a device map. */
function notFp32(model: Semantic, target: Node, origin: ModuleOrigin): boolean {
  for (const keyword of ['torch_dtype', 'dtype', 'load_in_8bit', 'load_in_4bit', 'quantization_config', 'device_map']) {
    const value = origin.made.keywords.get(keyword)?.value;
    if (value && !(keyword.endsWith('dtype') && dtypeKind(model, value) === 'full' && model.qualifiedName(value) === 'torch.float32')) return true;
  }
  for (const name of ['half', 'bfloat16', 'to', 'type']) {
    for (const call of model.callsNamed(name)) {
      if (!call.receiver || moduleBase(call.receiver).text !== target.text) continue;
      if (name === 'half' || name === 'bfloat16') return true;
      const dtype = call.keywords.get('dtype')?.value ?? call.positional.find((a) => dtypeKind(model, a) !== 'unknown' || model.qualifiedName(a)?.startsWith('torch.'));
      if (dtype && dtypeKind(model, dtype) !== 'full') return true;
    }
  }
  return false;
}

/** The forward calls of a module name that run repeatedly on the model one assignment makes: in a loop or a function (a request handler, a predict function) that does not make it again, or in a comprehension. */
function repeatedForwards(model: Semantic, target: Node, assignment: Node): Node[] {
  const name = target.type === 'identifier' ? target.text : target.childForFieldName('attribute')?.text;
  if (!name) return [];
  const out: Node[] = [];
  for (const id of model.identifiers(name)) {
    const use = target.type === 'identifier' ? id : model.parentOf(id);
    if (!use || use.text !== target.text) continue;
    let call = model.parentOf(use);
    if (call?.type === 'attribute' && call.childForFieldName('attribute')?.text === 'forward') call = model.parentOf(call);
    if (call?.type !== 'call') continue;
    const site = model.callSite(call);
    if (forwardTarget(model, site)?.text !== target.text || managedByFramework(model, call)) continue;
    // Repeated for the same model: a loop or a function that does not make it again each time (a model loaded per fold runs once).
    const fn = model.enclosingFunction(call);
    const repeated =
      model.enclosingLoops(call).some((loop) => !within(assignment, loop)) ||
      (!!fn && !within(assignment, fn)) ||
      [...model.ancestors(call)].some((a) => a.type.endsWith('comprehension') || a.type === 'generator_expression');
    if (repeated) out.push(call);
  }
  return out;
}

/** The statement after which the model is ready: its assignment, then the `load_state_dict` / `.eval()` / `.to("cpu")` statements on it that follow in the same block. */
function readyAfter(model: Semantic, assignment: Node, target: Node): Node {
  const statement = model.parentOf(assignment);
  const block = statement && model.parentOf(statement);
  if (!statement || !block) return assignment;
  const siblings = namedStatements(block);
  let ready = statement;
  for (const sibling of siblings.slice(siblings.findIndex((s) => s.id === statement.id) + 1)) {
    const expr = sibling.type === 'expression_statement' ? sibling.namedChild(0) : null;
    const call = expr?.type === 'call' ? model.callSite(expr) : expr?.type === 'assignment' && expr.childForFieldName('left')?.text === target.text ? (expr.childForFieldName('right')?.type === 'call' ? model.callSite(expr.childForFieldName('right')!) : undefined) : undefined;
    const preparing = !!call?.receiver && moduleBase(call.receiver).text === target.text && (call.methodName === 'load_state_dict' || MODULE_SELF_METHODS.has(call.methodName));
    if (!preparing) break;
    ready = sibling;
  }
  return ready;
}

/**
 * ## What it flags
 *
 * A CPU inference script or service that runs a trained fp32 PyTorch model made of Linear layers
 * (a Hugging Face text model, or a model class of Linear / LSTM / GRU / attention layers and no
 * convolutions) with no quantization, compilation or export anywhere in the script. It looks for:
 * a model loaded with weights (`from_pretrained`, `load_state_dict`, a pretrained builder), run
 * forward repeatedly — in a loop or a function (a handler called per request) that does not load
 * it again each time (a model loaded per fold and run once is left alone) — in a script that
 * never trains and puts nothing on a GPU (it names the CPU, or no device at all, or hides every GPU
 * before importing torch with a literal `os.environ["CUDA_VISIBLE_DEVICES"] = ""` or `"-1"` at
 * module level, whatever device it then asks for), and imports
 * `torch` (a script that only imports `transformers` is not checked). It stays quiet when the
 * script quantizes (`torch.ao.quantization.*`), compiles (`torch.compile`), scripts or traces
 * (`torch.jit.*`), exports (`torch.onnx`, `torch.export`) or uses ONNX Runtime, OpenVINO, IPEX
 * or Optimum; when the model is half, bfloat16, loaded in 8/4 bits or with a `device_map`; under
 * autocast; for convolutional or unknown architectures (a whole model read by `torch.load`); and
 * for GPT-2's architecture (GPT-2, DistilGPT2, DialoGPT, OpenAI GPT), whose projections are
 * `Conv1D` modules that dynamic quantization of Linear layers does not touch.
 *
 * ## Why
 *
 * Dynamic quantization stores Linear and LSTM weights as int8 and runs those matrix products
 * with int8 arithmetic, computing activation scales on the fly: no calibration data, one line.
 * On CPUs with int8 dot-product instructions (x86 VNNI in AVX-512 or AVX-VNNI, AMX; Arm dot
 * product) the matrix products take a fraction of the fp32 time and the weights a quarter of the
 * memory. PyTorch's dynamic quantization tutorial reports BERT on MRPC running about 1.8 times
 * faster (and 438 MB → 181 MB) for an F1 change under 1 point; here, on a CPU with AVX-512 VNNI,
 * it halved the estimated energy of a Transformer feed-forward classifier (×0.47, see Measured
 * here). The gain depends on the CPU and on how much of the model is Linear layers, and accuracy
 * must be checked, so the finding is a hint.
 *
 * ## Example
 *
 * ```python
 * import torch
 * from transformers import AutoModelForSequenceClassification, AutoTokenizer
 *
 * tokenizer = AutoTokenizer.from_pretrained("distilbert-base-uncased-finetuned-sst-2-english")
 * model = AutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased-finetuned-sst-2-english")
 * model.eval()
 *
 * def classify(texts):
 *     with torch.inference_mode():
 *         return model(**tokenizer(texts, return_tensors="pt", padding=True)).logits.argmax(-1)
 * ```
 *
 * ## Fixed example
 *
 * ```python
 * import torch
 * from transformers import AutoModelForSequenceClassification, AutoTokenizer
 *
 * tokenizer = AutoTokenizer.from_pretrained("distilbert-base-uncased-finetuned-sst-2-english")
 * model = AutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased-finetuned-sst-2-english")
 * model.eval()
 * model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear, torch.nn.LSTM}, dtype=torch.qint8)
 *
 * def classify(texts):
 *     with torch.inference_mode():
 *         return model(**tokenizer(texts, return_tensors="pt", padding=True)).logits.argmax(-1)
 * ```
 *
 * ## Fix safety
 *
 * Unsafe: int8 weights change the outputs slightly, and accuracy must be measured on your data
 * before serving the quantized model. The quantized model runs on the CPU only (moving it to a
 * GPU fails), cannot be trained further, and its state dict differs from the fp32 one (save the
 * fp32 weights, quantize when loading). The fix assigns the quantized model to the same name
 * right after the model is loaded and prepared (`load_state_dict`, `.eval()`, `.to("cpu")`),
 * using `torch.ao.quantization.quantize_dynamic` (PyTorch 1.10 or later; older versions have it
 * as `torch.quantization.quantize_dynamic`). Layers of other types stay fp32.
 *
 * ## Measured here
 *
 * `bench/evidence/GML405`: a classifier of four Transformer feed-forward blocks (768 → 3072 →
 * 768, as in BERT-base; 18.9 million parameters) loads its saved weights and classifies 30
 * batches of 8 sequences of 64 tokens under `inference_mode`, in fp32 (before) or after
 * `torch.ao.quantization.quantize_dynamic` of its Linear layers (after). Debian's python3-torch
 * 1.13.1 (quantized engine oneDNN), one thread, a shared 2-vCPU AMD EPYC VM with AVX-512 VNNI
 * (load average 10–13 from other work); energy estimated
 * from CPU time (4 W per CPU-second) and resident memory (no RAPL). Median of 5
 * runs (spread), whole script (importing torch, saving and loading the weights, and quantizing
 * included): 39.8 J (38.4–40.4) → 18.7 J (18.0–20.4), ×0.47; wall time 29.6 s → 12.5 s. The
 * int8 model changed 1 of the 240 predictions. In a probe of the inference loop alone, the
 * quantized model took a sixth of the fp32 CPU time, and an LSTM classifier about half: the gain
 * is largest where Linear layers do the work, and on CPUs without int8 dot-product instructions
 * it is smaller.
 *
 * Command: `npm run build && node bench/evidence/measure.mjs --runs 5 --json bench/evidence/GML405/result.json bench/evidence/GML405/before.py bench/evidence/GML405/after.py`
 *
 * ## References
 *
 * - PyTorch, *Dynamic quantization on BERT* (tutorial, with the figures above): https://pytorch.org/tutorials/intermediate/dynamic_quantization_bert_tutorial.html
 * - PyTorch, *torch.ao.quantization.quantize_dynamic*: https://pytorch.org/docs/stable/generated/torch.ao.quantization.quantize_dynamic.html
 * - PyTorch, *Quantization* (overview of dynamic, static and QAT modes): https://pytorch.org/docs/stable/quantization.html
 */
export const fp32CpuInference = defineRule({
  code: 'GML405',
  name: 'fp32-cpu-inference',
  summary: 'A CPU inference script runs a trained fp32 PyTorch model of Linear layers with no quantization, compilation or export.',
  defaultSeverity: 'hint',
  frameworks: ['torch'],
  fixSafety: 'unsafe',
  facts,
  check({ model, sites, facts, edits, report }) {
    if (facts.trains || facts.optimizesInference || facts.autocasts) return;
    const device = trainingDevice(facts);
    if (device !== 'cpu' && device !== 'none') return;
    for (const assignment of sites.nodesOfType('assignment')) {
      const target = assignment.childForFieldName('left');
      const value = assignment.childForFieldName('right');
      if (!target || !value || !(target.type === 'identifier' || (target.type === 'attribute' && target.childForFieldName('object')?.text === 'self'))) continue;
      // The assignment that makes the model (not a later `model = model.eval()`, whose origin is reported there).
      if (moduleBase(value).type === 'identifier') continue;
      const origin = originOfValue(model, value);
      if (!origin) continue;
      if (!quantizableModel(model, origin) || notFp32(model, target, origin) || !hasTrainedWeights(model, origin, target)) continue;
      const forwards = repeatedForwards(model, target, assignment);
      if (forwards.length === 0) continue;
      const after = readyAfter(model, assignment, target);
      const torch = edits.importer(after).module('torch');
      const line = `${edits.indentOf(after.startPosition.row)}${target.text} = ${torch.name}.ao.quantization.quantize_dynamic(${target.text}, {${torch.name}.nn.Linear, ${torch.name}.nn.LSTM}, dtype=${torch.name}.qint8)`;
      const changes = [edits.insertLine(after.endPosition.row + 1, line)];
      if (torch.edit) changes.push(torch.edit);
      report({
        node: within(origin.made.node, value) ? origin.made.callee : value,
        message:
          `\`${target.text}\` is a trained fp32 model of Linear layers that this script runs on the CPU with no quantization, compilation or export. ` +
          'Dynamic int8 quantization of its Linear layers can cut its CPU time on CPUs with int8 dot-product instructions (VNNI, AMX): ' +
          'about half the energy of a Transformer feed-forward classifier in our measurement. Check the accuracy.',
        fixes: [{ title: 'Quantize its Linear and LSTM layers to int8 with torch.ao.quantization.quantize_dynamic', edits: changes }],
      });
    }
  },
});
