// Carbon intensity, in order: a user-set value > a configured live provider (UK Carbon Intensity API,
// no key; Electricity Maps, token) > the bundled country table (Our World in Data via CodeCarbon, ISO
// 3166 alpha-3 → g/kWh with its year) > the world average 475 g/kWh, labelled "assumed". Live providers
// are off by default, have a timeout and fall back; their base URLs can be moved (tests, proxies) with
// GREENML_UK_CARBON_API / GREENML_ELECTRICITYMAPS_API. No region is ever guessed.
import type { IntensityStatus } from '../common/trackingProtocol';
import intensityData = require('../../data/carbon_intensity.json');
import { fetchForecast, type Forecast } from './forecast';

export const WORLD_AVERAGE_G = 475;
export const UK_DEFAULT_BASE = 'https://api.carbonintensity.org.uk';
export const EM_DEFAULT_BASE = 'https://api.electricitymaps.com/v3';

export type LiveProvider = 'none' | 'ukCarbonIntensity' | 'electricityMaps';

/** Environment variables only the tracker may see: never passed to the tracked command or any tool it starts. */
export const SECRET_ENV = ['GREENML_ELECTRICITYMAPS_TOKEN'] as const;

/** `env` less the tracker's secrets: for every process the tracker starts (workspace code can read its environment). */
export function withoutSecrets(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const k of SECRET_ENV) delete out[k];
  return out;
}

export interface CarbonOptions {
  region?: string;
  override?: number | null;
  pue?: number;
  liveProvider?: LiveProvider;
  ukPostcode?: string;
  electricityMapsZone?: string;
  electricityMapsToken?: string;
  timeoutMs?: number;
  ukBaseUrl?: string;
  electricityMapsBaseUrl?: string;
  env?: NodeJS.ProcessEnv;
}

export interface ResolvedIntensity extends IntensityStatus {
  notes: string[];
}

type CountryRow = { name: string; g: number; year: number };
const countries = intensityData.countries as Record<string, CountryRow>;

/** A country by ISO 3166 alpha-3 code or by its name in the table (any case): `FRA`, `france`. */
export function lookupCountry(codeOrName: string): (CountryRow & { iso: string }) | undefined {
  const k = codeOrName.trim().toUpperCase();
  const row = countries[k];
  if (row) return { ...row, iso: k };
  const byName = Object.entries(countries).find(([, r]) => r.name.toUpperCase() === k);
  return byName ? { ...byName[1], iso: byName[0] } : undefined;
}

