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
  exitCode: number | null;
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
    pue?: number;
    liveProvider?: 'none' | 'ukCarbonIntensity' | 'electricityMaps';
    ukPostcode?: string;
    electricityMapsZone?: string;
    providerTimeoutMs?: number;
  };
  tracking?: {
    enabled?: boolean;
    interval?: number;
    outputDir?: string;
    discoverProcesses?: boolean;
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
} as const;
