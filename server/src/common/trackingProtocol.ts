// The tracking part of the client ↔ server contract: custom LSP methods and their payloads.
// Pure types and string constants: imported by the server (tracking/lspBridge.ts) and by the client
// (client/src/tracking/*), never importing vscode or node-only modules.

/** How a figure was obtained. Every energy/power figure carries one of these. */
export type MethodKind = 'measured' | 'estimated' | 'assumed' | 'none';

export interface ComponentStatus {
  /** Power attributed to the tracked processes over the last interval, W. */
  powerW: number;
  /** Energy attributed to the tracked processes so far, kWh (IT energy, before PUE). */
  energyKwh: number;
  /** Energy the whole machine used in this component so far, kWh. */
  machineEnergyKwh: number;
  /** Idle baseline energy over the same time (measured before the run), kWh. */
  idleEnergyKwh: number;
  /** e.g. "measured: RAPL package counters", "estimated: TDP × CPU time", "none: no NVIDIA GPU". */
  method: string;
  kind: MethodKind;
}

export interface IntensityStatus {
  gPerKwh: number;
  /** e.g. "Our World in Data 2023 (FRA)", "user override", "UK Carbon Intensity API", "assumed world average". */
  source: string;
  kind: 'override' | 'live' | 'table' | 'assumed';
  year?: number;
  region?: string;
  pue: number;
}

export type RunOrigin = 'command' | 'terminal' | 'discovered' | 'codecarbon';

export interface RunStatus {
  runId: string;
  origin: RunOrigin;
  /** Script or command shown to the user. */
  label: string;
  pid?: number;
  startedAt: string; // ISO time
  durationS: number;
  running: boolean;
  /** Time of the sample these figures come from (ms since epoch). */
  sampleTime: number;
  powerW: number;
  energyKwh: number;
  emissionsKg: number;
  components: { cpu: ComponentStatus; gpu: ComponentStatus; ram: ComponentStatus };
  intensity: IntensityStatus;
  /** Warnings to surface (fallbacks, permission fixes). */
  notes: string[];
}

export interface TrackingStatus {
  /** Running runs (summed in the status bar). */
  runs: RunStatus[];
  /** Most recent CodeCarbon emissions.csv rows found in the workspace (shown, never summed). */
  codecarbon: CodeCarbonRecord[];
  totals: { powerW: number; energyKwh: number; emissionsKg: number; count: number };
  /** When the server assembled this status (ms since epoch). */
  updatedAt: number;
  /** Set when no region/intensity is configured: the client prompts once to set greenml.carbon.region. */
  needsRegion: boolean;
  /** The carbon intensity now, with its source (also when nothing runs). */
  intensity?: IntensityStatus;
  /** The configured live provider's forecast, when it has one: now and the cleanest window ahead. */
  forecast?: ForecastStatus;
  /** Why there is no forecast although a live provider is configured. */
  forecastError?: string;
  /** The most recent recorded run, for the idle status. */
  lastRun?: RunSummary;
  /** Runs waiting for the cleanest window (`greenml run --start-when-cleanest`). */
  scheduled?: ScheduledRun[];
}

export interface ForecastStatus {
  /** e.g. "UK Carbon Intensity API (national forecast)". */
  provider: string;
  /** Forecast intensity of the slot that holds now, g/kWh. */
  nowGPerKwh: number;
  /** The cleanest window in the next 24 h (ISO times) and its mean forecast intensity. */
  best: { start: string; end: string; gPerKwh: number };
  /** Until when the forecast reaches (ISO). */
  horizon: string;
}

export interface ScheduledRun {
  runId: string;
  /** Script or command shown to the user. */
  label: string;
  /** Process waiting (the `greenml run` that will start the command). */
  trackerPid: number;
  /** When the command will start (ISO). */
  startAt: string;
  /** Forecast intensity at the time of the request and in the chosen window, g/kWh. */
  nowGPerKwh: number;
  windowGPerKwh: number;
}

export interface CodeCarbonRecord {
  file: string;
  timestamp: string;
  projectName: string;
  durationS: number;
  energyKwh: number;
  emissionsKg: number;
  powerW: number;
  countryIsoCode: string;
  modifiedAt: number;
}

