import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { TextEdit } from '../analysis/types';
import type { Edits } from '../fixes/edits';
import { lossAssignments, lossName, lossRegions, loopOf, type LoopPlace } from '../frameworks/loops';
import { DEVICE_FACTS, trainingDevice, type TrainingDevice } from '../frameworks/device';
import { accelerateMixed, acceleratorCalls } from '../frameworks/torch';
import { constructorCalls } from '../frameworks/callbacks';
import { fabricValue } from '../frameworks/fabric';
import { trainsFloat64Model } from '../frameworks/float64';
import { FABRICS } from '../frameworks/lightning';
import { MIXED_PRECISION_FACTS, Precision, autocastDevice, autocastRegionEdits, gradScalerEdits } from '../frameworks/mixedPrecision';
import { trainsSmallTorchModel } from '../frameworks/modelSize';
import { gradientKind, updateAfter } from '../frameworks/training';
import { defineRule, fact, type FixOptions, type ReportedFix } from './rule';

const facts = {
  ...MIXED_PRECISION_FACTS,
  buildsFabric: fact.any(({ model, sites }) => constructorCalls(model, sites, FABRICS).length > 0),
  ...DEVICE_FACTS,
};

/** The backward calls of one loop, reported together. */
interface LoopGroup extends LoopPlace {
  backwards: CallSite[];
  /** The `Accelerator(…)` calls the loop's accelerator is made by (two for `A(…) if c else A()`). */
  accelerator?: CallSite[];
}

