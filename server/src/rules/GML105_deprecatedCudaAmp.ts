import type { TextEdit } from '../analysis/types';
import { AUTOCAST_PARAMETERS, DEPRECATED_AMP } from '../frameworks/torch';
import { defineRule } from './rule';
import { leadingNames } from '../analysis/qualifiedName';

/**
 * ## What it flags
 *
 * Calls to the device-specific automatic-mixed-precision entry points that PyTorch deprecated in
 * favour of the device-generic `torch.amp` module:
 *
 * | deprecated | replacement |
 * |---|---|
 * | `torch.cuda.amp.autocast(...)` | `torch.amp.autocast("cuda", ...)` |
 * | `torch.cpu.amp.autocast(...)` | `torch.amp.autocast("cpu", ...)` |
 * | `torch.cuda.amp.GradScaler(...)` | `torch.amp.GradScaler("cuda", ...)` |
 * | `torch.cpu.amp.GradScaler(...)` | `torch.amp.GradScaler("cpu", ...)` |
 *
 * Names are resolved through imports, so `from torch.cuda.amp import autocast as ac; ac()` is found too.
 *
 * ## Why
 *
 * The old entry points still work but emit a `FutureWarning` on every call (autocast since torch
 * 2.4, GradScaler since 2.3) and will be removed. Keeping mixed precision on a supported API is what
 * keeps the energy saving of mixed precision (see [GML101](GML101.md)) from silently disappearing in
 * a future upgrade.
 *
 * ## Example
 *
 * ```python
 * import torch
 *
 * scaler = torch.cuda.amp.GradScaler()
 * with torch.cuda.amp.autocast(dtype=torch.bfloat16):
 *     loss = model(x)
 * ```
 *
 * ## Fixed example
 *
 * ```python
 * import torch
 *
 * scaler = torch.amp.GradScaler("cuda")
 * with torch.amp.autocast("cuda", dtype=torch.bfloat16):
 *     loss = model(x)
 * ```
 *
 * ## Fix safety
 *
 * Safe. The replacement has the same defaults (fp16 on CUDA, bf16 on CPU). `torch.amp.autocast`
 * takes `device_type` as its first parameter, so positional arguments of the old call
 * (`enabled`, `dtype`, `cache_enabled`) are rewritten as keywords. `torch.amp.GradScaler` needs
 * torch ≥ 2.3, the release that deprecated the old one; the fix title says so.
 *
 * ## References
 *
 * - PyTorch, *Automatic Mixed Precision package – torch.amp*: https://pytorch.org/docs/stable/amp.html
 * - `torch/amp/autocast_mode.py`, `torch/amp/grad_scaler.py` (deprecation messages)
 */
export const deprecatedCudaAmp = defineRule({
  code: 'GML105',
  name: 'deprecated-cuda-amp',
  summary: 'Deprecated `torch.cuda.amp` / `torch.cpu.amp` autocast or GradScaler.',
  defaultSeverity: 'warning',
  frameworks: ['torch'],
  fixSafety: 'safe',
  check({ sites, edits, report }) {
    for (const call of sites.callsTo(Object.keys(DEPRECATED_AMP))) {
      const target = DEPRECATED_AMP[call.qualifiedName!];
      const torch = edits.importer(call.node).module('torch');
      const changes: TextEdit[] = [edits.replace(call.callee, `${torch.name}.amp.${target.kind}`)];
      if (torch.edit) changes.push(torch.edit);
      const list = call.argumentList;
      if (list) {
        const device = JSON.stringify(target.device);
        if (target.kind === 'autocast') {
          // Positional enabled/dtype/cache_enabled would shift behind device_type: name them.
          call.positional.forEach((arg, i) => {
            if (i < AUTOCAST_PARAMETERS.length) changes.push(edits.replace(arg, `${AUTOCAST_PARAMETERS[i]}=${arg.text}`));
          });
        }
        const first = list.namedChildren.find((c) => c && c.type !== 'comment');
        changes.push(edits.insertAt(list.startIndex + 1, first ? `${device}, ` : device));
      }
      const old = `${leadingNames(call.qualifiedName!, 3)}.${target.kind}`;
      report({
        node: call.callee,
        message: `\`${old}(…)\` is deprecated since torch ${target.since} and warns on every use; use \`torch.amp.${target.kind}(${JSON.stringify(target.device)}, …)\`.`,
        fixes: [{ title: `Replace with torch.amp.${target.kind}(${JSON.stringify(target.device)}, …)${target.kind === 'GradScaler' ? ' (torch ≥ 2.3)' : ''}`, edits: changes }],
      });
    }
  },
});
