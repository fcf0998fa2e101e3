// The packaged .vsix holds only what the installed extension needs, and fits the 5 MB budget.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { test } from 'node:test';
import { vsixPath } from './harness';

/** Names of the entries in a zip file, read from its central directory. */
export function zipEntries(buf: Buffer): string[] {
  // End of central directory record: signature 0x06054b50, within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  assert.ok(eocd >= 0, 'not a zip file (no end of central directory record)');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50, 'bad central directory entry');
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    names.push(buf.toString('utf8', p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}

// What may ship: the vsix manifest files, the bundles and parser wasm, the grammar, bundled data,
// docs, and the README / CHANGELOG / LICENSE / notices.
const ALLOWED = [
  /^\[Content_Types\]\.xml$/,
  /^extension\.vsixmanifest$/,
  /^extension\/package\.json$/,
  /^extension\/dist\/[^/]+\.(js|wasm)$/,
  /^extension\/dist\/webview\/[^/]+\.(js|css)$/,
  /^extension\/dist\/data\/.+$/,
  /^extension\/syntaxes\/[^/]+\.json$/,
  /^extension\/server\/data\/.+\.(json|csv|md)$/,
  /^extension\/docs\/.+\.(md|png|svg)$/,
  /^extension\/(readme|changelog)\.md$/i,
  /^extension\/LICENSE(\.md|\.txt)?$/i,
  /^extension\/(ThirdPartyNotices\.txt|THIRD_PARTY_NOTICES\.md|NOTICE(\.md)?)$/i,
  /^extension\/images\/icon\.png$/,
  /^extension\/images\/greenml\.svg$/,
];

test('the .vsix contains only bundles, wasm, grammar, data, docs and notices, within 5 MB', () => {
  const vsix = vsixPath();
  const size = statSync(vsix).size;
  const entries = zipEntries(readFileSync(vsix));
  const listing = entries.join('\n  ');
  console.log(`${vsix}: ${(size / 1024).toFixed(0)} KB, ${entries.length} entries:\n  ${listing}`);

  assert.ok(size <= 5 * 1024 * 1024, `vsix is ${size} bytes, over 5 MB`);
  const unexpected = entries.filter((e) => !ALLOWED.some((re) => re.test(e)));
  assert.deepEqual(unexpected, [], `unexpected files in the vsix:\n  ${listing}`);
  for (const required of [
    'extension/package.json',
    'extension/dist/client.js',
    'extension/dist/server.js',
    'extension/dist/tree-sitter.wasm',
    'extension/dist/tree-sitter-python.wasm',
    // The run history's chart: uPlot is bundled, nothing is fetched from a CDN.
    'extension/dist/webview/chart.js',
    'extension/dist/webview/uPlot.min.css',
    'extension/images/greenml.svg',
  ]) {
    assert.ok(entries.includes(required), `${required} missing from the vsix`);
  }
  assert.ok(!entries.some((e) => e.endsWith('.map')), 'source maps must not ship');
  assert.ok(!entries.some((e) => /node_modules|\/src\/|\.ts$/.test(e)), 'sources or node_modules must not ship');
});
