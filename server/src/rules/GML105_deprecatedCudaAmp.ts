import type { TextEdit } from '../analysis/types';
import { AUTOCAST_PARAMETERS, DEPRECATED_AMP } from '../frameworks/torch';
import { defineRule } from './rule';

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
      const torch = edits.importer().module('torch');
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
      const old = call.qualifiedName!.split('.').slice(0, 4).join('.').replace('.autocast_mode', '').replace('.grad_scaler', '');
      report({
        node: call.callee,
        message: `\`${old}(…)\` is deprecated since torch ${target.since} and warns on every use; use \`torch.amp.${target.kind}(${JSON.stringify(target.device)}, …)\`.`,
        fixes: [{ title: `Replace with torch.amp.${target.kind}(${JSON.stringify(target.device)}, …)${target.kind === 'GradScaler' ? ' (torch ≥ 2.3)' : ''}`, edits: changes }],
      });
    }
  },
});
