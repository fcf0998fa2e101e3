// Checks the editor's `greenml.*` settings. VS Code does not enforce the manifest's types at run time
// (settings.json can hold any JSON value, and other editors send what they like), so every value is
// checked here: a bad one is named in a message and its default is used instead. Pure TypeScript
// (no node modules): the client checks greenml.tracking.* with the same functions before it starts
// a run. Keys not known here are passed through unchanged.
import type { EditorSettings } from '../common/protocol';
import type { TrackingSettings } from '../common/trackingProtocol';
import { DEVICES, DTYPES, SEVERITIES } from './settings';

export interface Checked<T> {
  settings: T;
  /** One message per bad value: the setting, what was wrong, what is used instead. */
  problems: string[];
}

export const DEFAULT_OUTPUT_DIR = '.greenml';

/** A value as the user wrote it, short. */
function shown(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

/**
 * greenml.tracking.outputDir: a folder relative to the workspace folder, inside it. Absolute paths,
 * `~` and `..` are refused (a workspace's settings must not make the tracker write elsewhere).
 */
export function checkOutputDir(value: unknown): { value: string; problem?: string } {
  const setting = 'greenml.tracking.outputDir';
  if (value === undefined) return { value: DEFAULT_OUTPUT_DIR };
  const refuse = (why: string) => ({ value: DEFAULT_OUTPUT_DIR, problem: `${setting}: ${shown(value)} ${why}; using "${DEFAULT_OUTPUT_DIR}".` });
  if (typeof value !== 'string') return refuse('is not a string');
  const v = value.trim();
  if (v === '') return refuse('is empty');
  if (v.length > 255) return refuse('is longer than 255 characters');
  if (/[\0]/.test(v)) return refuse('holds a NUL character');
  if (v.startsWith('/') || v.startsWith('\\') || /^[A-Za-z]:/.test(v) || v.startsWith('~')) {
    return refuse('is not a path relative to the workspace folder (the run ledger stays inside the workspace)');
  }
  if (v.split(/[\\/]+/).includes('..')) return refuse('leaves the workspace folder (".." is not allowed)');
  const normalised = v.split(/[\\/]+/).filter((p) => p !== '' && p !== '.').join('/');
  return { value: normalised === '' ? DEFAULT_OUTPUT_DIR : normalised };
}

type Rule = (v: unknown) => string | undefined;
const isBoolean: Rule = (v) => (typeof v === 'boolean' ? undefined : 'is not true or false');
const numberIn =
  (min: number, max: number): Rule =>
  (v) =>
    typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? undefined : `is not a number from ${min} to ${max}`;
const stringMatching =
  (re: RegExp, what: string): Rule =>
  (v) =>
    typeof v === 'string' && re.test(v) ? undefined : `is not ${what}`;
const oneOf =
  (...values: unknown[]): Rule =>
  (v) =>
    values.includes(v) ? undefined : `is not one of ${values.map((x) => shown(x)).join(', ')}`;

const CARBON_RULES: Record<string, Rule> = {
  region: stringMatching(/^([A-Za-z]{3})?$/, 'an ISO 3166 alpha-3 country code such as "FRA" (or "")'),
  intensity: (v) => (v === null || (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 10_000) ? undefined : 'is not null or a number of gCO₂e/kWh from 0 to 10000'),
  powerUsageEffectiveness: numberIn(1, 5),
  // The old name: null (its default now) means "use powerUsageEffectiveness".
  pue: (v) => (v === null ? undefined : numberIn(1, 5)(v)),
  liveProvider: oneOf('none', 'ukCarbonIntensity', 'electricityMaps'),
  postcode: stringMatching(/^[A-Za-z0-9 ]{0,8}$/, 'an outward postcode such as "G1" (or "")'),
  ukPostcode: stringMatching(/^[A-Za-z0-9 ]{0,8}$/, 'an outward postcode such as "G1" (or "")'),
  electricityMapsZone: stringMatching(/^[A-Za-z0-9_-]{0,32}$/, 'a zone such as "DE" or "US-CAL-CISO" (or "")'),
  providerTimeoutMs: numberIn(100, 30_000),
  startWithinHours: numberIn(0.5, 72),
};
const TRACKING_RULES: Record<string, Rule> = {
  enabled: isBoolean,
  interval: numberIn(0.1, 60),
  discoverProcesses: isBoolean,
  discoveryMinDuration: numberIn(0, 86_400),
  readCodeCarbon: isBoolean,
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks one section (`carbon`, `tracking`): bad values are dropped (their defaults apply) and named. */
function checkSection(section: string, raw: unknown, rules: Record<string, Rule>, problems: string[]): Record<string, unknown> | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) {
    problems.push(`greenml.${section}: ${shown(raw)} is not an object of settings; using the defaults.`);
    return undefined;
  }
  const out: Record<string, unknown> = { ...raw };
  for (const [key, rule] of Object.entries(rules)) {
    if (raw[key] === undefined) continue;
    const why = rule(raw[key]);
    if (why) {
      problems.push(`greenml.${section}.${key}: ${shown(raw[key])} ${why}; using the default.`);
      delete out[key];
    }
  }
  return out;
}

