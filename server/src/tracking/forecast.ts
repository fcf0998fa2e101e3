// Carbon-intensity forecasts and the choice of the cleanest time to start a run.
// Providers (only when the user configured one; no network otherwise):
//   UK Carbon Intensity API, national:  GET {base}/intensity/{from}/fw24h
//     → {"data":[{"from":"2024-06-20T14:00Z","to":"2024-06-20T14:30Z","intensity":{"forecast":120,"actual":null,"index":"low"}}, …]}
//   UK Carbon Intensity API, regional:  GET {base}/regional/intensity/{from}/fw24h/postcode/{outward}
//     → {"data":{"regionid":2,"shortname":"South Scotland","postcode":"G1","data":[{"from":…,"to":…,"intensity":{"forecast":150,"index":"moderate"},"generationmix":[…]}]}}
//   Electricity Maps:                   GET {base}/carbon-intensity/forecast?zone=DE   (header auth-token)
//     → {"zone":"DE","forecast":[{"carbonIntensity":77,"datetime":"2024-06-20T15:00:00.000Z"}, …],"updatedAt":"…"}
// Every slot becomes {from, to, g}; the cleanest start is the slot start (or now) within the allowed
// wait whose run-length window has the lowest mean forecast intensity.
import type { CarbonOptions } from './carbon';
import { EM_DEFAULT_BASE, UK_DEFAULT_BASE, getJson } from './carbon';

export interface ForecastSlot {
  from: number;
  to: number;
  g: number;
}

export interface Forecast {
  /** e.g. "UK Carbon Intensity API (national forecast)". */
  provider: string;
  slots: ForecastSlot[];
  fetchedAt: number;
}

export interface StartWindow {
  /** When to start (ms since epoch); equal to `now` when starting at once is the cleanest. */
  start: number;
  end: number;
  /** Mean forecast intensity over the window, g/kWh. */
  gPerKwh: number;
  /** Forecast intensity over the same run length starting now, g/kWh. */
  nowGPerKwh: number;
  /** Forecast intensity of the slot that holds now, g/kWh. */
  currentGPerKwh: number;
}

const HOUR = 3600_000;

/** `2024-06-20T14:00Z`: the minute-precision UTC form the UK API's {from} takes. */
export function ukTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16) + 'Z';
}

type UkSlot = { from?: string; to?: string; intensity?: { forecast?: number | null; actual?: number | null } };

function ukSlots(rows: UkSlot[] | undefined): ForecastSlot[] {
  const out: ForecastSlot[] = [];
  for (const r of rows ?? []) {
    const from = Date.parse(r.from ?? '');
    const to = Date.parse(r.to ?? '');
    const g = r.intensity?.forecast;
    if (Number.isFinite(from) && Number.isFinite(to) && to > from && typeof g === 'number' && Number.isFinite(g)) out.push({ from, to, g });
  }
  return out;
}

export async function fetchUkForecast(opts: CarbonOptions, now = Date.now()): Promise<Forecast> {
  const base = (opts.ukBaseUrl ?? opts.env?.GREENML_UK_CARBON_API ?? UK_DEFAULT_BASE).replace(/\/+$/, '');
  const timeout = opts.timeoutMs ?? 3000;
  const from = encodeURIComponent(ukTime(now));
  const postcode = opts.ukPostcode?.trim();
  if (postcode) {
    const outward = encodeURIComponent(postcode.split(/\s+/)[0].toUpperCase());
    const body = (await getJson(`${base}/regional/intensity/${from}/fw24h/postcode/${outward}`, timeout)) as {
      data?: { shortname?: string; data?: UkSlot[] } | { shortname?: string; data?: UkSlot[] }[];
    };
    // The postcode endpoints answer with one region object; accept a one-element array as well.
    const region = Array.isArray(body.data) ? body.data[0] : body.data;
    const slots = ukSlots(region?.data);
    if (slots.length === 0) throw new Error('no forecast in the response');
    return { provider: `UK Carbon Intensity API (regional forecast, ${region?.shortname ?? outward})`, slots, fetchedAt: now };
  }
  const body = (await getJson(`${base}/intensity/${from}/fw24h`, timeout)) as { data?: UkSlot[] };
  const slots = ukSlots(body.data);
  if (slots.length === 0) throw new Error('no forecast in the response');
  return { provider: 'UK Carbon Intensity API (national forecast)', slots, fetchedAt: now };
}

