// The run side in a real VS Code (code-server with the packaged .vsix), as a user lives it: a failing
// run's traceback stays on screen with a clear notification; a Python script started by hand in the
// terminal is recorded quietly once it has run 30 s; the Runs view opens a rendered carbon label with
// its power chart and compares two runs; greenml.ignore is edited in the Settings UI; the carbon region
// is picked by country name and by code; a run waits for the cleanest window of a forecast served
// locally, counting down in the status bar, then runs.
// Every scenario keeps a screenshot under test-results/ (e2e-runs-*.png).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Browser } from 'playwright-core';
import { CodeServer, e2eTools, launchBrowser, makeWorkspace, sleep, Tools, vsixPath, waitFor, Workbench } from './harness';
import { ForecastServer, startForecastServer } from '../helpers/forecastServer';

const SCENARIO_TIMEOUT = 300_000;
/** Terminal text is read from the DOM renderer; the region keeps the "assumed" prompt away. */
const BASE_SETTINGS = { 'terminal.integrated.gpuAcceleration': 'off', 'greenml.carbon.region': 'FRA', 'terminal.integrated.enablePersistentSessions': false };

let tools: Tools;
let server: CodeServer;
let browser: Browser;
let forecast: ForecastServer;

function scenario(name: string, workspace: () => string, body: (wb: Workbench) => Promise<void>): void {
  test(name, { timeout: SCENARIO_TIMEOUT }, async () => {
    const wb = await Workbench.open(browser, server, workspace());
    try {
      await wb.waitForStatusItem('Green ML');
      await body(wb);
    } catch (e) {
      const shot = await wb.screenshot(`e2e-runs-${name}-failed`).catch(() => undefined);
      if (shot && e instanceof Error) e.message += `\n(screenshot: ${shot})`;
      throw e;
    } finally {
      await wb.close();
    }
  });
}

/** The side bar showing Green ML's Runs view (its only view, so it has no pane header of its own). */
function runsView(wb: Workbench) {
  return wb.page.locator('.part.sidebar', { has: wb.page.locator('.composite.title', { hasText: 'Green ML' }) });
}

async function openRunsView(wb: Workbench): Promise<void> {
  await wb.runCommand('Green ML: Show Run History');
  await runsView(wb).waitFor({ timeout: 15_000 });
}

async function runRows(wb: Workbench, n: number, timeoutMs = 30_000): Promise<string[]> {
  let rows: string[] = [];
  return waitFor(
    async () => {
      rows = await runsView(wb).locator('.monaco-list-row').allInnerTexts();
      return rows.length >= n ? rows : undefined;
    },
    timeoutMs,
    () => `the Runs view has ${rows.length} rows, expected ${n}: ${rows.join(' | ')}`,
  );
}

/** Makes room for a webview screenshot: no panel, no notifications. */
async function tidy(wb: Workbench): Promise<void> {
  // With the mouse: the keyboard focus may be inside the webview, which keeps shortcuts to itself.
  const close = wb.page.locator('.notifications-toasts .notification-toast .codicon-notifications-clear');
  for (let i = 0; i < 5 && (await close.count()) > 0; i++) await close.first().click({ timeout: 2000 }).catch(() => undefined);
  const hidePanel = wb.page.locator('.part.panel a.action-label[aria-label^="Hide Panel"], .part.panel a.action-label[aria-label^="Close Panel"]').first();
  if (await hidePanel.isVisible().catch(() => false)) await hidePanel.click({ timeout: 2000 }).catch(() => undefined);
  await sleep(500);
}

/** Runs the active file with the palette command and waits for its end-of-run notification. */
async function runTracked(wb: Workbench, file: string, ended: RegExp): Promise<void> {
  await wb.openFile(file);
  await wb.runCommand('Green ML: Run with Emissions Tracking');
  await wb.waitForToast(ended, 90_000);
}

