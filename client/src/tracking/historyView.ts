// The Green ML activity bar view "Runs": every run in the workspace ledgers, newest first, with its
// duration, energy and CO₂e in the description and how each figure was obtained in the tooltip.
// Select two to compare them; each run has "Compare with the previous run of this script" inline.
// With no run yet, the view's welcome content (package.json viewsWelcome) says what to do.
import * as vscode from 'vscode';
import type { RunSummary } from '../../../server/src/common/trackingProtocol';
import { fmtCo2, fmtDuration, fmtEnergy, fmtExit } from '../../../server/src/common/units';
import { baseName } from './statusText';

export class RunItem extends vscode.TreeItem {
  constructor(readonly run: RunSummary) {
    super(baseName(run.script), vscode.TreeItemCollapsibleState.None);
    const started = run.startedAt ? new Date(run.startedAt) : undefined;
    const when = started ? started.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }) : '';
    this.id = run.runId;
    // The figures first: in a narrow side bar the end of the description is cut off.
    this.description = `${fmtDuration(run.durationS)} · ${fmtEnergy(run.energyKwh)} · ${fmtCo2(run.emissionsKg)} · ${when}`;
    const failed = run.exitCode !== null && run.exitCode !== 0;
    this.iconPath = run.interrupted
      ? new vscode.ThemeIcon('debug-disconnect', new vscode.ThemeColor('charts.yellow'))
      : failed
        ? new vscode.ThemeIcon('error', new vscode.ThemeColor('charts.red'))
        : run.exitCode === null
          ? new vscode.ThemeIcon('circle-outline')
          : new vscode.ThemeIcon('pass', new vscode.ThemeColor('charts.green'));
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${escape(baseName(run.script))}** — ${escape(run.script)}\n\n`);
    md.appendMarkdown(`Started ${started ? escape(started.toLocaleString()) : '—'} · ${fmtDuration(run.durationS)} · exit status ${run.exitCode === null ? 'unknown' : escape(fmtExit(run.exitCode))}${run.interrupted ? ' · interrupted (figures up to its last checkpoint)' : ''}\n\n`);
    md.appendMarkdown(`**${fmtEnergy(run.energyKwh)}** · **${fmtCo2(run.emissionsKg)}**\n\n`);
    md.appendMarkdown(`- CPU: ${escape(run.methods.cpu)}\n- GPU: ${escape(run.methods.gpu)}\n- RAM: ${escape(run.methods.ram)}\n- Carbon intensity: ${escape(run.methods.intensity)}\n`);
    this.tooltip = md;
    this.contextValue = 'greenml.run';
    this.command = { command: 'greenml.openRun', title: 'Open carbon label', arguments: [this] };
    this.accessibilityInformation = { label: `${baseName(run.script)}, ${this.description}` };
  }
}

function escape(s: string): string {
  return s.replace(/([\\`*_{}[\]()#+\-.!|<>])/g, '\\$1');
}

export class RunHistory implements vscode.TreeDataProvider<RunItem> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private runs: RunSummary[] = [];

  constructor(private readonly load: () => Promise<RunSummary[]>) {}

  refresh(): void {
    this.changed.fire();
  }

  get current(): RunSummary[] {
    return this.runs;
  }

  async getChildren(element?: RunItem): Promise<RunItem[]> {
    if (element) return [];
    try {
      this.runs = await this.load();
    } catch {
      this.runs = [];
    }
    return this.runs.map((r) => new RunItem(r));
  }

  getTreeItem(element: RunItem): vscode.TreeItem {
    return element;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
