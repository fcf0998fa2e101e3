// Shows the language server's state while it is starting or after it stopped; once it runs, the
// tracking item (client/src/tracking) is the Green ML status item, idle as `$(zap) Green ML`.
import * as vscode from 'vscode';
import { idleStatusText } from './statusText';

export class ServerStatusItem implements vscode.Disposable {
  readonly item: vscode.StatusBarItem;

  constructor() {
    this.item = vscode.window.createStatusBarItem('greenml.status', vscode.StatusBarAlignment.Left, 100);
    this.item.name = 'Green ML';
    this.starting();
    this.item.show();
  }

  starting(): void {
    this.set(idleStatusText('starting'));
  }

  running(): void {
    this.set(idleStatusText('running'));
    this.item.hide();
  }

  stopped(): void {
    this.set(idleStatusText('stopped'));
  }

  private set(s: { text: string; tooltip: string; error: boolean }): void {
    this.item.text = s.text;
    const tooltip = new vscode.MarkdownString(s.tooltip);
    tooltip.isTrusted = { enabledCommands: ['greenml.restartServer'] };
    this.item.tooltip = tooltip;
    this.item.backgroundColor = s.error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.command = s.error ? 'greenml.restartServer' : undefined;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
