// The run webviews: a run's carbon label with its chart, and two runs compared. One panel each kind,
// reused; the data comes from the language server (greenml/getRun), the page from runHtml.ts.
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import type { RunDetail, RunSummary } from '../../../server/src/common/trackingProtocol';
import { compareHtml, labelHtml, type PageResources } from './runHtml';
import { baseName } from './statusText';

export interface RunSource {
  getRun(runId: string): Promise<RunDetail | null>;
  listRuns(): Promise<RunSummary[]>;
}

/** The run of the same script recorded just before this one, if any. */
export function previousRunOf(runs: RunSummary[], run: RunSummary): RunSummary | undefined {
  return runs
    .filter((r) => r.script === run.script && r.runId !== run.runId && r.startedAt < run.startedAt)
    .sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1))[0];
}

export class RunPanels implements vscode.Disposable {
  private labelPanel?: vscode.WebviewPanel;
  private comparePanel?: vscode.WebviewPanel;
  private shown?: RunDetail;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly source: RunSource,
  ) {}

  private resources(panel: vscode.WebviewPanel): PageResources {
    const root = vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview');
    return {
      cspSource: panel.webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(root, 'chart.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(root, 'uPlot.min.css')).toString(),
    };
  }

  private panel(kind: 'label' | 'compare', title: string): vscode.WebviewPanel {
    const existing = kind === 'label' ? this.labelPanel : this.comparePanel;
    if (existing) {
      existing.title = title;
      existing.reveal(vscode.ViewColumn.Active);
      return existing;
    }
    const p = vscode.window.createWebviewPanel(`greenml.${kind}`, title, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview')],
    });
    p.onDidDispose(() => {
      if (kind === 'label') this.labelPanel = undefined;
      else this.comparePanel = undefined;
    });
    if (kind === 'label') {
      p.webview.onDidReceiveMessage((m: { action?: string }) => void this.onAction(m.action));
      this.labelPanel = p;
    } else this.comparePanel = p;
    return p;
  }

  private async onAction(action: string | undefined): Promise<void> {
    const d = this.shown;
    if (!d) return;
    if (action === 'comparePrevious') await this.compareWithPrevious(d.summary.runId);
    else if (action === 'openMarkdown' && d.summary.labelMarkdownPath) await vscode.window.showTextDocument(vscode.Uri.file(d.summary.labelMarkdownPath), { preview: true });
    else if (action === 'openJson' && d.summary.labelJsonPath) await vscode.window.showTextDocument(vscode.Uri.file(d.summary.labelJsonPath), { preview: true });
  }

  async openRun(runId: string): Promise<void> {
    const [d, runs] = await Promise.all([this.source.getRun(runId), this.source.listRuns()]);
    if (!d) {
      void vscode.window.showWarningMessage('Green ML: that run is no longer in the ledger.');
      return;
    }
    this.shown = d;
    const p = this.panel('label', `Carbon label — ${baseName(d.summary.script)}`);
    p.webview.html = labelHtml(d, this.resources(p), previousRunOf(runs, d.summary) !== undefined);
  }

  async compare(beforeId: string, afterId: string): Promise<void> {
    const [a, b] = await Promise.all([this.source.getRun(beforeId), this.source.getRun(afterId)]);
    if (!a || !b) {
      void vscode.window.showWarningMessage('Green ML: one of the runs is no longer in the ledger.');
      return;
    }
    // Earlier run on the left, whatever order they were picked in.
    const [before, after] = a.summary.startedAt <= b.summary.startedAt ? [a, b] : [b, a];
    const p = this.panel('compare', `Compare — ${baseName(after.summary.script)}`);
    p.webview.html = compareHtml(before, after, this.resources(p));
  }

  async compareWithPrevious(runId: string): Promise<void> {
    const runs = await this.source.listRuns();
    const run = runs.find((r) => r.runId === runId);
    const prev = run && previousRunOf(runs, run);
    if (!run || !prev) {
      void vscode.window.showInformationMessage(`Green ML: no earlier run of ${run ? baseName(run.script) : 'this script'} to compare with.`);
      return;
    }
    await this.compare(prev.runId, run.runId);
  }

  dispose(): void {
    this.labelPanel?.dispose();
    this.comparePanel?.dispose();
  }
}