export interface RunEndedParams {
  runId: string;
  label: string;
  origin: RunOrigin;
  /** The command's exit status; null when it is not known (a discovered process reaped by its shell). */
  exitCode: number | null;
  /** The script path or command the run was started with. */
  script?: string;
  durationS: number;
  energyKwh: number;
  emissionsKg: number;
  intensity: IntensityStatus;
  labelMarkdownPath?: string;
  labelJsonPath?: string;
}

export interface TrackingConfigParams {
  /** Workspace trust: discovery and attaching happen only when true. */
  trusted: boolean;
  /** Absolute paths of the workspace folders. */
  workspaceFolders: string[];
  /** Electricity Maps token from the client's secret storage (never in settings). */
  electricityMapsToken?: string;
  /** Settings; when absent the server asks the client for the `greenml` section (workspace/configuration). */
  settings?: TrackingSettings;
}

/** The `greenml.carbon.*` and `greenml.tracking.*` settings. */
export interface TrackingSettings {
  carbon?: {
    region?: string;
    intensity?: number | null;
    pue?: number | null;
    liveProvider?: 'none' | 'ukCarbonIntensity' | 'electricityMaps';
    /** UK outward postcode for the regional forecast (`greenml.carbon.postcode`). */
    postcode?: string;
    /** @deprecated the setting's old name; read when `postcode` is empty. */
    ukPostcode?: string;
    /** `greenml.carbon.powerUsageEffectiveness`; `pue` is its old name, read when it is not set. */
    powerUsageEffectiveness?: number;
    electricityMapsZone?: string;
    providerTimeoutMs?: number;
  };
  tracking?: {
    enabled?: boolean;
    interval?: number;
    outputDir?: string;
    discoverProcesses?: boolean;
    /** Discovered processes shorter than this (seconds) are not recorded. Default 30. */
    discoveryMinDuration?: number;
    readCodeCarbon?: boolean;
  };
}

export const TrackingMethods = {
  /** server → client notification, TrackingStatus; at least every second while something runs. */
  status: 'greenml/trackingStatus',
  /** server → client notification, RunEndedParams. */
  runEnded: 'greenml/runEnded',
  /** client → server notification, TrackingConfigParams (trust, folders, token). */
  config: 'greenml/trackingConfig',
  /** client → server request, no params → TrackingStatus. */
  getStatus: 'greenml/getTrackingStatus',
  /** client → server request, no params → RunSummary[] (newest first) of every workspace ledger. */
  listRuns: 'greenml/listRuns',
  /** client → server request, { runId } → RunDetail | null. */
  getRun: 'greenml/getRun',
  /** client → server request, no params → RegionEntry[] (the bundled country table). */
  listRegions: 'greenml/listRegions',
  /** server → client notification, no params: a ledger changed (new or recovered rows). */
  historyChanged: 'greenml/historyChanged',
} as const;

/** One row of the run history: a ledger row, with its label's facts when the label exists. */
export interface RunSummary {
  runId: string;
  /** Script path or command (from the label), else the ledger's project name. */
  script: string;
  origin: RunOrigin | 'unknown';
  startedAt: string;
  durationS: number;
  energyKwh: number;
  emissionsKg: number;
  /** null: not known. */
  exitCode: number | null;
  /** How the figures were obtained: per component method, intensity source. */
  methods: { cpu: string; gpu: string; ram: string; intensity: string; intensityKind: string };
  /** The run was cut short (its tracker died): figures up to its last checkpoint. */
  interrupted: boolean;
  /** Label files, when they exist. */
  labelJsonPath?: string;
  labelMarkdownPath?: string;
  /** The ledger the row is in. */
  ledgerPath: string;
}

export interface RunDetail {
  summary: RunSummary;
  /** The carbon label (schema greenml.carbon-label/1), power samples included. */
  label: Record<string, unknown> | null;
}

export interface RegionEntry {
  iso: string;
  name: string;
  gPerKwh: number;
  year: number;
}
