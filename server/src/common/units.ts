// How power, energy, CO₂e and durations are written for people: one set of rules for the status bar,
// its tooltip, the run history, the carbon label and the CLI, so a figure reads the same everywhere.
// Small values go down to milliwatt-hours and milligrams instead of printing as zero.

export function fmtPower(w: number): string {
  if (!Number.isFinite(w) || w <= 0) return '0 W';
  if (w >= 100) return `${Math.round(w)} W`;
  if (w >= 0.1) return `${w.toFixed(1)} W`;
  return `${Math.round(w * 1000)} mW`;
}

export function fmtEnergy(kwh: number): string {
  if (!Number.isFinite(kwh) || kwh <= 0) return '0 Wh';
  const wh = kwh * 1000;
  if (wh >= 1000) return `${(wh / 1000).toFixed(2)} kWh`;
  if (wh >= 10) return `${Math.round(wh)} Wh`;
  if (wh >= 1) return `${wh.toFixed(1)} Wh`;
  const mwh = wh * 1000;
  return `${small(mwh)} mWh`;
}

export function fmtCo2(kg: number): string {
  if (!Number.isFinite(kg) || kg <= 0) return '0 g CO₂e';
  const g = kg * 1000;
  if (g >= 1000) return `${(g / 1000).toFixed(2)} kg CO₂e`;
  if (g >= 10) return `${Math.round(g)} g CO₂e`;
  if (g >= 1) return `${g.toFixed(1)} g CO₂e`;
  const mg = g * 1000;
  return `${small(mg)} mg CO₂e`;
}

/** 42, 4.2, 0.42, 0.042: whole numbers from 10, one decimal from 1, two significant digits below. */
function small(x: number): string {
  if (x >= 10) return String(Math.round(x));
  if (x >= 1) return x.toFixed(1);
  return String(Number(x.toPrecision(2)));
}

/** `0:42`, `12:05`, `1:02:03`. */
export function fmtClock(s: number): string {
  const t = Math.max(0, Math.round(s));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}

/** `42 s`, `3 min 5 s`, `2 h 14 min`: a run's length in words. */
export function fmtDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '—';
  if (s < 10) return `${s.toFixed(1)} s`;
  const t = Math.round(s);
  if (t < 60) return `${t} s`;
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  const sec = t % 60;
  return sec > 0 ? `${m} min ${sec} s` : `${m} min`;
}

/** Signed relative change, e.g. `−42 %`, `+3.1 %`; `—` when there is nothing to compare with. */
export function fmtChange(before: number, after: number): string {
  if (!Number.isFinite(before) || !Number.isFinite(after) || before === 0) return '—';
  const pct = ((after - before) / before) * 100;
  const abs = Math.abs(pct);
  const num = abs >= 10 ? Math.round(abs).toString() : abs.toFixed(1);
  if (num === '0' || num === '0.0') return '±0 %';
  return `${pct < 0 ? '−' : '+'}${num} %`;
}

/** The exit status as people read it: `exit code 1`, `killed by signal 15`, or `unknown`. */
export function fmtExit(code: number | null | undefined): string {
  if (code === null || code === undefined) return 'unknown';
  if (code > 128 && code < 160) return `exit code ${code} (signal ${code - 128})`;
  return `exit code ${code}`;
}