/**
 * ## What it flags
 *
 * A PyTorch training loop (`for` or `while`) that calls `.backward()` and then an optimizer step
 * while nothing lowers the precision of its forward pass. The finding is placed on the first
 * `.backward()` call of the loop (one finding per loop). Backward calls inside a function that is
 * called from a loop count too, and so do those in a PyTorch-Ignite process function
 * (`Engine(process_function)`), which the engine runs once per iteration. A loop that computes gradients without an optimizer step (an
 * adversarial attack, a saliency map) is not training and is left alone; so are Lightning Fabric
 * loops (`fabric.backward(loss)`), whose precision [GML104](GML104.md) checks. The Fabric is
 * followed to where it reaches the loop: assigned from `Fabric(…)` (any import spelling:
 * `from lightning.fabric import Fabric as F`, `L.Fabric`), a function parameter the file's calls
 * pass a Fabric (or annotated `fabric: L.Fabric`), or `self.fabric` when the class assigns it a
 * Fabric (built in `__init__`, or handed to its constructor). In a file that builds a Fabric,
 * `x.backward(loss)` on an object the rule cannot follow (a parameter nothing in the file passes)
 * is taken for the Fabric and left alone. A class of the file's own that is merely named `Fabric`
 * is not Lightning's: its `backward(loss)` is checked like any other.
 *
 * The advice depends on where the script computes (the `target-device` setting says it when set):
 *
 * - on CUDA, or on a device it picks at run time (`"cuda" if torch.cuda.is_available() else
 *   "cpu"`, a device passed in), or with Accelerate: reported;
 * - pinned to the CPU (`torch.device("cpu")`, `"cpu"` and no GPU anywhere, or every GPU hidden with
 *   a literal `os.environ["CUDA_VISIBLE_DEVICES"] = ""` or `"-1"` at module level before torch is
 *   imported, whatever device the script then asks for): reported only with
 *   `target-device = "cpu"`, which says the CPU runs bf16 fast (AMX or AVX-512 BF16);
 * - no device handling at all (everything stays on the CPU), or a device chosen and never used
 *   (nothing is moved to it: `device = …` only printed): reported only when `target-device` is set.
 *
 * A model too small to gain is left alone: when the model the loop's optimizer trains
 * (`torch.optim.X(model.parameters(), …)`, followed through `train_step(model, …, optimizer)` to
 * every call of that function in the file) is built in the file and every one of its layers is at
 * most 32 wide (a single built-in layer trained as the model, `nn.Linear(16, 4)`, counts as a model
 * of one layer), nothing is reported. The width of a layer is its output size: `out_features` of
 * `nn.Linear`, `out_channels` of a convolution, `embedding_dim`, `hidden_size` of an LSTM/GRU/RNN,
 * every dimension of an `nn.Parameter(torch.randn(…))`. It must be known: a literal, an `__init__`
 * default, a literal passed where the model is constructed (`Net(hidden_units=10)`), a module
 * constant, an argparse default, or the largest of a literal tuple or list a `for` loop runs over
 * (`for hidden in hidden_units:` with `hidden_units=(32, 16)`). `nn.Sequential(*layers)` counts
 * the layers the list collects (`layers = [nn.Flatten()]`, then `.append(…)`, `.extend([…])`,
 * `+= […]`); a list used any other way is unknown. torchmetrics metrics and a call only compared
 * (`if parse_version(v) > …:`) are no layers. A size read from the data (`len(class_names)`, `X.shape[1]`,
 * `labels.max().item() + 1`) is the data's number of features or classes, as Keras never writes the
 * input width, and does not count. Anything else — a width from a variable, a layer the rule does
 * not know (attention, a layer from another module), a pretrained or imported model, a module
 * handed to the model's `__init__` (`Classifier(encoder)`), a base class of the file's own, an
 * optimizer of unknown origin — is unknown, and the loop is reported as before. The rule does not
 * see the batch or image size: a convolution net of at most 32 channels on large images is left
 * alone too, although 16-bit activations would halve its memory traffic on a GPU.
 *
 * A model trained in float64 is left alone too: autocast casts only float32 operations, so it
 * would leave a float64 model's forward pass as it is ([GML106](GML106.md) reports float64
 * training). The model is the one the loop's optimizer trains, followed as above; it is float64
 * when `.double()`, `.to(torch.float64)` or `.type(torch.DoubleTensor)` is called on it (where it
 * is built, or as a statement on its name), when it is built with `dtype=torch.float64`, or when
 * `torch.set_default_dtype(torch.float64)` (or `set_default_tensor_type(torch.DoubleTensor)`) is
 * called at module level. `.double()` on a tensor, not the model, does not count; a model of
 * unknown dtype is reported as before.
 *
 * Mixed precision counts as *in effect*, and nothing is reported, when any of these holds:
 *
 * - an autocast context or decorator: `torch.autocast`, `torch.amp.autocast`, `torch.cuda.amp.autocast`,
 *   `torch.cpu.amp.autocast` (any import spelling or alias), around the backward call or the loss
 *   assignment, inside the loop, on a `forward` method, on a function the loop calls, or around a call
 *   of the function that contains the loop. A context held in a variable (`ctx = nullcontext() if cpu
 *   else torch.autocast("cuda")`) counts. `enabled=False` written as a literal switches it off; any other
 *   `enabled` value is unknown and counts as on;
 * - a half or bf16 model anywhere in the file: `.half()`, `.bfloat16()`, `.to(torch.float16)`,
 *   `.to(torch.bfloat16)`, `.to(dtype=…)` with a 16-bit or non-literal dtype;
 * - `torch.set_default_dtype(torch.float16 | torch.bfloat16)` (or a non-literal dtype);
 * - Hugging Face Accelerate with `Accelerator(mixed_precision="fp16" | "bf16" | "fp8")` or a
 *   non-literal value. `Accelerator()` without `mixed_precision`, with `None` or with `"no"` trains
 *   in fp32; its `accelerator.backward(loss)` is then the flagged call. An accelerator chosen between
 *   two (`Accelerator(log_with=…) if args.with_tracking else Accelerator()`) trains in fp32 when
 *   both do, and the fix sets `mixed_precision` on both. `Accelerator(**accelerator_log_kwargs)`
 *   reads the dict the same function (or the script's top level) builds: one that starts as a
 *   literal and only gets literal string keys other than `mixed_precision`
 *   (`accelerator_log_kwargs["log_with"] = args.report_to`, in branches too) trains in fp32; a
 *   non-literal key, a `mixed_precision` key, `d.update(…)`, or the dict handed to a function is
 *   unknown and not reported.
 *
 * ## Why
 *
 * Tensor Cores run 16-bit matrix maths far faster than fp32: an A100's dense fp16/bf16 peak is
 * 312 TFLOPS against 19.5 TFLOPS for plain fp32, and the PyTorch team puts the A100's float16 matmul
 * and convolution peak at 16× the float32 one. 16-bit activations also halve the memory traffic of
 * bandwidth-bound kernels. In practice automatic mixed precision commonly cuts training step time
 * by 1.5–3× on Volta-or-newer GPUs with the same accuracy, and the energy of a run falls with its
 * duration, since a GPU draws roughly the same power whichever precision it computes in.
 * Micikevicius et al. showed mixed precision reaching fp32 accuracy across image, speech and language
 * models. On the CPU the saving exists only where the CPU has native bf16 arithmetic (AMX on Intel
 * Sapphire Rapids and newer, AVX-512 BF16 on Intel Cooper Lake and AMD Zen 4 and newer); elsewhere
 * bf16 autocast converts back and forth and runs slower, which is why a CPU script is reported only
 * when `target-device = "cpu"` says it runs on such a CPU. Even there it pays only where large
 * matrix products dominate; on small models it slows training down (see *Measured here*).
 *
 * ## Example
 *
 * ```python
 * import torch
 *
 * for epoch in range(10):
 *     for x, y in loader:
 *         optimizer.zero_grad()
 *         x, y = x.to(device), y.to(device)
 *         out = model(x)
 *         loss = criterion(out, y)
 *         loss.backward()
 *         optimizer.step()
 * ```
 *
 * ## Fixed example
 *
 * ```python
 * import torch
 *
 * for epoch in range(10):
 *     for x, y in loader:
 *         optimizer.zero_grad()
 *         x, y = x.to(device), y.to(device)
 *         with torch.autocast(device_type="cuda", dtype=torch.bfloat16):
 *             out = model(x)
 *             loss = criterion(out, y)
 *         loss.backward()
 *         optimizer.step()
 * ```
 *
 * The fix wraps the run of plain statements that ends with the assignment of the tensor whose
 * `.backward()` is called (`loss`, also found through `scaler.scale(loss)`, `loss / n`, `out.loss`),
 * starting after any `zero_grad()`, `step()` or data-movement statement (`x = x.to(device)`, batch
 * unpacking). A `with torch.no_grad():` block of forward statements in that run (a frozen
 * backbone's forward before the trainable head, in linear probing: most of the step's compute) goes
 * inside as a whole, and so does an `if`/`else` of forward statements that computes what the loss
 * reads (word_language_model's `if model == "Transformer": output = model(data) else: output,
 * hidden = model(data, hidden)`). `.backward()` itself stays outside the block, as PyTorch
 * recommends. With several backward calls in one loop (a GAN, say) each loss computation gets its
 * own block.
 *
 * Binary cross-entropy on probabilities — `nn.BCELoss` (called through the name or `self.`
 * attribute that holds it, `criterion = nn.BCELoss()`) or `torch.nn.functional.binary_cross_entropy` under any import
 * spelling — stays outside the block: CUDA autocast refuses it whatever the dtype ("unsafe to
 * autocast"), so the fixed script would fail on its first step. The statements before and after it
 * get a block each, and its input is cast back to float32: `err = criterion(output.float(), label)`
 * (the target too when the block computes it). When that cannot be done — the loss is computed in
 * an `if` or `with` statement, runs the model inside its call (`criterion(model(x), y)`), takes a
 * `weight`, or shares a line with the forward — no fix is offered, and the message says to compute
 * the loss from logits with `nn.BCEWithLogitsLoss`, which autocast runs in float32.
 *
 * - **device_type**: the `target-device` setting when set; otherwise `"cuda"` if the script names
 *   CUDA (`.cuda()`, a `"cuda"`/`"cuda:N"` string, a `torch.cuda` function). When it picks the device
 *   at run time the fix never writes `"cuda"`: it autocasts on the device the loop moves its tensors
 *   to, `device_type=torch.device(device).type` (the expression in `x.to(device)`, also when `device`
 *   is assigned in both branches of an `if`, `torch.accelerator.current_accelerator()` in one and
 *   `torch.device("cpu")` in the other), or, with none in the loop,
 *   `device_type="cuda" if torch.cuda.is_available() else "cpu"`.
 * - **dtype**: `torch.bfloat16` by default, `torch.float16` with `prefer-dtype = "fp16"`. For fp16 on
 *   CUDA the fix also creates `scaler = torch.amp.GradScaler("cuda")` before the outermost loop and
 *   rewrites `loss.backward(); optimizer.step()` into `scaler.scale(loss).backward();
 *   scaler.step(optimizer); scaler.update()`. It does so only in that simple case (a plain
 *   `loss.backward()` directly in the loop, one backward per loop, followed in the same block by
 *   `opt.step()`); otherwise the fix title asks you to add the scaler yourself.
 * - With Accelerate, the fix sets `Accelerator(mixed_precision="bf16")` (or `"fp16"`) instead.
 *
 * ## Fix safety
 *
 * Unsafe. Lower precision changes numerics; most models train to the same accuracy, but some need
 * care (loss functions done in fp32, a GradScaler for fp16). bf16 needs an Ampere-or-newer GPU
 * (`torch.cuda.is_bf16_supported()`), a TPU or a CPU with bf16 support; fp16 on the CPU is only
 * supported by recent torch releases. `torch.autocast(device_type="cpu", dtype=torch.bfloat16)`
 * works from torch 1.10 (Debian's torch 1.13 included), while `torch.amp.GradScaler` needs
 * torch ≥ 2.3 — the fix title says so whenever it adds one. When Accelerate is launched with
 * `accelerate launch --mixed_precision …` and `Accelerator()` gets no argument, the launcher's
 * setting applies; the rule cannot see it and reports fp32.
 *
 * ## Measured here
 *
 * The GPU effect (Tensor Cores) needs a GPU and was not measured here: no GPU was lent to the
 * session that wrote this section. On the CPU, `bench/evidence/GML101/` trains three models in fp32
 * and under `torch.autocast(device_type="cpu", dtype=torch.bfloat16)` (the fix for a CPU target),
 * Debian's torch 1.13.1 (oneDNN 2.6.3 for bf16, OpenBLAS 0.3.21 for fp32), one thread, on generated
 * data. Median of 5 runs (min–max); energy estimated from CPU time (no RAPL on this machine); each
 * run includes about 1.5 s of Python start and `import torch`:
 *
 * | model (batch), steps | CPU time fp32 → bf16 | energy fp32 → bf16 | energy ratio | validation accuracy |
 * |---|---|---|---|---|
 * | MLP 512 → 1024 → 1024 → 10 (256), 400 steps | 13.3 s (12.9–13.6) → 6.7 s (6.5–6.9) | 59.9 J (56.8–61.7) → 30.7 J (28.9–31.0) | ×0.51 | 0.779 → 0.778 |
 * | CNN, 3×3 conv 32 and 64 channels, 28×28 (64), 432 steps | 19.9 s (15.4–20.4) → 16.1 s (13.6–18.3) | 88.6 J (67.3–91.6) → 71.6 J (58.7–82.3) | ×0.81 | 0.996 → 0.996 |
 * | MLP 20 → 64 → 64 → 2 (64), 3 756 steps | 3.6 s (3.4–3.8) → 4.8 s (4.7–5.2) | 16.3 J (15.1–17.2) → 21.4 J (20.2–22.8) | ×1.32 | 0.962 → 0.963 |
 *
 * On this CPU (`/proc/cpuinfo`: model name "AMD EPYC", family 26 model 2; flags include
 * `avx512f`, `avx512_bf16`, `avx512_vnni`; no `amx_*` flags) bf16 autocast halved the energy of the
 * matmul-heavy MLP, saved a fifth on the small CNN (in every one of the 5 paired runs) and cost a
 * third more on the small MLP, whose 64-unit layers are too small for the bf16 kernels to outweigh
 * the casts autocast adds. Accuracy was unchanged in all three. So on a CPU the advice pays only for
 * large enough layers, and only with native bf16 instructions: AVX512_BF16's `VDPBF16PS` dot
 * product or AMX tiles (Intel's *PyTorch Mixed Precision* page; a CPU without them was not measured
 * here). The message says so instead of promising a saving.
 *
 * **Where it stops paying: widths 64 to 512.** The small MLP again (20 → W → W → 2, batch 64, the
 * same 3 756 steps), with only its width W changed (`before_w128.py` … `after_w512.py`; median of 5
 * runs, CPU time as the scripts report it):
 *
 * | width W | CPU time fp32 → bf16 | energy fp32 → bf16 | energy ratio | validation accuracy |
 * |---|---|---|---|---|
 * | 64 | 3.6 s → 4.8 s | 16.3 J → 21.4 J | ×1.32 | 0.962 → 0.963 |
 * | 128 | 3.6 s (3.3–3.8) → 4.8 s (4.3–5.5) | 15.9 J (14.5–16.8) → 20.6 J (18.0–24.1) | ×1.30 | 0.970 → 0.970 |
 * | 256 | 5.4 s (4.7–5.7) → 5.7 s (4.8–7.0) | 23.2 J (19.9–24.1) → 24.8 J (20.4–30.7) | ×1.07 | 0.971 → 0.971 |
 * | 512 | 16.8 s (16.4–20.3) → 9.9 s (9.1–11.6) | 73.6 J (70.4–85.1) → 43.2 J (40.1–49.5) | ×0.59 | 0.973 → 0.969 |
 *
 * On this CPU bf16 autocast costs more up to 256-wide layers and pays from 512 on: the crossover
 * lies between 256 and 512 for a dense network at batch 64. Convolutions reach it sooner, since
 * each filter is applied at every pixel: the CNN with 32 and 64 channels above saved a fifth, and
 * one with two 32-channel convolutions (`before_cnn32.py`, `after_cnn32.py`) broke about even
 * (11.9 s → 11.4 s CPU time, 51.5 J → 48.8 J, ×0.95, within the spread; accuracy 0.998 → 0.997).
 * The rule therefore stays quiet only on models whose every layer is at most **32** wide, where
 * bf16 saved nothing worth the change here, and keeps reporting from 33 on: on a GPU the
 * crossover was not measured (no GPU was lent to the session that measured this), so a model that
 * might gain there is still reported. What published sources say about tiny models on GPUs: the
 * PyTorch AMP recipe's troubleshooting notes that a network that does not saturate the GPU with
 * work is CPU-bound, so AMP's effect on the GPU "won't matter", and that Tensor Cores want matmul
 * sizes that are multiples of 8; NVIDIA's *Get Started With Deep Learning Performance* says that
 * fully-connected and convolutional layers are memory-bound, where faster maths (Tensor Cores)
 * does not help, "mostly when one or more parameters of a layer are small".
 *
 * Command: `npm run build && node bench/evidence/measure.mjs --runs 5 --json bench/evidence/GML101/result.json bench/evidence/GML101/before.py bench/evidence/GML101/after.py`
 * (and `result_cnn.json` … `before_cnn.py after_cnn.py`, `result_small.json` … `before_small.py after_small.py`,
 * `result_w128.json` … `before_w128.py after_w128.py`, likewise `w256`, `w512` and `cnn32`; load average 1–8 during these runs).
 * Machine: a VM with 2 vCPUs of that CPU, 24 GiB, Debian 12, Python 3.11, shared with other
 * engineers' work (load average 9–15 during the runs), so wall times are inflated; CPU time is the
 * comparable figure.
 *
 * ## References
 *
 * - PyTorch, *Automatic Mixed Precision package – torch.amp*: https://pytorch.org/docs/stable/amp.html
 * - PyTorch, *Automatic Mixed Precision examples* (gradient scaling, multiple optimizers): https://pytorch.org/docs/stable/notes/amp_examples.html
 * - PyTorch blog, *What Every User Should Know About Mixed Precision Training in PyTorch* (2022): https://pytorch.org/blog/what-every-user-should-know-about-mixed-precision-training-in-pytorch/
 * - NVIDIA A100 Tensor Core GPU datasheet (FP32 19.5 TFLOPS, FP16/BF16 Tensor Core 312 TFLOPS dense)
 * - P. Micikevicius et al., *Mixed Precision Training*, ICLR 2018, arXiv:1710.03740
 * - Hugging Face Accelerate, `Accelerator(mixed_precision=…)`: https://huggingface.co/docs/accelerate/package_reference/accelerator
 * - Intel, *PyTorch Mixed Precision* (bf16 on CPUs: the AVX512_BF16 instructions, AMX): https://intel.github.io/neural-compressor/latest/docs/source/3x/PT_MixedPrecision.html
 * - PyTorch, *Automatic Mixed Precision* recipe, Troubleshooting, "Speedup with Amp is minor": https://pytorch.org/tutorials/recipes/recipes/amp_recipe.html
 * - NVIDIA, *Get Started With Deep Learning Performance* (math-limited vs memory-bound layers): https://docs.nvidia.com/deeplearning/performance/dl-performance-getting-started/index.html
 */
