// VS Code side of tracking: the status bar item, the run commands (Run with emissions tracking, Run
// at the cleanest time), the Runs view with its carbon labels and comparisons, the region picker, the
// status quick pick, the Electricity Maps token in secret storage, and trust-gated configuration of
// the language server, which does the measuring.
//
//   activateTracking(context: vscode.ExtensionContext, client: LanguageClient, log: vscode.LogOutputChannel): void
//
// Call after client.start() has been requested (it waits for client readiness itself).
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { TrackingMethods, TrackingStatus, RunEndedParams, TrackingConfigParams, RunDetail, RunSummary, RegionEntry, ScheduledRun } from '../../../server/src/common/trackingProtocol';
import { statusBarText, statusBarTooltip, IDLE_TEXT, TOOLTIP_COMMANDS, nextScheduled, baseName } from './statusText';
import { RunTerminals, TOKEN_KEY } from './runTerminal';
import { RunHistory, RunItem } from './historyView';
import { RunPanels } from './runPanel';
import { pickRegion, showStatus } from './pickers';

export function activateTracking(context: vscode.ExtensionContext, client: LanguageClient, log: vscode.LogOutputChannel): void {
  const item = vscode.window.createStatusBarItem('greenml.tracking', vscode.StatusBarAlignment.Left, 100);
  item.name = 'Green ML tracking';
  item.text = IDLE_TEXT;
  item.command = 'greenml.showRuns';
  item.show();
  context.subscriptions.push(item);
  let lastStatus: TrackingStatus | undefined;
  let promptedRegion = false;
  let ticker: NodeJS.Timeout | undefined;

  const render = (s: TrackingStatus | undefined) => {
    lastStatus = s;
    item.text = statusBarText(s);
    const md = new vscode.MarkdownString(statusBarTooltip(s), true);
    md.isTrusted = { enabledCommands: TOOLTIP_COMMANDS };
    item.tooltip = md;
    const waiting = !!nextScheduled(s) && (s?.runs.length ?? 0) === 0;
    item.command = waiting ? 'greenml.startScheduledRunNow' : 'greenml.showRuns';
    // The countdown moves every second, whatever the server's pace.
    if (waiting && !ticker) ticker = setInterval(() => (item.text = statusBarText(lastStatus)), 1000);
    if (!waiting && ticker) {
      clearInterval(ticker);
      ticker = undefined;
    }
  };
  context.subscriptions.push({ dispose: () => ticker && clearInterval(ticker) });

  const request = async <T>(method: string, params?: unknown): Promise<T | undefined> => {
    if (!client.isRunning()) return undefined;
    return (await client.sendRequest(method, params)) as T;
  };
  const runs = {
    listRuns: async () => (await request<RunSummary[]>(TrackingMethods.listRuns)) ?? [],
    getRun: async (runId: string) => (await request<RunDetail | null>(TrackingMethods.getRun, { runId })) ?? null,
  };
  const panels = new RunPanels(context, runs);
  const terminals = new RunTerminals(context, log, (id) => void panels.openRun(id));
  const history = new RunHistory(runs.listRuns);
  const view = vscode.window.createTreeView('greenml.runs', { treeDataProvider: history, canSelectMany: true, showCollapseAll: false });
  context.subscriptions.push(panels, terminals, history, view);

  const sendConfig = async () => {
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    let token: string | undefined;
    try {
      token = await context.secrets.get(TOKEN_KEY);
    } catch {
      token = undefined;
    }
    const params: TrackingConfigParams = { trusted: vscode.workspace.isTrusted, workspaceFolders: folders, electricityMapsToken: token };
    try {
      await client.sendNotification(TrackingMethods.config, params);
    } catch (err) {
      log.warn(`tracking: could not send configuration: ${String(err)}`);
    }
  };

  /** Until the server reports the run (or it ends), the status bar says it is starting. */
  let startingResolve: (() => void) | undefined;
  const showStarting = (what: string) => {
    startingResolve?.();
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Green ML: starting ${what}…` }, () =>
      new Promise<void>((resolve) => {
        startingResolve = resolve;
        setTimeout(resolve, 20_000);
      }),
    );
  };

  const ready = async () => {
    try {
      for (let i = 0; i < 600 && !client.isRunning(); i++) await new Promise((r) => setTimeout(r, 100));
      if (!client.isRunning()) return;
      context.subscriptions.push(
        client.onNotification(TrackingMethods.status, (s: TrackingStatus) => {
          render(s);
          if (s.runs.length > 0 || (s.scheduled?.length ?? 0) > 0) {
            startingResolve?.();
            startingResolve = undefined;
          }
          if (s.needsRegion && s.runs.some((r) => r.origin !== 'discovered') && !promptedRegion) {
            promptedRegion = true;
            void promptRegion();
          }
        }),
        client.onNotification(TrackingMethods.runEnded, (p: RunEndedParams) => {
          startingResolve?.();
          startingResolve = undefined;
          history.refresh();
          void terminals.announce(p);
        }),
        client.onNotification(TrackingMethods.historyChanged, () => history.refresh()),
      );
      await sendConfig();
      render((await client.sendRequest(TrackingMethods.getStatus)) as TrackingStatus);
      history.refresh();
    } catch (err) {
      log.warn(`tracking: ${String(err)}`);
    }
  };
  void ready();

  const promptRegion = async () => {
    const set = 'Set region';
    const pick = await vscode.window.showWarningMessage(
      'Green ML: carbon intensity is assumed (world average 475 g/kWh). Set your country for the grid intensity of your region.',
      set,
    );
    if (pick === set) await vscode.commands.executeCommand('greenml.setCarbonRegion');
  };

  const pickScheduled = async (verb: string): Promise<ScheduledRun | undefined> => {
    const list = lastStatus?.scheduled ?? [];
    if (list.length === 0) {
      void vscode.window.showInformationMessage('Green ML: no run is waiting for its start time.');
      return undefined;
    }
    if (list.length === 1) return list[0];
    const pick = await vscode.window.showQuickPick(
      list.map((w) => ({ label: baseName(w.label), description: `starts ${new Date(w.startAt).toLocaleTimeString()}`, w })),
      { title: `Green ML: ${verb}` },
    );
    return pick?.w;
  };
  const signal = (w: ScheduledRun, sig: NodeJS.Signals) => {
    try {
      process.kill(w.trackerPid, sig);
    } catch (err) {
      log.warn(`tracking: could not signal the waiting run ${w.trackerPid}: ${String(err)}`);
    }
  };
  const runIdOf = (arg: unknown): string | undefined => (arg instanceof RunItem ? arg.run.runId : typeof arg === 'string' ? arg : undefined);

  context.subscriptions.push(
    vscode.commands.registerCommand('greenml.runWithTracking', async (uri?: vscode.Uri) => {
      const target = await terminals.target(uri);
      if (!target) return;
      showStarting(baseName(target.uri.fsPath));
      await terminals.start(target);
    }),
    vscode.commands.registerCommand('greenml.runAtCleanestTime', async (uri?: vscode.Uri) => {
      const target = await terminals.target(uri);
      if (!target) return;
      const cfg = vscode.workspace.getConfiguration('greenml', target.uri);
      if ((cfg.get<string>('carbon.liveProvider') ?? 'none') === 'none') {
        const open = 'Choose a provider';
        const pick = await vscode.window.showWarningMessage(
          'Green ML: no live carbon-intensity provider is set, so there is no forecast: the run starts now. A provider (the UK Carbon Intensity API needs no key) gives the cleanest time in the next 24 h.',
          open,
        );
        if (pick === open) void vscode.commands.executeCommand('workbench.action.openSettings', 'greenml.carbon.liveProvider');
      }
      const hours = cfg.get<number>('carbon.startWithinHours') ?? 24;
      showStarting(`${baseName(target.uri.fsPath)} (waiting for the cleanest time)`);
      await terminals.start(target, ['--start-when-cleanest', '--within', `${hours}h`]);
    }),
    vscode.commands.registerCommand('greenml.startScheduledRunNow', async () => {
      const w = await pickScheduled('Start now');
      if (!w) return;
      const now = 'Start now';
      const cancel = 'Cancel the run';
      const pick = await vscode.window.showInformationMessage(
        `Green ML: ${baseName(w.label)} is waiting for ${new Date(w.startAt).toLocaleTimeString()} (${Math.round(w.windowGPerKwh)} g/kWh forecast against ${Math.round(w.nowGPerKwh)} at the request).`,
        now,
        cancel,
      );
      if (pick === now) signal(w, 'SIGUSR2');
      else if (pick === cancel) signal(w, 'SIGINT');
    }),
    vscode.commands.registerCommand('greenml.cancelScheduledRun', async () => {
      const w = await pickScheduled('Cancel a waiting run');
      if (w) signal(w, 'SIGINT');
    }),
    vscode.commands.registerCommand('greenml.setElectricityMapsToken', async () => {
      const token = await vscode.window.showInputBox({ prompt: 'Electricity Maps API token (kept in VS Code secret storage)', password: true, ignoreFocusOut: true });
      if (token === undefined) return;
      if (token === '') await context.secrets.delete(TOKEN_KEY);
      else await context.secrets.store(TOKEN_KEY, token);
      await sendConfig();
    }),
    vscode.commands.registerCommand('greenml.setCarbonRegion', async () => {
      const regions = (await request<RegionEntry[]>(TrackingMethods.listRegions)) ?? [];
      const cfg = vscode.workspace.getConfiguration('greenml');
      const iso = await pickRegion(regions, cfg.get<string>('carbon.region'));
      if (iso === undefined) return;
      // Saved where the region is set now: a user-level value would be hidden by the workspace's.
      const setInWorkspace = cfg.inspect<string>('carbon.region')?.workspaceValue !== undefined;
      await cfg.update('carbon.region', iso, setInWorkspace ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global);
    }),
    vscode.commands.registerCommand('greenml.showTrackingStatus', async () => {
      const cfg = vscode.workspace.getConfiguration('greenml');
      await showStatus(lastStatus, { hasProvider: (cfg.get<string>('carbon.liveProvider') ?? 'none') !== 'none', trusted: vscode.workspace.isTrusted });
    }),
    vscode.commands.registerCommand('greenml.showLog', () => log.show(true)),
    vscode.commands.registerCommand('greenml.showRuns', async () => {
      await vscode.commands.executeCommand('greenml.runs.focus');
    }),
    vscode.commands.registerCommand('greenml.refreshRuns', () => history.refresh()),
    vscode.commands.registerCommand('greenml.openRun', async (arg?: unknown) => {
      const id = runIdOf(arg) ?? runIdOf(view.selection[0]);
      if (id) await panels.openRun(id);
    }),
    vscode.commands.registerCommand('greenml.compareWithPrevious', async (arg?: unknown) => {
      const id = runIdOf(arg) ?? runIdOf(view.selection[0]);
      if (id) await panels.compareWithPrevious(id);
    }),
    vscode.commands.registerCommand('greenml.compareRuns', async (arg?: unknown, selected?: unknown[]) => {
      let picked = (selected ?? (view.selection.length ? view.selection : arg ? [arg] : [])).map(runIdOf).filter((x): x is string => !!x);
      if (picked.length !== 2) {
        const all = await runs.listRuns();
        const choice = await vscode.window.showQuickPick(
          all.map((r) => ({ label: baseName(r.script), description: `${new Date(r.startedAt).toLocaleString()} · ${r.runId.slice(0, 8)}`, picked: picked.includes(r.runId), id: r.runId })),
          { canPickMany: true, title: 'Green ML: pick two runs to compare' },
        );
        picked = (choice ?? []).map((c) => c.id);
      }
      if (picked.length !== 2) {
        if (picked.length) void vscode.window.showInformationMessage('Green ML: select exactly two runs to compare.');
        return;
      }
      await panels.compare(picked[0], picked[1]);
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void sendConfig()),
    vscode.workspace.onDidChangeWorkspaceFolders(() => void sendConfig()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('greenml.carbon') || e.affectsConfiguration('greenml.tracking')) void sendConfig();
    }),
    context.secrets.onDidChange((e) => {
      if (e.key === TOKEN_KEY) void sendConfig();
    }),
  );
}
