// Where a PyTorch script computes: on CUDA, pinned to the CPU, on a device chosen at run time, or
// with no device handling at all (the CPU). Advice whose saving depends on the hardware (mixed
// precision, pinned memory, host syncs) reads this instead of assuming a GPU. The facts are declared
// by each rule that needs them (`...DEVICE_FACTS`).
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { stringLiteral, truthiness } from '../analysis/values';
import { fact, type FactContext, type FactValues } from '../rules/rule';
import { lightningAccelerator, lightningBuilders } from './lightning';
import { ACCELERATORS, TORCH_ACCELERATOR_QUERIES } from './torch';

/** A device literal: `cuda`, `cuda:0`, `cpu`, `mps`. */
function deviceKind(text: string | undefined): 'cuda' | 'cpu' | 'mps' | undefined {
  if (text === undefined) return undefined;
  if (text === 'cuda' || text.startsWith('cuda:')) return 'cuda';
  if (text === 'cpu') return 'cpu';
  if (text === 'mps') return 'mps';
  return undefined;
}

function spells({ sites }: FactContext, kind: 'cuda' | 'cpu' | 'mps'): boolean {
  return sites.strings(kind).some((s) => deviceKind(stringLiteral(s)) === kind);
}

/** What a device expression names: a literal, `torch.device(<literal>)`, or undefined when it is chosen at run time. */
export function deviceOf(model: Semantic, expr: Node): 'cuda' | 'cpu' | 'mps' | 'other' | undefined {
  const value = model.evaluate(expr);
  if (value.kind === 'string') return deviceKind(value.value) ?? 'other';
  if (value.kind !== 'unknown') return 'other';
  const origin = model.originCall(expr);
  if (origin?.qualifiedName === 'torch.device') {
    const name = origin.valueOf('type', 0);
    if (name?.kind === 'string') return deviceKind(name.value) ?? 'other';
  }
  return undefined;
}

/** `.to(x)` or a `device=x` argument whose device is chosen at run time (a parameter, a value read from the environment). */
function movesToChosenDevice({ model, sites }: FactContext): boolean {
  for (const call of sites.callsNamed('to')) {
    const first = call.positional[0] ?? call.keywords.get('device')?.value;
    // `.to(torch.float16)` moves to a dtype, not a device.
    if (first && call.receiver && !model.qualifiedName(first)?.startsWith('torch.') && deviceOf(model, first) === undefined) return true;
  }
  for (const id of sites.identifiers('device')) {
    const keyword = model.parentOf(id);
    if (keyword?.type === 'keyword_argument' && keyword.childForFieldName('name')?.id === id.id) {
      const value = keyword.childForFieldName('value');
      if (value && deviceOf(model, value) === undefined) return true;
    }
  }
  return false;
}

/**
 * Accelerate's `Accelerator` and Lightning's `Trainer`, `Fabric` and `LightningCLI` place the model
 * and the batches on the accelerator they find when the script runs, unless told the CPU
 * (`Accelerator(cpu=True)`, `accelerator="cpu"`): whether one of them is built without that.
 */
function frameworkPicksDevice({ model, sites }: FactContext): boolean {
  for (const call of sites.callsTo(ACCELERATORS)) {
    // Accelerator(device_placement, split_batches, mixed_precision, gradient_accumulation_steps, cpu, …)
    const cpu = call.valueOf('cpu', 4);
    if (!(cpu && truthiness(cpu) === true)) return true;
  }
  return lightningBuilders(model, sites).some(({ call, kind }) => lightningAccelerator(call, kind) === 'runtime');
}

export const DEVICE_FACTS = {
  callsCudaIsAvailable: fact.any(({ sites }) => sites.callsTo(['torch.cuda.is_available']).length > 0),
  /** `torch.accelerator.is_available()` / `current_accelerator()` (PyTorch 2.6+): whichever accelerator the machine has. */
  asksForAccelerator: fact.any(({ sites }) => sites.callsTo(TORCH_ACCELERATOR_QUERIES).length > 0),
  callsCuda: fact.any(({ sites }) => sites.callsNamed('cuda').some((c) => c.receiver && !c.qualifiedName) || sites.callsUnder('torch.cuda').some((c) => c.qualifiedName !== 'torch.cuda')),
  spellsCuda: fact.any((context) => spells(context, 'cuda')),
  spellsCpu: fact.any((context) => spells(context, 'cpu')),
  spellsMps: fact.any((context) => spells(context, 'mps')),
  movesToChosenDevice: fact.any(movesToChosenDevice),
  frameworkPicksDevice: fact.any(frameworkPicksDevice),
};

export type DeviceFacts = FactValues<typeof DEVICE_FACTS>;

/**
 * - `cuda`: the script puts work on a CUDA device it names;
 * - `runtime`: it picks the device when it runs (`"cuda" if torch.cuda.is_available() else "cpu"`, a
 *   device passed in, `torch.accelerator.current_accelerator()`, an Accelerate `Accelerator` or a Lightning `Trainer` / `Fabric` not told the CPU);
 * - `cpu`: it names the CPU and no GPU;
 * - `none`: it never moves anything to a device: it computes on the CPU.
 */
export type TrainingDevice = 'cuda' | 'mps' | 'runtime' | 'cpu' | 'none';

export function trainingDevice(facts: DeviceFacts): TrainingDevice {
  if (facts.callsCudaIsAvailable || facts.asksForAccelerator) return 'runtime';
  if (facts.spellsCuda || facts.callsCuda) return 'cuda';
  if (facts.spellsMps) return 'mps';
  if (facts.movesToChosenDevice || facts.frameworkPicksDevice) return 'runtime';
  if (facts.spellsCpu) return 'cpu';
  return 'none';
}