export const fp32TrainingLoop = defineRule({
  code: 'GML101',
  name: 'fp32-training-loop',
  summary: 'PyTorch training loop calling `.backward()` with no autocast, half-precision model or Accelerate mixed precision in effect.',
  defaultSeverity: 'warning',
  frameworks: ['torch'],
  fixSafety: 'unsafe',
  facts,
  check({ model, sites, facts, edits, options, report }) {
    const backwards = sites.callsNamed('backward').filter((c) => c.callee.type === 'attribute' && !c.qualifiedName);
    if (backwards.length === 0 || facts.mixedEverywhere) return;
    // A script that pins the CPU is left alone unless target-device says it runs on a CPU where bf16
    // pays (AMX / AVX-512 BF16); one that never picks a device runs on the CPU unless target-device says otherwise.
    const device = trainingDevice(facts);
    const target = options.targetDevice;
    const leftAlone = device === 'cpu' ? target !== 'cpu' : device === 'none' && target === undefined;
    const precision = new Precision(model, facts);
    const importsAccelerate = model.importsAny(['accelerate']);
    const groups = new Map<number, LoopGroup>();
    for (const call of backwards) {
      const receiver = call.receiver!;
      const origin = model.originCall(receiver);
      const accelerator = acceleratorCalls(model, receiver);
      if (accelerator) {
        if (accelerator.some((a) => accelerateMixed(a, model) !== 'no')) continue;
      } else if (importsAccelerate && call.positional.length > 0 && !origin) {
        continue; // `accelerator.backward(loss)` on an accelerator we cannot see
      } else if (facts.buildsFabric && call.positional.length > 0 && fabricValue(model, receiver) === 'unknown') {
        continue; // `fabric.backward(loss)` on an object we cannot follow, in a file that builds a Fabric
      }
      const kind = gradientKind(model, call);
      // Fabric's precision is GML104's; a gradient with no optimizer step after it is not training.
      const update = kind && kind !== 'fabric' ? updateAfter(model, call, kind)?.update : undefined;
      if (!kind || !update) continue;
      // A small model built in this file (every layer at most SMALL_MODEL_WIDTH wide) gains nothing.
      if (kind === 'torch' && trainsSmallTorchModel(model, update.receiver ?? undefined)) continue;
      // A float64 model is GML106's: autocast leaves float64 operations as they are.
      if (kind === 'torch' && trainsFloat64Model(model, update.receiver ?? undefined)) continue;
      // Accelerate picks the device when the script runs.
      if (!accelerator && leftAlone) continue;
      const place = loopOf(model, call);
      if (!place) continue;
      const name = lossName(accelerator ? call.argument('loss', 0) : receiver);
      const lossStatements = name ? lossAssignments(model, call, name, place.regions) : [];
      if (precision.inEffect(call, lossStatements, place.regions)) continue;
      const group = groups.get(place.loop.id);
      if (group) group.backwards.push(call);
      else groups.set(place.loop.id, { ...place, backwards: [call], accelerator });
    }

    const cpu = target === 'cpu' || (target === undefined && (device === 'cpu' || device === 'none'));
    for (const group of groups.values()) {
      const { fixes, withheld } = buildFix(model, edits, device, options, group);
      report({
        node: group.backwards[0].node,
        message:
          'Training loop runs in fp32: `.backward()` is reached with no autocast, half-precision model or Accelerate mixed precision in effect. ' +
          (cpu
            ? 'On the CPU, bf16 autocast pays only on CPUs with AMX or AVX-512 BF16 (Intel Sapphire Rapids and newer, AMD Zen 4 and newer), which target-device = "cpu" says this script runs on, ' +
              'and only for large layers (measured on AVX-512 BF16: half the energy for 1024-wide layers, a third more for 64-wide ones); elsewhere it is slower.'
            : 'On GPUs with Tensor Cores (NVIDIA Volta and newer), bf16/fp16 autocast runs matmuls and convolutions on them (16× the fp32 peak on an A100) and typically cuts step time, and energy, by 1.5–3×.') +
          (withheld ? ` ${withheld}` : ''),
        fixes,
      });
    }
  },
});