/** The `greenml.carbon.*` and `greenml.tracking.*` settings, checked. */
export function checkTrackingSettings(raw: unknown): Checked<TrackingSettings> {
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { settings: {}, problems };
  if (!isObject(raw)) return { settings: {}, problems: [`greenml: ${shown(raw)} is not an object of settings; using the defaults.`] };
  const settings: TrackingSettings = { ...(raw as TrackingSettings) };
  const carbon = checkSection('carbon', raw.carbon, CARBON_RULES, problems);
  if (carbon) settings.carbon = carbon as TrackingSettings['carbon'];
  else delete settings.carbon;
  const tracking = checkSection('tracking', raw.tracking, TRACKING_RULES, problems);
  if (tracking) {
    if (tracking.outputDir !== undefined) {
      const od = checkOutputDir(tracking.outputDir);
      if (od.problem) problems.push(od.problem);
      tracking.outputDir = od.value;
    }
    settings.tracking = tracking as TrackingSettings['tracking'];
  } else delete settings.tracking;
  return { settings, problems };
}

/** A rule code or prefix as settings and `[tool.greenml]` spell them (after trimming and upper-casing). */
export const CODE_SELECTOR = /^(ALL|GML\d{0,3})$/;
/** Longer globs are refused: a path is matched in time proportional to glob × path length. */
export const MAX_GLOB_LENGTH = 1024;

/** A list of rule codes or prefixes: bad entries are dropped and named. */
function checkCodes(name: string, v: unknown, problems: string[]): string[] | undefined {
  if (v === null || v === undefined) return undefined;
  if (!Array.isArray(v)) {
    problems.push(`greenml.${name}: ${shown(v)} is not a list of rule codes such as ["GML101", "GML2"]; ignored.`);
    return undefined;
  }
  const good = v.filter((c): c is string => typeof c === 'string' && CODE_SELECTOR.test(c.trim().toUpperCase()));
  if (good.length !== v.length) problems.push(`greenml.${name}: ${v.filter((c) => !good.includes(c)).map(shown).join(', ')} not a rule code or prefix (GML101, GML2, ALL); ignored.`);
  return good.map((c) => c.trim().toUpperCase());
}

/**
 * The analysis settings (`greenml.enable`, `select`, `perFileIgnores`…), checked. The time budget
 * takes any positive number (the manifest's minimum of 10 guides the settings UI; tests use less).
 */
export function checkEditorSettings(raw: unknown): Checked<EditorSettings> {
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { settings: {}, problems };
  if (!isObject(raw)) return { settings: {}, problems: [`greenml: ${shown(raw)} is not an object of settings; using the defaults.`] };
  const s: EditorSettings = {};
  const bad = (name: string, why: string) => problems.push(`greenml.${name}: ${shown(raw[name])} ${why}; using the default.`);
  if (raw.enable !== undefined) {
    if (typeof raw.enable === 'boolean') s.enable = raw.enable;
    else bad('enable', 'is not true or false');
  }
  for (const name of ['select', 'ignore', 'extendSelect'] as const) {
    const codes = checkCodes(name, raw[name], problems);
    if (codes) s[name] = codes;
  }
  const globs = raw.perFileIgnores;
  if (globs !== undefined && globs !== null) {
    if (!isObject(globs)) bad('perFileIgnores', 'is not an object of glob → rule codes');
    else {
      s.perFileIgnores = {};
      for (const [glob, codes] of Object.entries(globs)) {
        if (glob.length > MAX_GLOB_LENGTH) {
          problems.push(`greenml.perFileIgnores: a glob of ${glob.length} characters is longer than ${MAX_GLOB_LENGTH}; ignored.`);
          continue;
        }
        // The Settings UI edits a map's values as strings: "GML2, GML101".
        const asList = typeof codes === 'string' ? codes.split(/[\s,]+/).filter(Boolean) : codes;
        const list = checkCodes(`perFileIgnores[${shown(glob)}]`, asList, problems);
        if (list) s.perFileIgnores[glob] = list;
      }
    }
  }
  if (raw.unsafeFixes !== undefined && raw.unsafeFixes !== null) {
    if (typeof raw.unsafeFixes === 'boolean') s.unsafeFixes = raw.unsafeFixes;
    else bad('unsafeFixes', 'is not true, false or null');
  }
  const sev = raw.severity;
  if (sev !== undefined && sev !== null) {
    if (!isObject(sev)) bad('severity', 'is not an object of rule code → severity');
    else {
      s.severity = {};
      for (const [code, level] of Object.entries(sev)) {
        if (typeof level === 'string' && (SEVERITIES as readonly string[]).includes(level)) s.severity[code] = level;
        else problems.push(`greenml.severity.${code}: ${shown(level)} is not ${SEVERITIES.map((x) => `"${x}"`).join(', ')}; ignored.`);
      }
    }
  }
  const enumSetting = <K extends 'targetDevice' | 'preferDtype'>(name: K, values: readonly NonNullable<EditorSettings[K]>[]) => {
    const v = raw[name];
    if (v === undefined || v === null) return;
    if ((values as readonly unknown[]).includes(v)) s[name] = v as EditorSettings[K];
    else bad(name, `is not one of ${values.map((x) => `"${x}"`).join(', ')} or null`);
  };
  enumSetting('targetDevice', DEVICES);
  enumSetting('preferDtype', DTYPES);
  const budget = raw.analysisTimeBudgetMs;
  if (budget !== undefined && budget !== null) {
    if (typeof budget === 'number' && Number.isFinite(budget) && budget > 0) s.analysisTimeBudgetMs = budget;
    else bad('analysisTimeBudgetMs', 'is not a positive number of milliseconds or null');
  }
  const size = raw.maxFileSize;
  if (size !== undefined) {
    if (typeof size === 'number' && Number.isFinite(size) && size >= 1024) s.maxFileSize = size;
    else bad('maxFileSize', 'is not a number of bytes, at least 1024');
  }
  return { settings: s, problems };
}
