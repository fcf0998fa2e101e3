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
// Settings: taken from TrackingConfigParams.settings when present, otherwise fetched with
// workspace/configuration (section "greenml"); call bridge.refreshSettings() from the server's own
// onDidChangeConfiguration handler (the client also re-sends greenml/trackingConfig on changes).
import type { Connection } from 'vscode-languageserver/node';
import { TrackingMethods, TrackingConfigParams, TrackingSettings, TrackingStatus, RunEndedParams } from '../common/trackingProtocol';
import { TrackingService, ServiceOptions } from './service';

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
    log,
    pollMs: options.pollMs,
    discoveryMs: options.discoveryMs,
    env: options.env,
  };
  const service = new TrackingService(svcOpts);
  let last: TrackingConfigParams | undefined;

  const fetchSettings = async (): Promise<TrackingSettings> => {
    try {
      const s = (await connection.workspace.getConfiguration({ section: 'greenml' })) as TrackingSettings | null;
      return s ?? {};
    } catch {
      return {};
    }
  };

  const apply = async (p: TrackingConfigParams) => {
    last = p;
    const settings = p.settings ?? (await fetchSettings());
    service.configure({ trusted: p.trusted, workspaceFolders: p.workspaceFolders, settings, electricityMapsToken: p.electricityMapsToken });
  };

  connection.onNotification(TrackingMethods.config, (p: TrackingConfigParams) => {
    apply(p).catch((err) => log(`configuration failed: ${String(err)}`));
  });
  connection.onRequest(TrackingMethods.getStatus, () => service.status());

  return {
    service,
    refreshSettings: async () => {
      if (last) await apply({ ...last, settings: undefined });
    },
    dispose: () => service.dispose(),
  };
}