describe('Green ML runs in VS Code (code-server)', { timeout: 40 * 60_000 }, () => {
  before(async () => {
    tools = e2eTools();
    // The forecast's cleanest half hour always starts 25 s after the request.
    forecast = await startForecastServer({ cleanestInS: 25, nowG: 250, cleanestG: 90 });
    server = await CodeServer.start(tools, vsixPath(), { env: { GREENML_UK_CARBON_API: forecast.url } });
    browser = await launchBrowser(tools);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await forecast?.close();
  });

  scenario(
    'failing run keeps its traceback',
    () => makeWorkspace(['fails.py'], { settings: BASE_SETTINGS }),
    async (wb) => {
      await wb.openFile('fails.py');
      await wb.runCommand('Green ML: Run with Emissions Tracking');
      const toast = await wb.waitForToast(/fails\.py exited with code 1 after .* recorded/, 90_000);
      assert.match(await toast.innerText(), /Show output/);
      await wb.waitForTerminal(/ValueError: boom in training/, 15_000);
      await wb.screenshot('e2e-runs-traceback-and-notification');
      // Hide the terminal, then bring it back from the notification.
      await wb.page.keyboard.press('Control+J');
      await toast.locator('a.monaco-button, .monaco-button', { hasText: 'Show output' }).first().click();
      const text = await wb.waitForTerminal(/ValueError: boom in training/, 30_000);
      assert.match(text, /step 0: loss=1\.000[\s\S]*step 2: loss=0\.333[\s\S]*Traceback \(most recent call last\)[\s\S]*ValueError: boom in training/);
      assert.match(text, /Green ML: fails\.py exited with code 1 after [\d.]+ s · [\d.]+ mWh · [\d.]+ mg CO₂e\s+Press any key to close the terminal\./);
      assert.doesNotMatch(text, /greenml: [\d.]+ m?W/, 'no live figures inside the script output');
      assert.doesNotMatch((await wb.toastTexts()).join('\n'), /terminated with exit code|cli\.js/, 'no toast quoting the internal command line');
      assert.ok(!existsSync(join(wb.folder, '.greenml', 'live')), 'no checkpoint left behind');
      // The terminal closes on a key, as VS Code's task terminals do.
      await wb.page.locator('.terminal-wrapper.active .xterm').first().click();
      await wb.page.keyboard.press('x');
      await waitFor(async () => (await wb.page.locator('.terminal-wrapper.active').count()) === 0 || !(await wb.terminalText()).includes('boom'), 15_000, () => 'the terminal stayed open after a key');
    },
  );

  scenario(
    'discovered 30 s run is recorded quietly',
    () => makeWorkspace(['long_run.py'], { settings: BASE_SETTINGS, extra: { 'short_run.py': 'import time\ntime.sleep(2)\n' } }),
    async (wb) => {
      // Started by hand in the integrated terminal, not through Green ML: the default minimum (30 s) applies.
      await wb.runCommand('Terminal: Create New Terminal');
      await wb.page.locator('.terminal-wrapper.active .xterm').first().waitFor({ timeout: 30_000 });
      await wb.waitForTerminal(/[#$]\s*$/m, 30_000);
      await wb.page.keyboard.type('/usr/bin/python3 short_run.py && /usr/bin/python3 long_run.py 33');
      await wb.page.keyboard.press('Enter');
      await openRunsView(wb);
      const seen: string[] = [];
      await waitFor(
        async () => {
          seen.push(...(await wb.toastTexts()));
          return existsSync(join(wb.folder, 'long_run.times.json'));
        },
        90_000,
        () => 'long_run.py did not finish',
      );
      const rows = await runRows(wb, 1, 20_000);
      seen.push(...(await wb.toastTexts()));
      assert.ok(!seen.some((t) => /long_run|short_run|finished|exited/.test(t)), `a toast was shown for a discovered run: ${seen.join(' | ')}`);
      assert.equal(rows.length, 1, `only the 30 s+ run is recorded: ${rows.join(' | ')}`);
      const times = JSON.parse(readFileSync(join(wb.folder, 'long_run.times.json'), 'utf8')) as { start: number; end: number };
      const own = times.end - times.start;
      const m = /long_run\.py\s*(\d+) s\s*·/.exec(rows[0]);
      assert.ok(m, `row: ${rows[0]}`);
      assert.ok(Math.abs(Number(m![1]) - own) <= 2, `recorded ${m![1]} s for a run of ${own.toFixed(1)} s: ${rows[0]}`);
      const label = JSON.parse(readFileSync(join(wb.folder, '.greenml', 'runs', readdirSync(join(wb.folder, '.greenml', 'runs')).find((f) => f.endsWith('.json'))!), 'utf8'));
      assert.equal(label.origin, 'discovered');
      assert.ok(Math.abs(label.duration_s - own) < 1.5, `label duration ${label.duration_s} vs ${own}`);
      await wb.screenshot('e2e-runs-discovered-run-in-history');
    },
  );

  scenario(
    'history compares two runs with a chart',
    () => makeWorkspace(['train_loop.py'], { settings: BASE_SETTINGS }),
    async (wb) => {
      await openRunsView(wb);
      // The empty state says what to do.
      await wb.page.locator('.welcome-view-content', { hasText: 'No tracked runs in this workspace yet' }).waitFor({ timeout: 30_000 });
      await wb.screenshot('e2e-runs-history-empty');
      await runTracked(wb, 'train_loop.py', /train_loop\.py finished in/);
      // "The fix": half the work.
      writeFileSync(join(wb.folder, 'train_loop.py'), readFileSync(join(wb.folder, 'train_loop.py'), 'utf8').replace('WORK = 4.0', 'WORK = 1.5'));
      await runTracked(wb, 'train_loop.py', /train_loop\.py finished in/);
      const rows = await runRows(wb, 2);
      assert.ok(rows.every((r) => /train_loop\.py.*\d+(\.\d)? s.*m?Wh.*m?g CO₂e/.test(r)), rows.join(' | '));
      await wb.screenshot('e2e-runs-history-two-runs');
      // The newest run (top) → its carbon label, rendered, with the power chart.
      await runsView(wb).locator('.monaco-list-row').first().click();
      const label = wb.webview();
      await label.locator('h1', { hasText: 'Carbon label — train_loop.py' }).waitFor({ timeout: 30_000 });
      await label.locator('#chart-run .uplot canvas').waitFor({ timeout: 15_000 });
      const labelText = await label.locator('body').innerText();
      assert.match(labelText, /Exit status\s+0 \(success\)/);
      assert.match(labelText, /CPU\s+[\d.]+ m?Wh/);
      assert.match(labelText, /Our World in Data 2023, France \(FRA\)/);
      assert.match(await label.locator('.u-legend').innerText(), /CPU[\s\S]*GPU[\s\S]*RAM/);
      await tidy(wb);
      await wb.screenshot('e2e-runs-carbon-label');
      // One click: compare with the previous run of this script.
      await label.locator('button', { hasText: 'Compare with the previous run of this script' }).click();
      const cmp = wb.webview();
      await cmp.locator('h1', { hasText: 'before and after' }).waitFor({ timeout: 30_000 });
      await cmp.locator('#chart-compare .uplot canvas').waitFor({ timeout: 15_000 });
      const cmpText = await cmp.locator('body').innerText();
      assert.match(cmpText, /Before: train_loop\.py[\s\S]*After: train_loop\.py/);
      assert.match(cmpText, /Energy\s+[\d.]+ m?Wh\s+[\d.]+ m?Wh\s+−[\d.]+ m?Wh\s+−\d+ %/, cmpText);
      assert.match(cmpText, /CPU energy/);
      assert.match(await cmp.locator('.u-legend').innerText(), /Before[\s\S]*After/);
      await wb.screenshot('e2e-runs-compare-before-after');
    },
  );

  scenario(
    'greenml.ignore edited in the Settings UI',
    () => makeWorkspace(['search_and_fit.py'], { settings: BASE_SETTINGS }),
    async (wb) => {
      await wb.openFile('search_and_fit.py');
      await wb.waitForProblem(/GML201/);
      await wb.runCommand('Preferences: Open Workspace Settings');
      // The search box has the focus when the Settings editor opens.
      await wb.page.locator('.settings-editor .settings-header').first().waitFor({ timeout: 30_000 });
      await sleep(500);
      await wb.page.keyboard.type('greenml.ignore');
      const item = wb.page.locator('.settings-editor .setting-item', { hasText: 'Rule codes or prefixes never to report' }).first();
      await item.waitFor({ timeout: 30_000 });
      await wb.screenshot('e2e-runs-settings-ui-ignore-before');
      await item.locator('.monaco-button', { hasText: 'Add Item' }).first().click();
      const input = item.locator('.setting-list-edit-row input').first();
      await input.waitFor({ timeout: 10_000 });
      await input.fill('GML201');
      await wb.page.keyboard.press('Enter');
      await waitFor(() => /"greenml\.ignore":\s*\[\s*"GML201"\s*\]/.test(readFileSync(join(wb.folder, '.vscode', 'settings.json'), 'utf8')), 15_000, () => readFileSync(join(wb.folder, '.vscode', 'settings.json'), 'utf8'));
      await wb.screenshot('e2e-runs-settings-ui-ignore');
      const rows = await wb.waitForNoProblem(/GML201/);
      assert.ok(rows.some((r) => /GML211/.test(r)), `other rules still run: ${rows.join(' | ')}`);
    },
  );

  scenario(
    'region picked by country name or code',
    () => makeWorkspace(['train_loop.py'], { settings: BASE_SETTINGS }),
    async (wb) => {
      const settings = () => readFileSync(join(wb.folder, '.vscode', 'settings.json'), 'utf8');
      const rows = wb.page.locator('.quick-input-widget .monaco-list-row');
      /** Opens the picker, types `typed` in its search box and picks the row that matches `row`. */
      const pick = async (typed: string, row: RegExp, shot?: string) => {
        await wb.runCommand('Green ML: Set Carbon Intensity Region');
        await rows.filter({ hasText: 'France' }).first().waitFor({ timeout: 15_000 });
        await wb.page.locator('.quick-input-widget input').fill(typed);
        const match = rows.filter({ hasText: row }).first();
        await match.waitFor({ timeout: 15_000 });
        if (shot) await wb.screenshot(shot);
        await match.click();
      };
      // By name; the workspace sets a region, so the pick is saved there (a user-level value would be hidden).
      await pick('Germany', /Germany[\s\S]*DEU · 381 g\/kWh \(2023\)/, 'e2e-runs-region-picker-by-name');
      await waitFor(() => /"greenml\.carbon\.region":\s*"DEU"/.test(settings()), 15_000, settings);
      // By ISO code, in any case (matched on the row's description).
      await pick('gbr', /United Kingdom[\s\S]*GBR/);
      await waitFor(() => /"greenml\.carbon\.region":\s*"GBR"/.test(settings()), 15_000, settings);
      // The new region is in use: the status names its intensity and source.
      await waitFor(
        async () => {
          await wb.runCommand('Green ML: Show Emissions Tracking Status');
          const item = rows.filter({ hasText: /238 g\/kWh/ }).first();
          const seen = await item.waitFor({ timeout: 3000 }).then(() => true, () => false);
          if (!seen) await wb.page.keyboard.press('Escape');
          return seen;
        },
        30_000,
        () => 'the status never showed the United Kingdom intensity',
      );
      assert.match(await rows.filter({ hasText: /238 g\/kWh/ }).first().innerText(), /Our World in Data 2023, United Kingdom \(GBR\)/);
      // Idle, with nothing recorded yet: the status says so and what to set up.
      await rows.filter({ hasText: 'No run recorded yet' }).first().waitFor({ timeout: 5000 });
      await rows.filter({ hasText: /No forecast[\s\S]*greenml\.carbon\.liveProvider/ }).first().waitFor({ timeout: 5000 });
      await wb.screenshot('e2e-runs-region-in-status');
      await wb.page.keyboard.press('Escape');
    },
  );

  scenario(
    'scheduled start counts down then runs',
    () =>
      makeWorkspace(['train_loop.py'], {
        settings: { ...BASE_SETTINGS, 'greenml.carbon.liveProvider': 'ukCarbonIntensity' },
      }),
    async (wb) => {
      writeFileSync(join(wb.folder, 'train_loop.py'), readFileSync(join(wb.folder, 'train_loop.py'), 'utf8').replace('WORK = 4.0', 'WORK = 2.0'));
      await wb.openFile('train_loop.py');
      // The tooltip knows the forecast: the intensity now and the cleanest window.
      await wb.runCommand('Green ML: Run at the Cleanest Time');
      const countdown = /train_loop\.py in 0:(\d\d)/;
      const first = Number(countdown.exec(await wb.waitForStatusItem(countdown, 30_000))![1]);
      await wb.screenshot('e2e-runs-scheduled-countdown');
      const later = await waitFor(
        async () => {
          const m = countdown.exec(await wb.statusBarText());
          return m && Number(m[1]) < first ? Number(m[1]) : undefined;
        },
        10_000,
        () => 'the countdown did not move',
      );
      assert.ok(later < first);
      const term = await wb.terminalText();
      assert.match(term, /waiting to start train_loop\.py at .*, the cleanest window within 24 h: 90 g\/kWh against 250 now/);
      // Then it runs, and the label records what waiting avoided.
      await wb.waitForStatusItem(/\d[\d.]*\s*m?W\b.*m?Wh.*m?g CO₂e/, 60_000);
      await wb.waitForToast(/train_loop\.py finished in/, 90_000);
      const runs = join(wb.folder, '.greenml', 'runs');
      const label = JSON.parse(readFileSync(join(runs, readdirSync(runs).find((f) => f.endsWith('.json'))!), 'utf8'));
      assert.equal(label.carbon_aware_start.outcome, 'window');
      assert.equal(label.carbon_aware_start.avoided_g_per_kwh, 160);
      assert.ok(label.carbon_aware_start.waited_s >= 15, `waited ${label.carbon_aware_start.waited_s} s`);
      await wb.screenshot('e2e-runs-scheduled-then-ran');
    },
  );
});