export async function fetchElectricityMapsForecast(opts: CarbonOptions, now = Date.now()): Promise<Forecast> {
  if (!opts.electricityMapsToken) throw new Error('no Electricity Maps token (command "Green ML: Set Electricity Maps Token")');
  const zone = opts.electricityMapsZone?.trim();
  if (!zone) throw new Error('no zone set (greenml.carbon.electricityMapsZone, e.g. DE)');
  const base = (opts.electricityMapsBaseUrl ?? opts.env?.GREENML_ELECTRICITYMAPS_API ?? EM_DEFAULT_BASE).replace(/\/+$/, '');
  const body = (await getJson(`${base}/carbon-intensity/forecast?zone=${encodeURIComponent(zone)}`, opts.timeoutMs ?? 3000, {
    'auth-token': opts.electricityMapsToken,
  })) as { zone?: string; forecast?: { carbonIntensity?: number; datetime?: string }[] };
  const points = (body.forecast ?? [])
    .map((p) => ({ t: Date.parse(p.datetime ?? ''), g: p.carbonIntensity }))
    .filter((p): p is { t: number; g: number } => Number.isFinite(p.t) && typeof p.g === 'number' && Number.isFinite(p.g))
    .sort((a, b) => a.t - b.t);
  if (points.length === 0) throw new Error('no forecast in the response');
  // Each point holds until the next one; the last one for the same step (hourly unless the points say otherwise).
  const step = points.length > 1 ? points[1].t - points[0].t : HOUR;
  const slots = points.map((p, i) => ({ from: p.t, to: i + 1 < points.length ? points[i + 1].t : p.t + step, g: p.g }));
  return { provider: `Electricity Maps (forecast, ${body.zone ?? zone})`, slots, fetchedAt: now };
}

/** The configured provider's forecast; throws with a reason a person can act on when there is none. */
export async function fetchForecast(opts: CarbonOptions, now = Date.now()): Promise<Forecast> {
  const provider = opts.liveProvider ?? 'none';
  if (provider === 'ukCarbonIntensity') return fetchUkForecast(opts, now);
  if (provider === 'electricityMaps') return fetchElectricityMapsForecast(opts, now);
  throw new Error('no live carbon-intensity provider is configured (greenml.carbon.liveProvider, or --live-provider ukCarbonIntensity | electricityMaps)');
}

/** Mean forecast intensity over [start, end), weighted by overlap; undefined when the forecast does not cover it. */
export function meanIntensity(slots: ForecastSlot[], start: number, end: number): number | undefined {
  let sum = 0;
  let covered = 0;
  for (const s of slots) {
    const a = Math.max(s.from, start);
    const b = Math.min(s.to, end);
    if (b > a) {
      sum += s.g * (b - a);
      covered += b - a;
    }
  }
  // Allow a small gap (a slot boundary a minute off) but not a missing hour.
  return covered > 0 && covered >= (end - start) * 0.95 ? sum / covered : undefined;
}

/**
 * The cleanest start within `withinMs` from `now` for a run of `runLengthMs` (unknown: each start
 * is judged by its slot's intensity). Candidate starts are now and every slot start in the allowed
 * wait; a window running past the forecast's end is judged on the
 * part the forecast covers. Ties go to the earliest start. Undefined when the forecast does not
 * cover now.
 */
export function cleanestWindow(forecast: Forecast, now: number, withinMs: number, runLengthMs?: number): StartWindow | undefined {
  const slots = [...forecast.slots].sort((a, b) => a.from - b.from);
  const horizon = slots.length ? slots[slots.length - 1].to : now;
  const current = slots.find((s) => s.from <= now && now < s.to);
  if (!current) return undefined;
  // A run of unknown length is judged slot by slot; a known one by the mean over its length.
  const judge = (start: number): number | undefined => {
    if (!runLengthMs || runLengthMs <= 0) return slots.find((s) => s.from <= start && start < s.to)?.g;
    const length = Math.max(runLengthMs, 60_000);
    return meanIntensity(slots, start, Math.min(start + length, Math.max(horizon, start + 1)));
  };
  const endOf = (start: number): number => {
    if (runLengthMs && runLengthMs > 0) return start + Math.max(runLengthMs, 60_000);
    return slots.find((s) => s.from <= start && start < s.to)?.to ?? start;
  };
  const nowG = judge(now) ?? current.g;
  let best: StartWindow = { start: now, end: endOf(now), gPerKwh: nowG, nowGPerKwh: nowG, currentGPerKwh: current.g };
  for (const s of slots) {
    if (s.from <= now || s.from > now + withinMs || s.from >= horizon) continue;
    const g = judge(s.from);
    if (g !== undefined && g < best.gPerKwh - 1e-9) best = { start: s.from, end: endOf(s.from), gPerKwh: g, nowGPerKwh: nowG, currentGPerKwh: current.g };
  }
  return best;
}

/** `90s`, `45m`, `2h`, `1h30m`, `1.5h`, `24h` → milliseconds; a bare number is hours. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * HOUR;
  const re = /(\d+(?:\.\d+)?)\s*(h|m|min|s)/gy;
  let ms = 0;
  let m: RegExpExecArray | null;
  let matched = 0;
  while ((m = re.exec(t))) {
    const v = Number(m[1]);
    ms += m[2] === 'h' ? v * HOUR : m[2] === 's' ? v * 1000 : v * 60_000;
    matched = re.lastIndex;
  }
  return matched === t.length && matched > 0 ? ms : undefined;
}
