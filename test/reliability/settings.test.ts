// Settings a workspace or a client can send (issue 21, items 8, 17 and 19): every value is checked,
// a bad one is named in a warning and its default used — the server never dies of one; the ledger
// folder stays inside the workspace; in an untrusted workspace no live provider is asked.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { before, describe, it } from 'node:test';
import { TrackingMethods } from '../../server/src/common/trackingProtocol';
import { checkOutputDir } from '../../server/src/config/validateSettings';
import { TrackingService } from '../../server/src/tracking/service';
import { stdioClient, type TestLspClient } from '../helpers/lsp';
import { ensureBuilt, FIXABLE, ROOT, SERVER, tempTree } from './sandbox';

before(ensureBuilt);

function warnings(client: TestLspClient): string[] {
  return client.notifications.filter((n) => n.method === 'window/showMessage').map((n) => (n.params as { message: string }).message);
}

/** The server is alive and answering: a request gets its answer. */
async function answers(client: TestLspClient): Promise<void> {
  const status = (await Promise.race([
    client.connection.sendRequest(TrackingMethods.getStatus),
    new Promise((_, reject) => setTimeout(() => reject(new Error('the server did not answer within 5 s')), 5000)),
  ])) as { runs: unknown[] };
  assert.ok(Array.isArray(status.runs));
}

async function withServer(settings: Record<string, unknown>, body: (client: TestLspClient, dir: string) => Promise<void>): Promise<void> {
  const dir = tempTree({ 't.py': FIXABLE });
  const client = stdioClient(SERVER, { rootUri: pathToFileURL(dir).toString(), settings });
  try {
    await client.initialize();
    await body(client, dir);
    await client.shutdown();
  } finally {
    client.kill();
  }
}

describe('the language server with bad settings (item 8)', () => {
  for (const outputDir of [5, true, { a: 1 }]) {
    it(`greenml.tracking.outputDir = ${JSON.stringify(outputDir)}: a warning, the default, and the server lives`, async () => {
      await withServer({ enable: true, tracking: { outputDir } }, async (client, dir) => {
        await client.connection.sendNotification(TrackingMethods.config, { trusted: true, workspaceFolders: [dir] });
        const warning = await client.waitFor(() => warnings(client).find((m) => m.includes('greenml.tracking.outputDir')), 'a warning naming the setting');
        assert.match(warning, /is not a string; using "\.greenml"/);
        await new Promise((r) => setTimeout(r, 1200)); // a few polls of the live files
        await answers(client);
        assert.deepEqual((await client.open(pathToFileURL(path.join(dir, 't.py')).toString(), FIXABLE)).map((d) => d.code), ['GML105']);
      });
    });
  }

  it('a malformed greenml/trackingConfig (workspaceFolders: "x", trusted: "yes", a numeric token): warnings, untrusted, alive', async () => {
    await withServer({}, async (client) => {
      await client.connection.sendNotification(TrackingMethods.config, { workspaceFolders: 'x' });
      await client.connection.sendNotification(TrackingMethods.config, { trusted: 'yes', workspaceFolders: ['relative/dir', 7], electricityMapsToken: 5 });
      await client.waitFor(() => warnings(client).some((m) => /"workspaceFolders" is not a list of paths/.test(m)), 'the folders warning');
      await client.waitFor(() => warnings(client).some((m) => /"trusted" is not true or false; the workspace is treated as untrusted/.test(m)), 'the trust warning');
      await client.waitFor(() => warnings(client).some((m) => /not absolute paths are ignored/.test(m)), 'the relative folder warning');
      await client.waitFor(() => warnings(client).some((m) => /token is not a string/.test(m)), 'the token warning');
      await new Promise((r) => setTimeout(r, 1200));
      await answers(client);
    });
  });

  it('bad analysis settings are named and dropped; analysis goes on with the good ones', async () => {
    const settings = {
      enable: 'yes',
      select: [5, 'GML1'],
      ignore: 'GML2',
      // A map value may be one comma-separated string (the Settings UI edits them so): its bad code is named.
      perFileIgnores: { 'x.py': 'GML1, banana', 'y.py': [5], [`${'*'.repeat(2000)}`]: ['GML1'] },
      severity: { GML105: 7 },
      targetDevice: 'tpu',
      analysisTimeBudgetMs: -1,
      maxFileSize: 'big',
    };
    await withServer(settings, async (client, dir) => {
      const diagnostics = await client.open(pathToFileURL(path.join(dir, 't.py')).toString(), FIXABLE);
      assert.deepEqual(diagnostics.map((d) => [d.code, d.severity]), [['GML105', 2]], 'GML1 selected, the default severity');
      const said = warnings(client).join('\n');
      for (const name of ['enable', 'select', 'ignore', 'perFileIgnores["x.py"]', 'perFileIgnores["y.py"]', 'severity.GML105', 'targetDevice', 'analysisTimeBudgetMs', 'maxFileSize']) {
        assert.ok(said.includes(`greenml.${name}:`), `a warning names greenml.${name}:\n${said}`);
      }
      assert.match(said, /greenml\.perFileIgnores: a glob of 2000 characters is longer than 1024; ignored/);
      await answers(client);
    });
  });
});

