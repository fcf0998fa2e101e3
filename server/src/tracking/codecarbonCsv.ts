// Reads CodeCarbon emissions.csv files found in the workspace (written by scripts that already use
// CodeCarbon), so their figures show next to ours. Only the last row of each file is kept.
import * as fs from 'node:fs';
import { join } from 'node:path';
import type { CodeCarbonRecord } from '../common/trackingProtocol';
import { readRegularFileEnds } from '../io/files';
import { parseCsv } from './ledger';

/** Bytes read from each end of a CSV: its header and its last row are all that is shown. */
const CSV_END_BYTES = 64 * 1024;

/** The header and the last rows of a CSV of any length (only regular files are read). */
export function readCsvEnds(file: string): string {
  const { head, tail } = readRegularFileEnds(file, CSV_END_BYTES, CSV_END_BYTES);
  if (tail.length === 0) return head.toString('utf8');
  const header = head.toString('utf8').split(/\r?\n/, 1)[0];
  const text = tail.toString('utf8');
  // The tail starts mid-row: drop up to its first line break.
  return `${header}\n${text.slice(text.indexOf('\n') + 1)}`;
}

const SKIP = new Set(['.git', 'node_modules', '.greenml', '.venv', 'venv', '__pycache__', '.mypy_cache', '.tox', 'site-packages', '.cache']);

export function findEmissionsCsv(root: string, maxDepth = 4, limit = 50): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (out.length >= limit) return;
    let ents: fs.Dirent[] = [];
    try {
      ents = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of ents) {
      if (e.isFile() && e.name === 'emissions.csv') out.push(join(dir, e.name));
      else if (e.isDirectory() && depth < maxDepth && !SKIP.has(e.name) && !e.name.startsWith('.')) walk(join(dir, e.name), depth + 1);
    }
  };
  walk(root, 0);
  return out;
}

export function lastCodeCarbonRecord(file: string, text: string, modifiedAt: number): CodeCarbonRecord | undefined {
  const rows = parseCsv(text).filter((r) => r.length > 1);
  const header = rows[0];
  if (!header || !header.includes('energy_consumed') || !header.includes('emissions')) return undefined;
  const last = rows.length > 1 ? rows[rows.length - 1] : undefined;
  if (!last || last.length !== header.length) return undefined;
  const get = (k: string) => last[header.indexOf(k)] ?? '';
  const num = (k: string) => Number(get(k)) || 0;
  return {
    file,
    timestamp: get('timestamp'),
    projectName: get('project_name'),
    durationS: num('duration'),
    energyKwh: num('energy_consumed'),
    emissionsKg: num('emissions'),
    powerW: num('cpu_power') + num('gpu_power') + num('ram_power'),
    countryIsoCode: get('country_iso_code'),
    modifiedAt,
  };
}

/** Polls the files, re-reading only those whose size or mtime changed. */
export class CodeCarbonWatcher {
  private files: string[] = [];
  private cache = new Map<string, { key: string; rec?: CodeCarbonRecord }>();
  private lastFind = 0;
  constructor(private readonly roots: () => string[], private readonly ownLedgers: () => Set<string>) {}

  poll(): CodeCarbonRecord[] {
    if (Date.now() - this.lastFind > 30_000 || this.files.length === 0) {
      this.lastFind = Date.now();
      const own = this.ownLedgers();
      this.files = this.roots().flatMap((r) => findEmissionsCsv(r)).filter((f) => !own.has(f));
    }
    const out: CodeCarbonRecord[] = [];
    for (const f of this.files) {
      let st: fs.Stats;
      try {
        st = fs.statSync(f);
      } catch {
        continue;
      }
      const key = `${st.size}:${st.mtimeMs}`;
      let c = this.cache.get(f);
      if (!c || c.key !== key) {
        let rec: CodeCarbonRecord | undefined;
        try {
          rec = lastCodeCarbonRecord(f, readCsvEnds(f), st.mtimeMs);
        } catch {
          rec = undefined;
        }
        c = { key, rec };
        this.cache.set(f, c);
      }
      if (c.rec) out.push(c.rec);
    }
    return out.sort((a, b) => b.modifiedAt - a.modifiedAt);
  }
}
