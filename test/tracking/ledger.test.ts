import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { appendLedgerRow, parseCsv, CODECARBON_COLUMNS, LedgerRow, HEADER } from '../../server/src/tracking/ledger';
import { tmpDir } from './helpers';

const row = (id: string, name = 'proj'): LedgerRow =>
  Object.fromEntries(CODECARBON_COLUMNS.map((c) => [c, c === 'run_id' ? id : c === 'project_name' ? name : c === 'cpu_model' ? 'Intel(R) Xeon(R), "Gold"' : 0])) as LedgerRow;

test('ledger: header once, quoted fields round-trip, torn tail cut before the next append', () => {
  const dir = tmpDir();
  appendLedgerRow(dir, row('a'));
  appendLedgerRow(dir, row('b', 'x,y'));
  const p = join(dir, 'emissions.csv');
  fs.appendFileSync(p, '2024-01-01T00:00:00,proj,torn-row,,1.2'); // a power cut mid-row
  appendLedgerRow(dir, row('c'));
  const rows = parseCsv(fs.readFileSync(p, 'utf8'));
  assert.equal(rows[0].join(','), HEADER);
  assert.deepEqual(rows.slice(1).map((r) => r[2]), ['a', 'b', 'c']);
  assert.ok(rows.every((r) => r.length === 38));
  assert.equal(rows[2][1], 'x,y');
  assert.equal(rows[1][CODECARBON_COLUMNS.indexOf('cpu_model')], 'Intel(R) Xeon(R), "Gold"');
});

test('ledger: a file with another header is kept aside, not appended to', () => {
  const dir = tmpDir();
  fs.writeFileSync(join(dir, 'emissions.csv'), 'timestamp,project_name,run_id\n1,2,3\n');
  appendLedgerRow(dir, row('a'));
  const rows = parseCsv(fs.readFileSync(join(dir, 'emissions.csv'), 'utf8'));
  assert.equal(rows.length, 2);
  assert.ok(fs.readdirSync(dir).some((f) => f.startsWith('emissions.csv.') && f.endsWith('.bak')));
});
