// VS Code side of tracking: status bar item, "Run with emissions tracking" command, end-of-run
// notification, Electricity Maps token in secret storage, trust-gated configuration of the server.
//
//   activateTracking(context: vscode.ExtensionContext, client: LanguageClient, log: vscode.LogOutputChannel): void
//
// Call after client.start() has been requested (it waits for client readiness itself).
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { LanguageClient } from 'vscode-languageclient/node';
import { TrackingMethods, TrackingStatus, RunEndedParams, TrackingConfigParams } from '../../../server/src/common/trackingProtocol';
import { checkOutputDir, checkTrackingSettings } from '../../../server/src/config/validateSettings';
import { statusBarText, statusBarTooltip, runEndedMessage, IDLE_TEXT } from './statusText';

const TOKEN_KEY = 'greenml.electricityMapsToken';

export function activateTracking(context: vscode.ExtensionContext, client: LanguageClient, log: vscode.LogOutputChannel): void {
  const item = vscode.window.createStatusBarItem('greenml.tracking', vscode.StatusBarAlignment.Left, 100);
  item.name = 'Green ML tracking';
  item.text = IDLE_TEXT;
  item.tooltip = new vscode.MarkdownString(statusBarTooltip(undefined));
  item.command = 'greenml.showTrackingStatus';
  item.show();
  context.subscriptions.push(item);
  let lastStatus: TrackingStatus | undefined;
  let promptedRegion = false;

  const render = (s: TrackingStatus | undefined) => {
    lastStatus = s;
    item.text = statusBarText(s);
    const md = new vscode.MarkdownString(statusBarTooltip(s));
    md.supportThemeIcons = true;
    item.tooltip = md;
  };

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

  const ready = async () => {
    try {
      // LanguageClient exposes readiness through start(); wait until it is running.
      for (let i = 0; i < 600 && !client.isRunning(); i++) await new Promise((r) => setTimeout(r, 100));
      if (!client.isRunning()) return;
      context.subscriptions.push(
        client.onNotification(TrackingMethods.status, (s: TrackingStatus) => {
          render(s);
          if (s.needsRegion && s.runs.length > 0 && !promptedRegion) {
            promptedRegion = true;
            void promptRegion();
          }
        }),
        client.onNotification(TrackingMethods.runEnded, (p: RunEndedParams) => void onRunEnded(p)),
      );
      await sendConfig();
      const s = (await client.sendRequest(TrackingMethods.getStatus)) as TrackingStatus;
      render(s);
    } catch (err) {
      log.warn(`tracking: ${String(err)}`);
    }
  };
  void ready();

  const onRunEnded = async (p: RunEndedParams) => {
    log.info(`tracking: run ended ${p.label}: ${p.energyKwh} kWh, ${p.emissionsKg} kg CO2e`);
    const open = 'Open carbon label';
    const pick = await vscode.window.showInformationMessage(runEndedMessage(p), ...(p.labelMarkdownPath ? [open] : []));
    if (pick === open && p.labelMarkdownPath) {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(p.labelMarkdownPath));
      await vscode.window.showTextDocument(doc, { preview: true });
    }
  };

  const promptRegion = async () => {
    const set = 'Set region';
    const pick = await vscode.window.showWarningMessage(
      'Green ML: carbon intensity is assumed (world average 475 g/kWh). Set your country for the grid intensity of your region.',
      set,
    );
    if (pick === set) await vscode.commands.executeCommand('greenml.setCarbonRegion');
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('greenml.runWithTracking', async (uri?: vscode.Uri) => {
      if (!vscode.workspace.isTrusted) {
        void vscode.window.showWarningMessage('Green ML: running with emissions tracking needs a trusted workspace.');
        return;
      }
      const target = uri ?? vscode.window.activeTextEditor?.document.uri;
      if (!target || !target.fsPath.endsWith('.py')) {
        void vscode.window.showWarningMessage('Green ML: open a Python file to run it with emissions tracking.');
        return;
      }
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.toString());
      if (doc?.isDirty) await doc.save();
      const folder = vscode.workspace.getWorkspaceFolder(target);
      const cwd = folder?.uri.fsPath ?? path.dirname(target.fsPath);
      const cfg = vscode.workspace.getConfiguration('greenml', target);
      // The same checks as the server's: a bad value is said and its default used.
      const checked = checkTrackingSettings({ carbon: cfg.get('carbon'), tracking: cfg.get('tracking') });
      for (const problem of checked.problems) void vscode.window.showWarningMessage(`Green ML: ${problem}`);
      const carbon = checked.settings.carbon ?? {};
      const tracking = checked.settings.tracking ?? {};
      const outputDir = path.resolve(cwd, checkOutputDir(tracking.outputDir).value);
      const python = await selectedPython(target, log);
      const args = [
        path.join(context.extensionPath, 'dist', 'cli.js'),
        'run',
        '--origin', 'command',
        '--output-dir', outputDir,
        '--interval', String(tracking.interval ?? 1),
        '--pue', String(carbon.pue ?? 1),
      ];
      const region = carbon.region;
      if (region) args.push('--region', region);
      const intensity = carbon.intensity;
      if (typeof intensity === 'number') args.push('--intensity', String(intensity));
      const provider = carbon.liveProvider ?? 'none';
      if (provider !== 'none') args.push('--live-provider', provider);
      args.push('--', python, target.fsPath);
      const env: Record<string, string> = { ELECTRON_RUN_AS_NODE: '1' };
      const token = await context.secrets.get(TOKEN_KEY);
      if (token && provider === 'electricityMaps') env.GREENML_ELECTRICITYMAPS_TOKEN = token;
      const zone = carbon.electricityMapsZone;
      if (zone) env.GREENML_ELECTRICITYMAPS_ZONE = zone;
      const postcode = carbon.ukPostcode;
      if (postcode) env.GREENML_UK_POSTCODE = postcode;
      // No shell: the terminal runs node directly with an argument array.
      const term = vscode.window.createTerminal({ name: `Green ML: ${path.basename(target.fsPath)}`, cwd, shellPath: process.execPath, shellArgs: args, env });
      term.show();
      log.info(`tracking: started ${python} ${target.fsPath}`);
    }),
    vscode.commands.registerCommand('greenml.setElectricityMapsToken', async () => {
      const token = await vscode.window.showInputBox({ prompt: 'Electricity Maps API token (kept in VS Code secret storage)', password: true, ignoreFocusOut: true });
      if (token === undefined) return;
      if (token === '') await context.secrets.delete(TOKEN_KEY);
      else await context.secrets.store(TOKEN_KEY, token);
      await sendConfig();
    }),
    vscode.commands.registerCommand('greenml.setCarbonRegion', async () => {
      const v = await vscode.window.showInputBox({ prompt: 'Country code (ISO 3166 alpha-3, e.g. FRA, DEU, GBR, USA)', validateInput: (s) => (/^[A-Za-z]{3}$/.test(s.trim()) ? undefined : 'three letters, e.g. FRA') });
      if (!v) return;
      await vscode.workspace.getConfiguration('greenml').update('carbon.region', v.trim().toUpperCase(), vscode.ConfigurationTarget.Global);
    }),
    vscode.commands.registerCommand('greenml.showTrackingStatus', async () => {
      const s = lastStatus;
      if (!s || s.runs.length === 0) {
        const run = 'Run active file with tracking';
        const pick = await vscode.window.showInformationMessage('Green ML: no tracked run right now.', run);
        if (pick === run) await vscode.commands.executeCommand('greenml.runWithTracking');
        return;
      }
      log.show(true);
      for (const r of s.runs) log.info(`tracking: ${r.label}: ${JSON.stringify(r)}`);
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

/** The Python extension's selected interpreter when it is installed, else python3. */
async function selectedPython(resource: vscode.Uri, log: vscode.LogOutputChannel): Promise<string> {
  const ext = vscode.extensions.getExtension('ms-python.python');
  if (ext) {
    try {
      const api = (ext.isActive ? ext.exports : await ext.activate()) as {
        environments?: { getActiveEnvironmentPath(r?: vscode.Uri): { path: string } };
        settings?: { getExecutionDetails(r?: vscode.Uri): { execCommand?: string[] } };
      };
      const p = api.environments?.getActiveEnvironmentPath(resource)?.path;
      if (p) return p;
      const exec = api.settings?.getExecutionDetails(resource)?.execCommand?.[0];
      if (exec) return exec;
    } catch (err) {
      log.warn(`tracking: Python extension did not give an interpreter: ${String(err)}`);
    }
  }
  return process.platform === 'win32' ? 'python' : 'python3';
}
