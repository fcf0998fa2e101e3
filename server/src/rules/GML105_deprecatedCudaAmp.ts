// GML105 deprecated-cuda-amp: `torch.cuda.amp.autocast(...)` / `torch.cuda.amp.GradScaler(...)` and
// their `torch.cpu.amp` twins emit FutureWarnings since torch 2.4 / 2.3; the device-generic
// `torch.amp` forms replace them. The fix is safe: same behaviour, positional arguments kept
// aligned (autocast's positional ones become keywords because `torch.amp.autocast` takes
// `device_type` first).
import { ensureModuleImport, replaceNode } from '../fixes/edits';
import type { TextEdit } from '../analysis/types';
import type { Rule } from './rule';

const AUTOCAST_PARAMS = ['enabled', 'dtype', 'cache_enabled'];

const TARGETS: Record<string, { device: string; kind: 'autocast' | 'GradScaler'; since: string }> = {
  'torch.cuda.amp.autocast': { device: 'cuda', kind: 'autocast', since: '2.4' },
  'torch.cuda.amp.autocast_mode.autocast': { device: 'cuda', kind: 'autocast', since: '2.4' },
  'torch.cpu.amp.autocast': { device: 'cpu', kind: 'autocast', since: '2.4' },
  'torch.cuda.amp.GradScaler': { device: 'cuda', kind: 'GradScaler', since: '2.3' },
  'torch.cuda.amp.grad_scaler.GradScaler': { device: 'cuda', kind: 'GradScaler', since: '2.3' },
  'torch.cpu.amp.GradScaler': { device: 'cpu', kind: 'GradScaler', since: '2.3' },
};

export const deprecatedCudaAmp: Rule = {
  code: 'GML105',
  name: 'deprecated-cuda-amp',
  summary: 'Deprecated `torch.cuda.amp` / `torch.cpu.amp` autocast or GradScaler.',
  defaultSeverity: 'warning',
  requires: ['torch'],
  fixSafety: 'safe',
  check({ model, source, report }) {
    for (const call of model.anchorCallsTo(Object.keys(TARGETS))) {
      const target = TARGETS[call.qualifiedName!];
      const torch = ensureModuleImport(model, source, 'torch');
      const replacement = `${torch.name}.amp.${target.kind}`;
      const edits: TextEdit[] = [replaceNode(call.callee, replacement)];
      if (torch.edit) edits.push(torch.edit);
      const list = call.argumentList;
      if (list) {
        const device = JSON.stringify(target.device);
        if (target.kind === 'autocast') {
          // Positional enabled/dtype/cache_enabled would shift behind device_type: name them.
          call.positional.forEach((arg, i) => {
            if (i < AUTOCAST_PARAMS.length) edits.push({ range: replaceNode(arg, '').range, newText: `${AUTOCAST_PARAMS[i]}=${arg.text}` });
          });
        }
        const first = list.namedChildren.find((c) => c && c.type !== 'comment');
        const open = source.positionAt(list.startIndex + 1);
        edits.push({ range: { start: open, end: open }, newText: first ? `${device}, ` : device });
      }
      const old = call.qualifiedName!.split('.').slice(0, 4).join('.').replace('.autocast_mode', '').replace('.grad_scaler', '');
      report({
        node: call.callee,
        message: `\`${old}(…)\` is deprecated since torch ${target.since} and warns on every use; use \`torch.amp.${target.kind}(${JSON.stringify(target.device)}, …)\`.`,
        fixes: [{ title: `Replace with torch.amp.${target.kind}(${JSON.stringify(target.device)}, …)${target.kind === 'GradScaler' ? ' (torch ≥ 2.3)' : ''}`, safety: 'safe', edits }],
      });
    }
  },
};
