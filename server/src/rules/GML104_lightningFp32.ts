import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import { nodeRange } from '../fixes/edits';
import { isSmallModel } from '../frameworks/modelSize';
import { FABRICS, LIGHTNING_MODULES, LIGHTNING_PACKAGES, lightningAccelerator, TRAINERS, trainerFits, trainerOnlyEvaluates, writtenForLightning1 } from '../frameworks/lightning';
import { callsRefusedLoss } from '../frameworks/mixedPrecision';
import { defineRule } from './rule';

/** Literal precision values that mean full (32/64-bit) precision. */
const FULL_PRECISION = new Set(['32', '32-true', '64', '64-true']);

type Precision = { kind: 'full'; shown: string } | { kind: 'reduced' } | { kind: 'unknown' };

function precisionOf(call: CallSite): Precision {
  const value = call.valueOf('precision');
  if (value === undefined || value.kind === 'none') {
    if (call.hasStarArgs || call.presence('plugins') !== 'absent') return { kind: 'unknown' };
    return { kind: 'full', shown: value ? 'precision=None' : 'no precision' };
  }
  if (value.kind === 'number' || value.kind === 'string') {
    const text = String(value.value);
    if (FULL_PRECISION.has(text)) return { kind: 'full', shown: `precision=${call.keywords.get('precision')!.value.text}` };
    return { kind: 'reduced' };
  }
  return { kind: 'unknown' };
}

/** Why the Trainer fix is withheld when a LightningModule of the file computes a loss autocast refuses. */
const REFUSED_LOSS_WITHHELD =
  'No fix is offered: a LightningModule of this file computes binary cross-entropy on probabilities (nn.BCELoss / F.binary_cross_entropy), ' +
  'which Lightning\'s mixed precision would run under CUDA autocast (it autocasts training_step and validation_step), and autocast refuses it whatever the dtype. ' +
  'Switch to nn.BCEWithLogitsLoss on logits (drop the final sigmoid) first.';

/**
 * Whether every model the Trainer fits is built in this file and small (every layer at most
 * SMALL_MODEL_WIDTH wide, read as GML101 reads it): mixed precision does not pay there.
 */
function fitsOnlySmallModels(model: Semantic, trainer: CallSite): boolean {
  const fits = trainerFits(model, trainer);
  return fits.length > 0 && fits.every((fit) => isSmallModel(model, fit.argument('model', 0)));
}

/**
 * ## What it flags
 *
 * A Lightning `Trainer(...)` (`lightning.Trainer`, `lightning.pytorch.Trainer`,
 * `pytorch_lightning.Trainer`, and their module paths) or `Fabric(...)` (`lightning.Fabric`,
 * `lightning.fabric.Fabric`, `lightning_fabric.Fabric`) that trains in full precision:
 *
 * - no `precision` argument, or `precision=None` — Lightning then uses `"32-true"`;
 * - `precision=32`, `"32"`, `"32-true"`, `64`, `"64"` or `"64-true"`.
 *
 * Reduced precisions are fine: `16`, `"16"`, `"16-mixed"`, `"bf16"`, `"bf16-mixed"`, `"16-true"`,
 * `"bf16-true"`, `"transformer-engine"`, `"transformer-engine-float16"`. A non-literal value
 * (`precision=cfg.precision`), `**kwargs`, or a `plugins=` argument (which may carry a precision
 * plugin) is unknown and not reported. A Trainer that only evaluates — bound to a name whose every
 * use is `trainer.validate(…)`, `trainer.test(…)` or `trainer.predict(…)`, never `fit` — trains
 * nothing and is not reported; one that is passed on, returned or kept elsewhere may train, and is.
 * Nor is a Trainer whose every `fit` trains a LightningModule built in the file with every layer at
 * most 32 wide (read as [GML101](GML101.md) reads a model: below that width mixed precision was
 * measured not to pay; layers appended to a list in a loop over a literal tuple of widths count,
 * and a layer's width is its output size, so a 784-32-16-10 MLP is small). A `fit` on a name that
 * an `if`/`else` binds to a Trainer in every branch (`if torch.cuda.is_available(): trainer =
 * Trainer(gpus=1) else: trainer = Trainer()`) counts as a fit of each of those Trainers. A Trainer or Fabric told the CPU (`accelerator="cpu"`), or a Trainer written
 * for Lightning 1.x (a `gpus=` argument, or hooks 2.0 removed) that asks for no GPU (`Trainer()`,
 * `gpus=0`, `gpus=None`; 1.x trained on the CPU unless given one), has no Tensor Cores to use and is
 * left alone.
 *
 * ## Why
 *
 * `"bf16-mixed"` runs the forward pass under autocast, so matmuls and convolutions execute on Tensor
 * Cores (16× the fp32 peak on an A100) and activations take half the memory. Lightning's precision
 * guide presents mixed precision as the way to speed up training and cut memory use with little or
 * no loss of accuracy; step times typically drop by 1.5–3×, and the energy of a run falls with it.
 * Double precision (`64-true`) is several times slower again than fp32 on most GPUs.
 *
 * ## Example
 *
 * ```python
 * import lightning as L
 *
 * trainer = L.Trainer(max_epochs=20, accelerator="gpu", devices=1)
 * trainer.fit(model, train_loader, val_loader)
 * ```
 *
 * ## Fixed example
 *
 * ```python
 * import lightning as L
 *
 * trainer = L.Trainer(max_epochs=20, accelerator="gpu", devices=1, precision="bf16-mixed")
 * trainer.fit(model, train_loader, val_loader)
 * ```
 *
 * With `prefer-dtype = "fp16"` the fix writes `precision="16-mixed"` (which adds gradient scaling).
 * For a Trainer written for Lightning 1.x — it passes an argument Lightning 2.0 removed (`gpus=`,
 * `auto_select_gpus=`, `progress_bar_refresh_rate=`, `resume_from_checkpoint=`), or the file imports
 * `pytorch_lightning` and defines `validation_epoch_end` or `training_epoch_end` (hooks 2.0 removed) —
 * the fix writes `precision=16`, the spelling 1.x accepts (1.x rejects `"bf16-mixed"` and
 * `"16-mixed"`); Lightning 2.x reads it as `"16-mixed"`.
 * An existing 32/64 value is replaced. A Trainer in a file whose LightningModule computes binary
 * cross-entropy on probabilities (`nn.BCELoss`, also through the name or `self.` attribute that
 * holds it, or `F.binary_cross_entropy`) gets no fix: Lightning runs `training_step` and
 * `validation_step` under autocast, which CUDA refuses for that loss whatever the dtype; the
 * message says to switch to `nn.BCEWithLogitsLoss` on logits first.
 *
 * ## Fix safety
 *
 * Unsafe. bf16 needs an Ampere-or-newer GPU, a TPU or a bf16-capable CPU; `"16-mixed"` needs a GPU
 * (on the CPU Lightning falls back to `"bf16-mixed"` with a warning).
 * Numerics change; models that rely on float64 (`"64-true"`) for accuracy should keep it and
 * suppress the finding.
 *
 * ## References
 *
 * - Lightning, *N-bit precision (basic)*: https://lightning.ai/docs/pytorch/stable/common/precision_basic.html
 * - Lightning, `Trainer(precision=…)`: https://lightning.ai/docs/pytorch/stable/common/trainer.html#precision
 * - Lightning Fabric, *Precision*: https://lightning.ai/docs/fabric/stable/fundamentals/precision.html
 * - NVIDIA A100 Tensor Core GPU datasheet (FP32 19.5 TFLOPS, FP16/BF16 Tensor Core 312 TFLOPS dense)
 */