/** The bundled table, by name: what the region picker offers. */
export function listRegions(): { iso: string; name: string; gPerKwh: number; year: number }[] {
  return Object.entries(countries)
    .map(([iso, r]) => ({ iso, name: r.name, gPerKwh: r.g, year: r.year }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function normalisePue(pue: number | undefined): number {
  return typeof pue === 'number' && Number.isFinite(pue) && pue >= 1 && pue <= 5 ? pue : 1.0;
}

/** The offline part of the chain (no network): override > table > assumed. */
export function resolveOffline(opts: CarbonOptions): ResolvedIntensity {
  const pue = normalisePue(opts.pue);
  const notes: string[] = [];
  if (typeof opts.override === 'number' && Number.isFinite(opts.override) && opts.override >= 0) {
    return { gPerKwh: opts.override, source: 'user-set intensity (greenml.carbon.intensity)', kind: 'override', region: opts.region || undefined, pue, notes };
  }
  if (opts.region && opts.region.trim()) {
    const row = lookupCountry(opts.region);
    if (row) {
      return {
        gPerKwh: row.g,
        source: `Our World in Data ${row.year}, ${row.name} (${row.iso}), lifecycle`,
        kind: 'table',
        year: row.year,
        region: row.iso,
        pue,
        notes,
      };
    }
    notes.push(`Unknown region "${opts.region}": use a country name or ISO 3166 alpha-3 code such as France, FRA, DEU, GBR or USA.`);
  } else notes.push('No region set: set greenml.carbon.region (or --region) to your country for its grid intensity.');
  return { gPerKwh: WORLD_AVERAGE_G, source: 'assumed: world average (IEA 2019)', kind: 'assumed', year: 2019, pue, notes };
}

/** A failed request in words: `timed out after 3000 ms`, `HTTP 500`, `connect ECONNREFUSED …`. */
export function describeFetchError(err: unknown, timeoutMs = 3000): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `timed out after ${timeoutMs} ms`;
  const cause = (err as { cause?: unknown }).cause;
  if (err.message === 'fetch failed' && cause instanceof Error) return cause.message;
  return err.message;
}

/** GET a JSON body with a timeout; a non-2xx answer throws `HTTP <status> <text>`. */
export async function getJson(url: string, timeoutMs: number, headers: Record<string, string> = {}): Promise<unknown> {
  const res = await fetch(url, { headers: { accept: 'application/json', ...headers }, signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  return res.json();
}

type UkIntensity = { from?: string; to?: string; intensity?: { forecast?: number | null; actual?: number | null; index?: string } };

export async function fetchUkIntensity(opts: CarbonOptions): Promise<{ g: number; detail: string }> {
  const base = (opts.ukBaseUrl ?? opts.env?.GREENML_UK_CARBON_API ?? UK_DEFAULT_BASE).replace(/\/+$/, '');
  const timeout = opts.timeoutMs ?? 3000;
  if (opts.ukPostcode && opts.ukPostcode.trim()) {
    const outward = encodeURIComponent(opts.ukPostcode.trim().split(/\s+/)[0].toUpperCase());
    const body = (await getJson(`${base}/regional/postcode/${outward}`, timeout)) as { data?: { shortname?: string; data?: UkIntensity[] }[] };
    const region = body.data?.[0];
    const d = region?.data?.[0];
    const g = d?.intensity?.forecast;
    if (typeof g !== 'number') throw new Error('unexpected response shape');
    return { g, detail: `regional forecast, ${region?.shortname ?? outward}, ${d?.from ?? ''}` };
  }
  const body = (await getJson(`${base}/intensity`, timeout)) as { data?: UkIntensity[] };
  const d = body.data?.[0];
  const actual = d?.intensity?.actual;
  const forecast = d?.intensity?.forecast;
  const g = typeof actual === 'number' ? actual : forecast;
  if (typeof g !== 'number') throw new Error('unexpected response shape');
  return { g, detail: `${typeof actual === 'number' ? 'actual' : 'forecast'}, GB, ${d?.from ?? ''}` };
}

export async function fetchElectricityMaps(opts: CarbonOptions): Promise<{ g: number; detail: string }> {
  if (!opts.electricityMapsToken) throw new Error('no Electricity Maps token (command "Green ML: Set Electricity Maps Token")');
  const zone = opts.electricityMapsZone?.trim();
  if (!zone) throw new Error('no zone set (greenml.carbon.electricityMapsZone, e.g. DE)');
  const base = (opts.electricityMapsBaseUrl ?? opts.env?.GREENML_ELECTRICITYMAPS_API ?? EM_DEFAULT_BASE).replace(/\/+$/, '');
  const body = (await getJson(`${base}/carbon-intensity/latest?zone=${encodeURIComponent(zone)}`, opts.timeoutMs ?? 3000, {
    'auth-token': opts.electricityMapsToken,
  })) as { zone?: string; carbonIntensity?: number; datetime?: string; emissionFactorType?: string; isEstimated?: boolean };
  if (typeof body.carbonIntensity !== 'number') throw new Error('unexpected response shape');
  return {
    g: body.carbonIntensity,
    detail: `${body.zone ?? zone}, ${body.emissionFactorType ?? 'lifecycle'}${body.isEstimated ? ', estimated' : ''}, ${body.datetime ?? ''}`,
  };
}

/** The whole chain, including a configured live provider (one request, with timeout and fallback). */
export async function resolveIntensity(opts: CarbonOptions): Promise<ResolvedIntensity> {
  const offline = resolveOffline(opts);
  if (offline.kind === 'override') return offline;
  const provider = opts.liveProvider ?? 'none';
  if (provider === 'none') return offline;
  const pue = normalisePue(opts.pue);
  try {
    if (provider === 'ukCarbonIntensity') {
      const r = await fetchUkIntensity(opts);
      return { gPerKwh: r.g, source: `UK Carbon Intensity API (${r.detail})`, kind: 'live', year: new Date().getUTCFullYear(), region: 'GBR', pue, notes: [] };
    }
    const r = await fetchElectricityMaps(opts);
    return { gPerKwh: r.g, source: `Electricity Maps (${r.detail})`, kind: 'live', year: new Date().getUTCFullYear(), region: opts.electricityMapsZone, pue, notes: [] };
  } catch (err) {
    const why = describeFetchError(err, opts.timeoutMs);
    const name = provider === 'ukCarbonIntensity' ? 'UK Carbon Intensity API' : 'Electricity Maps';
    return { ...offline, notes: [`${name} unavailable (${why}); using ${offline.source}.`, ...offline.notes] };
  }
}

/**
 * Keeps a live intensity fresh during a long run (refreshed every `refreshMs`, default 30 min), and,
 * when asked to (`withForecast`), the provider's forecast too.
 */
export class IntensityTracker {
  current: ResolvedIntensity;
  forecast?: Forecast;
  /** Why there is no forecast (no provider, provider failed), when there is none. */
  forecastError?: string;
  private timer?: NodeJS.Timeout;
  constructor(
    private readonly opts: CarbonOptions,
    private readonly withForecast = false,
  ) {
    this.current = resolveOffline(opts);
  }
  private async refreshForecast(): Promise<void> {
    if (!this.withForecast || (this.opts.liveProvider ?? 'none') === 'none' || this.current.kind === 'override') return;
    try {
      this.forecast = await fetchForecast(this.opts);
      this.forecastError = undefined;
    } catch (err) {
      this.forecastError = describeFetchError(err, this.opts.timeoutMs);
    }
  }
  async start(refreshMs = 30 * 60 * 1000): Promise<ResolvedIntensity> {
    const [current] = await Promise.all([resolveIntensity(this.opts), this.refreshForecast()]);
    this.current = current;
    if (this.current.kind === 'live' || (this.opts.liveProvider ?? 'none') !== 'none') {
      this.timer = setInterval(() => {
        resolveIntensity(this.opts).then(
          (r) => {
            if (r.kind === 'live' || this.current.kind !== 'live') this.current = r;
          },
          () => undefined,
        );
        void this.refreshForecast();
      }, refreshMs);
      this.timer.unref();
    }
    return this.current;
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
