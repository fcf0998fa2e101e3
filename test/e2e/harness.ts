// End-to-end harness: one code-server (VS Code in the browser, real workbench and extension host) with
// the freshly packaged .vsix installed, driven by playwright-core with Debian's Chromium.
// Each scenario gets its own copied workspace and browser context; code-server is shared.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';

export const ROOT = resolve(__dirname, '..', '..', '..');
export const FIXTURES = join(ROOT, 'test', 'e2e', 'fixtures');
export const RESULTS = join(ROOT, 'test-results');

export interface Tools {
  node: string;
  codeServerEntry: string;
  chromium: string;
}

/** Tool paths from GREENML_E2E_TOOLS (set by scripts/test.mjs) or from `vscode-tools.mjs --check`. */
export function e2eTools(): Tools {
  if (process.env.GREENML_E2E_TOOLS) return JSON.parse(process.env.GREENML_E2E_TOOLS) as Tools;
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'vscode-tools.mjs'), '--check'], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`end-to-end tools are missing:\n${r.stderr}\nInstall them with: node scripts/vscode-tools.mjs`);
  }
  return JSON.parse(r.stdout) as Tools;
}

/** The .vsix under test: GREENML_VSIX (set by scripts/test.mjs) or greenml-<version>.vsix in the root. */
export function vsixPath(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  const p = process.env.GREENML_VSIX ?? join(ROOT, `${pkg.name}-${pkg.version}.vsix`);
  if (!existsSync(p)) throw new Error(`${p} does not exist; run \`npm run package\` (npm test does it before e2e)`);
  return p;
}

/** User settings that keep the workbench quiet and deterministic. */
const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'files.autoSave': 'off',
  'editor.lightbulb.enabled': 'on',
  'editor.codeActionWidget.includeNearbyQuickFixes': true,
  'workbench.editor.enablePreview': false,
  'update.mode': 'none',
  'git.openRepositoryInParentFolders': 'never',
};

export class CodeServer {
  private constructor(
    readonly url: string,
    readonly dir: string,
    private readonly child: ChildProcess,
    readonly log: () => string,
  ) {}

