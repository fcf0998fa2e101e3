// Tracking ↔ LSP wiring for the language server.
//
//   registerTracking(connection: Connection, options?: RegisterTrackingOptions): TrackingBridge
//
// Call once from startServer(connection), before connection.listen() or right after; it registers only
// custom handlers (see common/trackingProtocol.ts), never onInitialize/onDidChangeConfiguration:
//   client → server  'greenml/trackingConfig'     notification TrackingConfigParams (trust, folders, token)
//   client → server  'greenml/getTrackingStatus'  request → TrackingStatus
//   server → client  'greenml/trackingStatus'     notification TrackingStatus (≤ every 500 ms while runs are live)
//   server → client  'greenml/runEnded'           notification RunEndedParams
//   server → client  'greenml/historyChanged'     notification (a ledger has new rows)
//   client → server  'greenml/listRuns'           request → RunSummary[] (newest first)
//   client → server  'greenml/getRun'             request { runId } → RunDetail | null
//   client → server  'greenml/listRegions'        request → RegionEntry[]
// Settings: taken from TrackingConfigParams.settings when present, otherwise fetched with
// workspace/configuration (section "greenml"); call bridge.refreshSettings() from the server's own
// onDidChangeConfiguration handler (the client also re-sends greenml/trackingConfig on changes).
import { isAbsolute } from 'node:path';
import { MessageType, ShowMessageNotification, type Connection } from 'vscode-languageserver/node';
import { TrackingMethods, TrackingConfigParams, TrackingStatus, RunEndedParams } from '../common/trackingProtocol';
import { checkTrackingSettings, type Checked } from '../config/validateSettings';
import { TrackingService, ServiceOptions } from './service';
import { listRegions } from './carbon';

/**
 * A greenml/trackingConfig notification, checked: any client may send anything. Trust is only ever
 * granted by `true`; folders must be absolute paths; the token a string.
 */
export function checkTrackingConfig(raw: unknown): Checked<TrackingConfigParams> {
  const problems: string[] = [];
  const p = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  if (typeof raw !== 'object' || raw === null) problems.push('greenml/trackingConfig: the parameters are not an object; tracking uses its defaults, untrusted.');
  if (p.trusted !== undefined && typeof p.trusted !== 'boolean') problems.push('greenml/trackingConfig: "trusted" is not true or false; the workspace is treated as untrusted.');
  let folders: string[] = [];
  if (Array.isArray(p.workspaceFolders)) {
    folders = p.workspaceFolders.filter((f): f is string => typeof f === 'string' && isAbsolute(f));
    if (folders.length !== p.workspaceFolders.length) problems.push('greenml/trackingConfig: workspace folders that are not absolute paths are ignored.');
  } else if (p.workspaceFolders !== undefined) problems.push('greenml/trackingConfig: "workspaceFolders" is not a list of paths; no workspace folder is used.');
  const token = typeof p.electricityMapsToken === 'string' && p.electricityMapsToken !== '' ? p.electricityMapsToken : undefined;
  if (p.electricityMapsToken !== undefined && typeof p.electricityMapsToken !== 'string') problems.push('greenml/trackingConfig: the Electricity Maps token is not a string; it is not used.');
  return {
    settings: { trusted: p.trusted === true, workspaceFolders: folders, ...(token ? { electricityMapsToken: token } : {}), ...(p.settings !== undefined ? { settings: p.settings as TrackingConfigParams['settings'] } : {}) },
    problems,
  };
}

export interface RegisterTrackingOptions {
  pollMs?: number;
  discoveryMs?: number;
  env?: NodeJS.ProcessEnv;
  log?: (msg: string) => void;
}

export interface TrackingBridge {
  readonly service: TrackingService;
  refreshSettings(): Promise<void>;
  dispose(): void;
}

export function registerTracking(connection: Connection, options: RegisterTrackingOptions = {}): TrackingBridge {
  const log = options.log ?? ((m: string) => connection.console.log(`[tracking] ${m}`));
  const svcOpts: ServiceOptions = {
    publish: (s: TrackingStatus) => void connection.sendNotification(TrackingMethods.status, s).catch(() => undefined),
    runEnded: (p: RunEndedParams) => void connection.sendNotification(TrackingMethods.runEnded, p).catch(() => undefined),
    historyChanged: () => void connection.sendNotification(TrackingMethods.historyChanged).catch(() => undefined),
    log,
    pollMs: options.pollMs,
    discoveryMs: options.discoveryMs,
    env: options.env,
  };
  const service = new TrackingService(svcOpts);
  let last: TrackingConfigParams | undefined;

  const fetchSettings = async (): Promise<unknown> => {
    try {
      return await connection.workspace.getConfiguration({ section: 'greenml' });
    } catch {
      return undefined;
    }
  };

  // Each bad value is said (log and warning) when it first appears, not again on every resend.
  let lastProblems = new Set<string>();
  const report = (problems: string[]) => {
    for (const problem of problems) {
      if (lastProblems.has(problem)) continue;
      log(problem);
      void connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Warning, message: `Green ML: ${problem}` }).catch(() => undefined);
    }
    lastProblems = new Set(problems);
  };

  const apply = async (raw: unknown) => {
    const params = checkTrackingConfig(raw);
    const p = params.settings;
    last = p;
    const settings = checkTrackingSettings(p.settings ?? (await fetchSettings()));
    report([...params.problems, ...settings.problems]);
    service.configure({ trusted: p.trusted, workspaceFolders: p.workspaceFolders, settings: settings.settings, electricityMapsToken: p.electricityMapsToken });
  };

  connection.onNotification(TrackingMethods.config, (p: unknown) => {
    apply(p).catch((err) => log(`configuration failed: ${String(err)}`));
  });
  connection.onRequest(TrackingMethods.getStatus, () => service.status());
  connection.onRequest(TrackingMethods.listRuns, () => service.history());
  connection.onRequest(TrackingMethods.getRun, (p: { runId?: string }) => (typeof p?.runId === 'string' ? service.run(p.runId) : null));
  connection.onRequest(TrackingMethods.listRegions, () => listRegions());

  return {
    service,
    refreshSettings: async () => {
      if (last) await apply({ ...last, settings: undefined });
    },
    dispose: () => service.dispose(),
  };
}
