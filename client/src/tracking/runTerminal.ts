// "Run with emissions tracking" and "Run at the cleanest time": the active Python file runs under
// `greenml run --hold` in a terminal of its own, so its output and traceback stay on screen after it
// ends (the terminal closes on a key, as VS Code's task terminals do); the live figures go to the
// status bar only (--quiet). The end of a run arrives from the language server (a new ledger row):
// a failure says `train.py exited with code 1` with Show output, which brings the terminal back.
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { RunEndedParams } from '../../../server/src/common/trackingProtocol';
import { baseName, runEndedMessage } from './statusText';
import { effectivePostcode, effectivePue } from '../../../server/src/common/carbonSettings';
import { checkOutputDir, checkTrackingSettings } from '../../../server/src/config/validateSettings';

export const TOKEN_KEY = 'greenml.electricityMapsToken';

export interface RunTarget {
  uri: vscode.Uri;
  cwd: string;
}

export class RunTerminals implements vscode.Disposable {
  /** Terminals of runs started here, by script path, oldest first. */
  private byScript = new Map<string, vscode.Terminal[]>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    private readonly onOpenRun: (runId: string) => void,
  ) {
    this.disposables.push(
      vscode.window.onDidCloseTerminal((t) => {
        for (const [k, list] of this.byScript) {
          const rest = list.filter((x) => x !== t);
          if (rest.length) this.byScript.set(k, rest);
          else this.byScript.delete(k);
        }
      }),
    );
  }

  /** The Python file to run: the argument, else the active editor's; undefined (and a message) otherwise. */
  async target(uri?: vscode.Uri): Promise<RunTarget | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('Green ML: running with emissions tracking needs a trusted workspace.');
      return undefined;
    }
    const t = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
    if (!t || !t.fsPath.endsWith('.py')) {
      void vscode.window.showWarningMessage('Green ML: open a Python file to run it with emissions tracking.');
      return undefined;
    }
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === t.toString());
    if (doc?.isDirty) await doc.save();
    const folder = vscode.workspace.getWorkspaceFolder(t);
    return { uri: t, cwd: folder?.uri.fsPath ?? path.dirname(t.fsPath) };
  }

  /** Starts `greenml run` on the file in a new terminal; `extra` adds options (--start-when-cleanest …). */
  async start(target: RunTarget, extra: string[] = []): Promise<vscode.Terminal> {
    const cfg = vscode.workspace.getConfiguration('greenml', target.uri);
    // The same checks as the server's: a bad value is said and its default used.
    const checked = checkTrackingSettings({ carbon: cfg.get('carbon'), tracking: cfg.get('tracking') });
    for (const problem of checked.problems) void vscode.window.showWarningMessage(`Green ML: ${problem}`);
    const carbon = checked.settings.carbon ?? {};
    const tracking = checked.settings.tracking ?? {};
    const outputDir = path.resolve(target.cwd, checkOutputDir(tracking.outputDir).value);
    const python = await selectedPython(target.uri, this.log);
    const pue = effectivePue(carbon.powerUsageEffectiveness, carbon.pue) ?? 1;
    const args = [
      path.join(this.context.extensionPath, 'dist', 'cli.js'),
      'run',
      '--origin', 'command',
      '--quiet',
      '--hold',
      '--output-dir', outputDir,
      '--interval', String(tracking.interval ?? 1),
      '--pue', String(pue),
      ...extra,
    ];
    const region = carbon.region;
    if (region) args.push('--region', region);
    const intensity = carbon.intensity;
    if (typeof intensity === 'number') args.push('--intensity', String(intensity));
    const provider = carbon.liveProvider ?? 'none';
    if (provider !== 'none') args.push('--live-provider', provider);
    args.push('--', python, target.uri.fsPath);
    const env: Record<string, string> = { ELECTRON_RUN_AS_NODE: '1' };
    const token = await this.context.secrets.get(TOKEN_KEY);
    if (token && provider === 'electricityMaps') env.GREENML_ELECTRICITYMAPS_TOKEN = token;
    const zone = carbon.electricityMapsZone;
    if (zone) env.GREENML_ELECTRICITYMAPS_ZONE = zone;
    const postcode = effectivePostcode(carbon.postcode, carbon.ukPostcode);
    if (postcode) env.GREENML_UK_POSTCODE = postcode;
    // No shell: the terminal runs node directly with an argument array.
    const term = vscode.window.createTerminal({
      name: `Green ML: ${path.basename(target.uri.fsPath)}`,
      cwd: target.cwd,
      shellPath: process.execPath,
      shellArgs: args,
      env,
      iconPath: new vscode.ThemeIcon('pulse'),
    });
    term.show(true);
    const key = target.uri.fsPath;
    this.byScript.set(key, [...(this.byScript.get(key) ?? []), term]);
    this.log.info(`tracking: started ${python} ${target.uri.fsPath}${extra.length ? ` (${extra.join(' ')})` : ''}`);
    return term;
  }

  /** The terminal a finished run of this script ran in (the oldest one still open). */
  terminalFor(script: string | undefined): vscode.Terminal | undefined {
    return script ? this.byScript.get(script)?.[0] : undefined;
  }

  /** End-of-run notification for runs started in VS Code; discovered runs are recorded quietly. */
  async announce(p: RunEndedParams): Promise<void> {
    this.log.info(`tracking: run ended ${p.label} (${p.origin}): exit ${p.exitCode ?? 'unknown'}, ${p.energyKwh} kWh, ${p.emissionsKg} kg CO2e`);
    if (p.origin !== 'command') return;
    const term = this.terminalFor(p.script);
    if (term && p.script) {
      // This terminal's run is over: the next run of the script is matched to the next terminal.
      const list = (this.byScript.get(p.script) ?? []).filter((t) => t !== term);
      if (list.length) this.byScript.set(p.script, list);
      else this.byScript.delete(p.script);
    }
    const msg = runEndedMessage({ ...p, label: p.script ?? p.label });
    const show = 'Show output';
    const open = 'Open carbon label';
    const actions = [...(term && msg.failed ? [show] : []), open];
    const pick = msg.failed ? await vscode.window.showErrorMessage(msg.text, ...actions) : await vscode.window.showInformationMessage(msg.text, ...actions);
    if (pick === show) term?.show(false);
    if (pick === open) this.onOpenRun(p.runId);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

export function describeTarget(t: RunTarget): string {
  return baseName(t.uri.fsPath);
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