describe('greenml.tracking.outputDir stays inside the workspace (item 19)', () => {
  it('relative folders inside are kept; absolute paths, ~ and .. are refused with the reason', () => {
    assert.deepEqual(checkOutputDir('.greenml'), { value: '.greenml' });
    assert.deepEqual(checkOutputDir('out/runs/'), { value: 'out/runs' });
    assert.deepEqual(checkOutputDir('./a/./b'), { value: 'a/b' });
    for (const [bad, why] of [
      ['/tmp/elsewhere', /not a path relative to the workspace folder/],
      ['C:\\Users\\x', /not a path relative to the workspace folder/],
      ['~/runs', /not a path relative to the workspace folder/],
      ['../outside', /leaves the workspace folder/],
      ['a/../../b', /leaves the workspace folder/],
      ['', /is empty/],
    ] as const) {
      const r = checkOutputDir(bad);
      assert.equal(r.value, '.greenml', bad);
      assert.match(r.problem ?? '', why);
    }
  });

  it('the tracking service writes and reads only inside each workspace folder, whatever the setting says', () => {
    const ws = tempTree();
    const service = new TrackingService({ publish: () => undefined, runEnded: () => undefined, pollMs: 60_000 });
    try {
      for (const outputDir of ['/tmp/elsewhere', '../outside', '~/x', 'runs']) {
        service.configure({ trusted: true, workspaceFolders: [ws], settings: { tracking: { outputDir, readCodeCarbon: false } } });
        const dirs = service.outputDirs();
        assert.equal(dirs.length, 1);
        assert.ok(dirs[0].startsWith(ws + path.sep), `${outputDir} → ${dirs[0]}`);
      }
    } finally {
      service.dispose();
    }
  });
});

describe('Restricted Mode (item 17)', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

  it('the extension declares limited support, with the settings that write, attach or reach the network restricted', () => {
    const trust = pkg.capabilities?.untrustedWorkspaces;
    assert.equal(trust?.supported, 'limited');
    assert.match(trust.description, /analys/i);
    const restricted: string[] = trust.restrictedConfigurations;
    for (const s of ['greenml.tracking.outputDir', 'greenml.tracking.discoverProcesses', 'greenml.carbon.liveProvider']) assert.ok(restricted.includes(s), s);
    const declared = Object.keys(pkg.contributes.configuration.properties);
    for (const s of restricted) assert.ok(declared.includes(s), `${s} is a declared setting`);
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = /### Workspace trust \(Restricted Mode\)\n([\s\S]*?)\n#/.exec(readme)?.[1] ?? '';
    const listed = [...section.matchAll(/^- `([^`]+)`$/gm)].map((m) => m[1]);
    assert.deepEqual(listed.sort(), [...restricted].sort(), "the README's Restricted Mode section lists exactly the restricted settings");
  });

  it('an untrusted workspace never asks a live provider; a trusted one does', async () => {
    let requests = 0;
    const paths: string[] = [];
    const server = http.createServer((req, res) => {
      requests++;
      paths.push(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ data: [{ from: '2025-01-01T00:00Z', intensity: { forecast: 123, actual: 120 } }] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const env = { ...process.env, GREENML_UK_CARBON_API: `http://127.0.0.1:${port}` };
    const service = new TrackingService({ publish: () => undefined, runEnded: () => undefined, pollMs: 60_000, env });
    try {
      const settings = { carbon: { liveProvider: 'ukCarbonIntensity' as const }, tracking: { readCodeCarbon: false } };
      service.configure({ trusted: false, workspaceFolders: [tempTree()], settings });
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(requests, 0, 'no request from an untrusted workspace');
      service.configure({ trusted: true, workspaceFolders: [tempTree()], settings });
      await new Promise((r) => setTimeout(r, 500));
      // Once trusted: the intensity now and the 24-hour forecast, one request each.
      assert.equal(requests, 2, `two requests once trusted: ${paths.join(', ')}`);
      assert.deepEqual(paths.map((p) => p.replace(/\/intensity\/[^/]+\/fw24h$/, '/intensity/{from}/fw24h')).sort(), ['/intensity', '/intensity/{from}/fw24h']);
    } finally {
      service.dispose();
      server.close();
    }
  });
});
