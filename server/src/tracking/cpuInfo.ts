// CPU model detection and TDP lookup in the bundled table (CodeCarbon's cpu_power.csv, MIT licence).
// Matching: exact normalised name, else the longest table entry whose words all occur in the model
// name (ties with different TDPs → no match). Unknown model → a stated default per logical CPU.
import * as os from 'node:os';
import { ReadText, readTextSync } from './fsio';
import tdpData = require('../../data/cpu_tdp.json');

/** CodeCarbon's DEFAULT_POWER_PER_CORE for a detected CPU missing from the table (W per logical thread). */
export const DEFAULT_W_PER_THREAD = 4;

export interface CpuInfo {
  model: string;
  logicalCpus: number;
  sockets: number;
  /** TDP of one package in W, when the model matched the table. */
  tdpW?: number;
  matchedName?: string;
  /** W per logical CPU used by the estimate. */
  wattsPerThread: number;
  /** How wattsPerThread was obtained, for the label. */
  tdpSource: string;
}

function normalise(s: string): string {
  return s
    .toLowerCase()
    .replace(/\((r|tm|c)\)/g, ' ')
    .replace(/®|™/g, ' ')
    .replace(/@.*$/, ' ')
    .replace(/\b\d+-core\b/g, ' ')
    .replace(/\b(cpu|processor|with radeon graphics|radeon graphics)\b/g, ' ')
    .replace(/[^a-z0-9+.\- ]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

interface Entry {
  name: string;
  norm: string;
  tokens: string[];
  tdp: number;
}
let table: Entry[] | undefined;
function getTable(): Entry[] {
  if (!table) {
    table = (tdpData.cpus as [string, number][]).map(([name, tdp]) => {
      const norm = normalise(name);
      return { name, norm, tokens: norm.split(' ').filter(Boolean), tdp };
    });
  }
  return table;
}

export function matchCpuTdp(model: string): { name: string; tdp: number } | undefined {
  const norm = normalise(model);
  if (!norm) return undefined;
  const t = getTable();
  const exact = t.find((e) => e.norm === norm);
  if (exact) return { name: exact.name, tdp: exact.tdp };
  const words = new Set(norm.split(' '));
  let best: Entry[] = [];
  for (const e of t) {
    // Needs a model number-like token, so "AMD EPYC" alone never matches a specific part.
    if (!e.tokens.some((k) => /\d/.test(k))) continue;
    if (!e.tokens.every((k) => words.has(k))) continue;
    if (best.length === 0 || e.tokens.length > best[0].tokens.length) best = [e];
    else if (e.tokens.length === best[0].tokens.length) best.push(e);
  }
  if (best.length === 0) return undefined;
  if (new Set(best.map((b) => b.tdp)).size > 1) return undefined;
  return { name: best[0].name, tdp: best[0].tdp };
}

export function parseCpuinfo(text: string): { model?: string; logical: number; sockets: number } {
  let model: string | undefined;
  let logical = 0;
  const phys = new Set<string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const k = line.slice(0, i).trim();
    const v = line.slice(i + 1).trim();
    if (k === 'processor') logical++;
    else if ((k === 'model name' || k === 'Model' || k === 'cpu model') && !model) model = v;
    else if (k === 'physical id') phys.add(v);
  }
  return { model, logical, sockets: Math.max(1, phys.size) };
}

export function detectCpu(read: ReadText = readTextSync, procRoot = '/proc'): CpuInfo {
  let model = os.cpus()[0]?.model?.trim() || '';
  let logical = os.cpus().length || 1;
  let sockets = 1;
  if (process.platform === 'linux') {
    try {
      const p = parseCpuinfo(read(`${procRoot}/cpuinfo`));
      if (p.model) model = p.model;
      if (p.logical > 0) logical = p.logical;
      sockets = p.sockets;
    } catch {
      /* keep os.cpus() */
    }
  }
  return cpuInfoFor(model, logical, sockets);
}

export function cpuInfoFor(model: string, logical: number, sockets: number): CpuInfo {
  const m = model ? matchCpuTdp(model) : undefined;
  if (m) {
    const w = (m.tdp * sockets) / Math.max(1, logical);
    return {
      model,
      logicalCpus: logical,
      sockets,
      tdpW: m.tdp,
      matchedName: m.name,
      wattsPerThread: w,
      tdpSource: `TDP ${m.tdp} W (${m.name}, CodeCarbon table) × ${sockets} socket(s) / ${logical} logical CPUs = ${round(w)} W per CPU-second`,
    };
  }
  return {
    model: model || 'unknown CPU',
    logicalCpus: logical,
    sockets,
    wattsPerThread: DEFAULT_W_PER_THREAD,
    tdpSource: `CPU model "${model || 'unknown'}" not in the TDP table: default ${DEFAULT_W_PER_THREAD} W per logical CPU (CodeCarbon's per-thread default)`,
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