/** The fix, or the reason it is withheld (added to the message). */
function buildFix(model: Semantic, edits: Edits, device: TrainingDevice, options: FixOptions, group: LoopGroup): { fixes: ReportedFix[]; withheld?: string } {
  const fp16 = options.preferDtype === 'fp16';
  if (group.accelerator) {
    const value = JSON.stringify(fp16 ? 'fp16' : 'bf16');
    const changes: TextEdit[] = [];
    for (const accelerator of group.accelerator) {
      const given = accelerator.argument('mixed_precision', 2);
      if (!accelerator.argumentList) return { fixes: [] };
      changes.push(given ? edits.replace(given, value) : edits.addKeywordArguments(accelerator, [['mixed_precision', value]]));
    }
    return { fixes: [{ title: `Enable Accelerate mixed precision: Accelerator(mixed_precision=${value})`, edits: changes }] };
  }

  // One autocast block per loss region: overlapping ones in one block merge, others stay apart.
  const merged = lossRegions(model, group.backwards, group.limit);
  if (!merged) return { fixes: [] };

  const torch = edits.importer(merged[0]?.first).module('torch');
  const target = autocastDevice(model, device, options, torch.name, group.loop);
  const dtype = `${torch.name}.${fp16 ? 'float16' : 'bfloat16'}`;
  const header = `with ${torch.name}.autocast(device_type=${target.text}, dtype=${dtype}):`;
  const changes: TextEdit[] = [];
  if (torch.edit) changes.push(torch.edit);
  let keptOut = false;
  for (const r of merged) {
    const cover = autocastRegionEdits(model, edits, r, header);
    if ('withheld' in cover) return { fixes: [], withheld: cover.withheld };
    changes.push(...cover.edits);
    keptOut ||= cover.keptOut;
  }

  const shownDevice = target.runtime ? 'the run-time device' : target.text;
  let title = `Wrap the forward pass and loss in torch.autocast(device_type=${shownDevice}, dtype=${dtype.replace(torch.name, 'torch')})`;
  if (keptOut) title += '; the binary cross-entropy loss stays outside, on float32 inputs (CUDA autocast refuses BCELoss)';
  if (fp16 && target.cuda) {
    const scaler = group.backwards.length === 1 && group.outerLoop ? gradScalerEdits(model, edits, group.backwards[0], group.outerLoop, torch.name, target.text) : undefined;
    if (scaler) {
      changes.push(...scaler);
      title += ' and scale the loss with torch.amp.GradScaler (needs torch ≥ 2.3)';
    } else {
      title += '; fp16 also needs a torch.amp.GradScaler, add it by hand';
    }
  }
  return { fixes: [{ title, edits: changes }] };
}
