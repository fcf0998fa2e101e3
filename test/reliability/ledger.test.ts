// Trackers appending to one ledger at once (issue 21, item 13): 4 processes × 300 rows, started
// together. Before the lock, a second header appeared in about half the rounds and 6–14 rows were
// lost per round (one tracker's torn-tail repair cut another's row in half). The file is checked
// here without the product's CSV reader: one header, 38 fields a row, every row exactly once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { appendLedgerRow, CODECARBON_COLUMNS, type LedgerRow } from '../../server/src/tracking/ledger';
import { tempTree } from './sandbox';

/** The compiled ledger module the writer processes load. */
const LEDGER_MODULE = require.resolve('../../server/src/tracking/ledger');
const HEADER = CODECARBON_COLUMNS.join(',');

/** One writer process: waits for the start file, then appends `rows` rows tagged with its name. */
const WRITER = `
const fs = require('fs');
const { appendLedgerRow, CODECARBON_COLUMNS } = require(process.argv[1]);
const [dir, name, rows, go] = process.argv.slice(2);
while (!fs.existsSync(go)) {}
for (let i = 0; i < Number(rows); i++) {
  const row = Object.fromEntries(CODECARBON_COLUMNS.map((c) => [c, c === 'run_id' ? name + '-' + i : c === 'project_name' ? 'p' : 1.5]));
  appendLedgerRow(dir, row);
}
`;

function runWriters(dir: string, writers: number, rows: number): Promise<void> {
  const go = path.join(dir, 'go');
  const started = Array.from({ length: writers }, (_, w) => {
    const child = spawn(process.execPath, ['-e', WRITER, LEDGER_MODULE, dir, `w${w}`, String(rows), go], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    return new Promise<void>((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${w} exited ${code}: ${stderr}`)))));
  });
  // Every writer is spinning on the start file before it appears: they all begin at once.
  setTimeout(() => fs.writeFileSync(go, ''), 500);
  return Promise.all(started).then(() => undefined);
}

/** What csvcheck.py checks: the header once at the top, 38 fields in every row, and which rows are there. */
function checkLedger(file: string): { rows: string[]; extraHeaders: number; badRows: string[]; endsWithNewline: boolean } {
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const endsWithNewline = lines.pop() === '';
  assert.equal(lines[0], HEADER, 'the header is the first line');
  const body = lines.slice(1);
  return {
    rows: body.filter((l) => l !== HEADER).map((l) => l.split(',')[2]),
    extraHeaders: body.filter((l) => l === HEADER).length,
    badRows: body.filter((l) => l !== HEADER && l.split(',').length !== 38),
    endsWithNewline,
  };
}

describe('concurrent appends to one ledger', () => {
  const expected = Array.from({ length: 4 }, (_, w) => Array.from({ length: 300 }, (_, i) => `w${w}-${i}`)).flat().sort();
  const TORN = '2024-01-01T00:00:00,p,torn-by-a-power-cut,,1.2';
  // Each start three times: the races are between processes and do not show every time.
  for (const start of ['no ledger yet', 'a ledger with a torn last row'] as const) {
    for (let round = 1; round <= 3; round++) {
      it(`4 trackers × 300 rows at once on ${start} (round ${round}): one header, 38 fields a row, all 1,200 rows, each once`, async () => {
        const dir = tempTree();
        const file = path.join(dir, 'emissions.csv');
        if (start !== 'no ledger yet') fs.writeFileSync(file, `${HEADER}\n${TORN}`);
        await runWriters(dir, 4, 300);
        const ledger = checkLedger(file);
        assert.equal(ledger.extraHeaders, 0, 'no second header');
        assert.deepEqual(ledger.badRows, [], 'every row has 38 fields (the torn one is cut)');
        assert.ok(ledger.endsWithNewline);
        assert.equal(ledger.rows.length, 1200, `rows in the ledger: ${ledger.rows.length} of 1200`);
        assert.deepEqual([...ledger.rows].sort(), expected, 'every row exactly once');
        assert.deepEqual(fs.readdirSync(dir).filter((n) => n.includes('lock')), [], 'no lock file left');
      });
    }
  }

  it("a lock left by a tracker killed mid-append is broken, and the torn row it left is cut", () => {
    const dir = tempTree();
    const row = (id: string) => Object.fromEntries(CODECARBON_COLUMNS.map((c) => [c, c === 'run_id' ? id : 1])) as LedgerRow;
    appendLedgerRow(dir, row('a'));
    const file = path.join(dir, 'emissions.csv');
    // A tracker that died holding the lock, after writing part of its row: a pid that is not running.
    fs.appendFileSync(file, '2024-01-01T00:00:00,p,torn');
    fs.writeFileSync(`${file}.lock`, `999999999 ${os.hostname()} ${Date.now()}\n`);
    const started = Date.now();
    appendLedgerRow(dir, row('b'));
    assert.ok(Date.now() - started < 2000, 'the stale lock did not hold the append up');
    const ledger = checkLedger(file);
    assert.deepEqual(ledger.rows, ['a', 'b']);
    assert.deepEqual(ledger.badRows, []);
    assert.equal(fs.existsSync(`${file}.lock`), false);
  });
});
