// Restricted Mode (issue 21, item 17): with workspace trust on and the folder untrusted, the packaged
// extension still analyses (it declares `untrustedWorkspaces: limited`; undeclared, VS Code disabled
// it there), refuses to run a script with tracking, and never sees a restricted setting the workspace
// sets (a bad greenml.tracking.outputDir there would be named in a warning). Its own code-server,
// started with workspace trust enabled.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Browser } from 'playwright-core';
import { CodeServer, e2eTools, launchBrowser, makeWorkspace, vsixPath, waitFor, Workbench } from './harness';

let server: CodeServer;
let browser: Browser;

describe('Green ML in Restricted Mode (code-server, workspace trust on)', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    const tools = e2eTools();
    server = await CodeServer.start(tools, vsixPath(), { workspaceTrust: true });
    browser = await launchBrowser(tools);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('an untrusted folder: findings in Problems, running with tracking refused', { timeout: 240_000 }, async () => {
    // A restricted setting set by the workspace: ignored until it is trusted.
    const wb = await Workbench.open(browser, server, makeWorkspace(['search_and_fit.py'], { settings: { 'greenml.tracking.outputDir': '/tmp/elsewhere' } }));
    try {
      await wb.waitForStatusItem(/Restricted Mode/);
      await wb.waitForStatusItem('Green ML');
      await wb.openFile('search_and_fit.py');
      const rows = await wb.waitForProblem(/GML201/);
      assert.ok(rows.some((r) => /greenml/.test(r)), rows.join(' | '));
      // The server has read the tracking settings by now: the workspace's value did not reach it.
      assert.equal(await wb.page.locator('.notifications-toasts .notification-toast', { hasText: /greenml\.tracking\.outputDir/ }).count(), 0);
      await wb.runCommand('Green ML: Run with emissions tracking');
      await waitFor(
        async () => (await wb.page.locator('.notifications-toasts .notification-toast', { hasText: /needs a trusted workspace/ }).count()) > 0,
        30_000,
        () => 'no "needs a trusted workspace" notification',
      );
    } catch (e) {
      const shot = await wb.screenshot('e2e-restricted-mode').catch(() => undefined);
      if (shot && e instanceof Error) e.message += `\n(screenshot: ${shot})`;
      throw e;
    } finally {
      await wb.close();
    }
  });
});