export const lightningFp32 = defineRule({
  code: 'GML104',
  name: 'lightning-fp32',
  summary: 'Lightning `Trainer`/`Fabric` with no precision or a 32/64-bit precision: trains in full precision.',
  defaultSeverity: 'warning',
  frameworks: [...LIGHTNING_PACKAGES, 'lightning_fabric'],
  fixSafety: 'unsafe',
  check({ model, sites, edits, options, report }) {
    const value = options.preferDtype === 'fp16' ? '16-mixed' : 'bf16-mixed';
    for (const call of sites.callsTo([...TRAINERS, ...FABRICS])) {
      if (!call.argumentList) continue;
      const precision = precisionOf(call);
      if (precision.kind !== 'full') continue;
      const kind = FABRICS.has(call.qualifiedName!) ? 'Fabric' : 'Trainer';
      // On the CPU there are no Tensor Cores, and Lightning 1.x rejects precision=16 there.
      if (lightningAccelerator(model, call, kind === 'Fabric' ? 'fabric' : 'trainer') === 'cpu') continue;
      if (kind === 'Trainer' && (trainerOnlyEvaluates(model, call) || fitsOnlySmallModels(model, call))) continue;
      const given = call.keywords.get('precision');
      // Lightning 1.x accepts 16 but rejects the 2.x strings ("bf16-mixed", "16-mixed").
      const legacy = kind === 'Trainer' && writtenForLightning1(model, call);
      const fix = legacy
        ? { title: 'Train in mixed precision: set precision=16 (16-mixed on Lightning 2.x)', value: '16' }
        : { title: `Train in mixed precision: set precision="${value}"`, value: JSON.stringify(value) };
      // The Trainer runs the steps of this file's LightningModules under autocast; Fabric autocasts only the forward.
      const withheld = kind === 'Trainer' && model.subclassesOf(LIGHTNING_MODULES).some((cls) => callsRefusedLoss(model, cls));
      report({
        range: nodeRange(given ? given.node : call.callee),
        message:
          `Lightning \`${kind}\` with ${precision.shown} trains in ${precision.shown.includes('64') ? 'fp64' : 'fp32'} ` +
          `(Lightning's default is "32-true"): ${legacy ? 'mixed precision (precision=16 on Lightning 1.x)' : '"bf16-mixed"'} runs matmuls and convolutions on Tensor Cores ` +
          '(16× the fp32 peak on an A100) and typically cuts step time, and energy, by 1.5–3×.' +
          (withheld ? ` ${REFUSED_LOSS_WITHHELD}` : ''),
        fixes: withheld ? [] : [{ title: fix.title, edits: [edits.setKeywordArgument(call, 'precision', fix.value)] }],
      });
    }
  },
});