  /**
   * Installs the .vsix into a fresh extensions dir and starts code-server on a free port. With
   * `workspaceTrust`, workspace trust is on and folders open untrusted (Restricted Mode), unprompted.
   * `env` is added to code-server's environment (the extension host and its terminals inherit it).
   */
  static async start(tools: Tools, vsix: string, opts: { workspaceTrust?: boolean; env?: Record<string, string> } = {}): Promise<CodeServer> {
    const dir = mkdtempSync(join(tmpdir(), 'greenml-e2e-cs-'));
    const userDataDir = join(dir, 'user');
    const extensionsDir = join(dir, 'extensions');
    const configFile = join(dir, 'config.yaml');
    mkdirSync(join(userDataDir, 'User'), { recursive: true });
    mkdirSync(extensionsDir, { recursive: true });
    writeFileSync(configFile, 'auth: none\n'); // code-server rejects an empty config file
    const trust = opts.workspaceTrust ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'always' } : {};
    writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...USER_SETTINGS, ...trust }, null, 2));
    const install = spawnSync(
      tools.node,
      [tools.codeServerEntry, '--config', configFile, '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir, '--install-extension', vsix],
      { encoding: 'utf8' },
    );
    if (install.status !== 0) throw new Error(`--install-extension failed:\n${install.stdout}${install.stderr}`);

    const child = spawn(
      tools.node,
      [
        tools.codeServerEntry,
        '--auth', 'none',
        '--bind-addr', '127.0.0.1:0',
        '--config', configFile,
        '--disable-telemetry',
        '--disable-update-check',
        ...(opts.workspaceTrust ? [] : ['--disable-workspace-trust']),
        '--reconnection-grace-time', '5',
        '--user-data-dir', userDataDir,
        '--extensions-dir', extensionsDir,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GREENML_E2E: '1', ...opts.env } },
    );
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const url = await waitFor(
      () => /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1],
      30_000,
      () => `code-server did not start:\n${out}`,
      () => child.exitCode !== null,
    );
    return new CodeServer(url, dir, child, () => out);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (this.child.exitCode === null) this.child.kill('SIGKILL');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function launchBrowser(tools: Tools): Promise<Browser> {
  return chromium.launch({
    executablePath: tools.chromium,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
}

/** A copy of the given fixture files in a fresh folder, with optional workspace settings and extra files. */
export function makeWorkspace(
  files: string[],
  opts: { settings?: Record<string, unknown>; extra?: Record<string, string> } = {},
): string {
  const dir = mkdtempSync(join(tmpdir(), 'greenml-e2e-ws-'));
  for (const f of files) cpSync(join(FIXTURES, f), join(dir, f));
  if (opts.settings) {
    mkdirSync(join(dir, '.vscode'));
    writeFileSync(join(dir, '.vscode', 'settings.json'), JSON.stringify(opts.settings, null, 2));
  }
  for (const [name, text] of Object.entries(opts.extra ?? {})) writeFileSync(join(dir, name), text);
  return dir;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `probe` until it returns a truthy value; fails with `describe()` after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs: number,
  describe: () => string,
  abort?: () => boolean,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (abort?.()) throw new Error(describe());
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await sleep(200);
  }
}

const mod = 'Control';

/** One VS Code window (browser page) on one workspace folder. */
export class Workbench {
  private constructor(
    readonly page: Page,
    readonly context: BrowserContext,
    readonly folder: string,
  ) {}

  static async open(browser: Browser, server: CodeServer, folder: string): Promise<Workbench> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${server.url}/?folder=${encodeURIComponent(folder)}`);
    await page.waitForSelector('.monaco-workbench .statusbar', { timeout: 60_000 });
    await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60_000 });
    return new Workbench(page, context, folder);
  }

  async close(): Promise<void> {
    await this.context.close();
    rmSync(this.folder, { recursive: true, force: true });
  }

  async screenshot(name: string): Promise<string> {
    mkdirSync(RESULTS, { recursive: true });
    const file = join(RESULTS, `${name.replace(/[^A-Za-z0-9_.-]+/g, '-')}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Screenshot kept only when GREENML_E2E_SCREENSHOTS=1 (failures are always screenshotted). */
  async checkpoint(name: string): Promise<void> {
    if (process.env.GREENML_E2E_SCREENSHOTS === '1') await this.screenshot(name);
  }

  statusBarText(): Promise<string> {
    return this.page.locator('.statusbar').innerText();
  }

  /** Waits until the status bar shows the extension's item (it is added on activation). */
  async waitForStatusItem(text: string | RegExp, timeoutMs = 60_000): Promise<string> {
    return waitFor(
      async () => {
        const t = await this.statusBarText();
        return (typeof text === 'string' ? t.includes(text) : text.test(t)) ? t : undefined;
      },
      timeoutMs,
      () => `status bar never showed ${text}`,
    );
  }

  /** Opens a workspace file with Quick Open and waits for its editor to be active. */
  /** Opens a file with Quick Open (Ctrl+P) and waits for its tab to be the active one. */
  private async quickOpen(name: string): Promise<void> {
    await this.page.keyboard.press(`${mod}+P`);
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill(name);
    await this.page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 15_000 });
    await this.page.keyboard.press('Enter');
    await this.page.locator(`.tabs-container .tab.active`, { hasText: name }).waitFor({ timeout: 15_000 });
  }

  async openFile(name: string): Promise<void> {
    await this.quickOpen(name);
    await this.page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ timeout: 15_000 });
    await this.focusEditor();
  }

  /** Opens a notebook with Quick Open and waits for VS Code's notebook editor to show its cells. */
  async openNotebook(name: string): Promise<void> {
    await this.quickOpen(name);
    await this.page.locator('.notebook-editor .cell-list-container .monaco-editor .view-lines').first().waitFor({ timeout: 30_000 });
  }

  /** Saves the open notebook with the keyboard, focus in its first cell's editor. */
  async saveNotebook(): Promise<void> {
    await this.page.locator('.notebook-editor .cell-list-container .monaco-editor .view-lines').first().click();
    await this.page.keyboard.press(`${mod}+S`);
  }

  /** The text of the open notebook's cells as the editor renders them (spaces normalised). */
  async notebookCellsText(): Promise<string> {
    const texts = await this.page.locator('.notebook-editor .cell-list-container .monaco-editor .view-lines').allInnerTexts();
    return texts.join('\n').replace(/\u00a0/g, ' ');
  }

  /** Focuses the active editor without moving its cursor (View: Focus First Editor Group). */
  async focusEditor(): Promise<void> {
    await this.page.keyboard.press(`${mod}+1`);
    await this.page.locator('.editor-instance .monaco-editor.focused').first().waitFor({ timeout: 15_000 });
  }

  /**
   * Types `text` at the end of the active editor's document, then waits until its last line shows in
   * the editor, so the typing is in the model before the next step. VS Code cancels a code-action
   * request, the ones a save runs included, when the model changes while it is out; a keystroke
   * landing after Ctrl+S would drop the save's fixes without a word. `text` must therefore end with
   * visible characters.
   */
  async typeAtEnd(text: string): Promise<void> {
    const lastLine = text.split('\n').pop() ?? '';
    if (!lastLine.trim()) throw new Error('typeAtEnd: the text must end with visible characters, so that its arrival can be seen');
    await this.focusEditor();
    await this.page.keyboard.press(`${mod}+End`);
    await this.page.keyboard.type(text);
    const view = this.page.locator('.editor-instance .monaco-editor .view-lines').first();
    await waitFor(
      async () => (await view.innerText()).replace(/\u00a0/g, ' ').split('\n').some((l) => l.trimEnd() === lastLine.trimEnd()),
      15_000,
      () => `the typed line ${JSON.stringify(lastLine)} never showed in the editor`,
    );
  }

  async runCommand(title: string): Promise<void> {
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill(`>${title}`);
    await this.page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 15_000 });
    await this.page.keyboard.press('Enter');
  }

  /** Puts the cursor at a 1-based line and column with Go to Line. */
  async goTo(line: number, column: number): Promise<void> {
    await this.focusEditor();
    await this.page.keyboard.press(`${mod}+G`);
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill(`:${line}:${column}`);
    await this.page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden', timeout: 15_000 });
  }

  /** Puts the cursor inside the first occurrence of `needle` in the workspace file `name`. */
  async goToText(name: string, needle: string, offset = 1): Promise<void> {
    const lines = readFileSync(join(this.folder, name), 'utf8').split('\n');
    const i = lines.findIndex((l) => l.includes(needle));
    if (i < 0) throw new Error(`${needle} not in ${name}`);
    await this.goTo(i + 1, lines[i].indexOf(needle) + 1 + offset);
  }

  /** Number of squiggle decorations (any severity) in the visible editor. */
  squiggleCount(): Promise<number> {
    return this.page.locator('.editor-instance .monaco-editor .view-overlays [class*="squiggly-"]').count();
  }

  async showProblems(): Promise<void> {
    if (await this.page.locator('.markers-panel').isVisible()) return;
    await this.page.keyboard.press(`${mod}+Shift+M`);
    await this.page.locator('.markers-panel').waitFor({ state: 'visible', timeout: 15_000 });
  }

  /** The rows of the Problems panel (files and problems), as their accessible labels and texts. */
  async problems(): Promise<string[]> {
    await this.showProblems();
    // One snapshot of all rows: the list re-renders while diagnostics update, so reading rows one by
    // one can wait on a row that no longer exists.
    const out = await this.page
      .locator('.markers-panel .monaco-list-row')
      .evaluateAll((els) => els.map((e) => `${(e as unknown as { innerText: string }).innerText} ${e.getAttribute('aria-label') ?? ''}`.replace(/\s+/g, ' ').trim()));
    return out;
  }

  /** Waits until some Problems row matches `re`; returns all rows. */
  async waitForProblem(re: RegExp, timeoutMs = 60_000): Promise<string[]> {
    let last: string[] = [];
    return waitFor(
      async () => {
        last = await this.problems();
        return last.some((r) => re.test(r)) ? last : undefined;
      },
      timeoutMs,
      () => `no Problems row matched ${re}; rows:\n  ${last.join('\n  ')}`,
    );
  }

  /** Waits until no Problems row matches `re`. */
  async waitForNoProblem(re: RegExp, timeoutMs = 60_000): Promise<string[]> {
    let last: string[] = [];
    return waitFor(
      async () => {
        last = await this.problems();
        return last.some((r) => re.test(r)) ? undefined : last;
      },
      timeoutMs,
      () => `a Problems row still matches ${re}; rows:\n  ${last.join('\n  ')}`,
    );
  }

  /** Opens the quick fix menu at the cursor and picks the action whose title matches `title`. */
  async applyCodeAction(title: RegExp, timeoutMs = 30_000): Promise<string> {
    let titles: string[] = [];
    await this.focusEditor();
    const rows = this.page.locator('.action-widget .monaco-list-row.action');
    return waitFor(
      async () => {
        await this.page.keyboard.press(`${mod}+Period`);
        try {
          await rows.first().waitFor({ state: 'visible', timeout: 10_000 });
        } catch {
          return undefined;
        }
        titles = (await rows.locator('.title').allInnerTexts()).map((t) => t.trim());
        const i = titles.findIndex((t) => title.test(t));
        if (i < 0) {
          await this.page.keyboard.press('Escape');
          await rows.first().waitFor({ state: 'hidden', timeout: 5_000 });
          return undefined;
        }
        await rows.nth(i).click();
        await rows.first().waitFor({ state: 'hidden', timeout: 5_000 });
        return titles[i];
      },
      timeoutMs,
      () => `no code action matched ${title}; offered: ${JSON.stringify(titles)}`,
    );
  }

  /** The visible text of the active terminal (DOM renderer: set terminal.integrated.gpuAcceleration to "off"). */
  async terminalText(): Promise<string> {
    const rows = this.page.locator('.terminal-wrapper.active .xterm-rows');
    if ((await rows.count()) === 0) return '';
    return (await rows.first().innerText()).replace(/\u00a0/g, ' ');
  }

  /** Waits until the active terminal shows `re`; returns its text. */
  async waitForTerminal(re: RegExp, timeoutMs = 60_000): Promise<string> {
    let last = '';
    return waitFor(
      async () => {
        last = await this.terminalText();
        return re.test(last) ? last : undefined;
      },
      timeoutMs,
      () => `the terminal never showed ${re}; it shows:\n${last}`,
    );
  }

  /** A notification toast whose text matches `re`, once visible. */
  async waitForToast(re: RegExp, timeoutMs = 60_000) {
    const toast = this.page.locator('.notifications-toasts .notification-toast', { hasText: re }).first();
    await toast.waitFor({ state: 'visible', timeout: timeoutMs });
    return toast;
  }

  /** Texts of the notification toasts on screen now. */
  async toastTexts(): Promise<string[]> {
    return this.page.locator('.notifications-toasts .notification-toast').allInnerTexts();
  }

  /** The rows of a tree view in the side bar, as their labels and descriptions. */
  async viewRows(viewTitle: string): Promise<string[]> {
    const pane = this.page.locator('.pane', { has: this.page.locator('.pane-header', { hasText: viewTitle }) });
    return pane.locator('.monaco-list-row').allInnerTexts();
  }

  /** The document of the webview whose tab is active (VS Code nests it in two iframes). */
  webview() {
    return this.page.frameLocator('iframe.webview.ready').last().frameLocator('iframe#active-frame, iframe').first();
  }

  async save(): Promise<void> {
    await this.focusEditor();
    await this.page.keyboard.press(`${mod}+S`);
  }

  read(name: string): string {
    return readFileSync(join(this.folder, name), 'utf8');
  }

  /** Waits until the file on disk satisfies `ok` (after a save). */
  async waitForFile(name: string, ok: (text: string) => boolean, timeoutMs = 30_000): Promise<string> {
    return waitFor(
      () => {
        const t = this.read(name);
        return ok(t) ? t : undefined;
      },
      timeoutMs,
      () => `${name} on disk never matched; it is:\n${this.read(name)}`,
    );
  }
}
