import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { resolveIntensity, resolveOffline, lookupCountry } from '../../server/src/tracking/carbon';
import { matchCpuTdp, cpuInfoFor } from '../../server/src/tracking/cpuInfo';

test('country table: ISO alpha-3 → g/kWh with its year', () => {
  const fra = resolveOffline({ region: 'fra' });
  assert.equal(fra.kind, 'table');
  assert.equal(fra.gPerKwh, lookupCountry('FRA')!.g);
  assert.ok(fra.gPerKwh > 20 && fra.gPerKwh < 120);
  assert.equal(fra.year, lookupCountry('FRA')!.year);
  assert.match(fra.source, /Our World in Data 20\d\d, France \(FRA\)/);
  assert.equal(resolveOffline({ region: 'GBR' }).gPerKwh, 237.6);
});

test('override wins; PUE applied from settings and kept in range', () => {
  const o = resolveOffline({ region: 'FRA', override: 123, pue: 1.4 });
  assert.deepEqual([o.kind, o.gPerKwh, o.pue], ['override', 123, 1.4]);
  assert.equal(resolveOffline({ pue: 0.5 }).pue, 1);
});

test('no region → world average 475 g/kWh labelled assumed, with a prompt to set the region', () => {
  const a = resolveOffline({});
  assert.deepEqual([a.kind, a.gPerKwh], ['assumed', 475]);
  assert.match(a.source, /^assumed/);
  assert.ok(a.notes.some((n) => /greenml\.carbon\.region/.test(n)));
  const bad = resolveOffline({ region: 'XX' });
  assert.equal(bad.kind, 'assumed');
  assert.ok(bad.notes.some((n) => /Unknown region "XX"/.test(n)));
});

function server(handler: http.RequestListener): Promise<{ url: string; close: () => void }> {
  return new Promise((res) => {
    const s = http.createServer(handler);
    s.listen(0, '127.0.0.1', () => res({ url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, close: () => s.close() }));
  });
}

test('live providers on 127.0.0.1 with their real JSON shapes; slow and failing ones fall back', async () => {
  const seen: { url: string; token?: string }[] = [];
  const srv = await server((req, res) => {
    seen.push({ url: req.url!, token: req.headers['auth-token'] as string | undefined });
    const json = (o: unknown, code = 200) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(o));
    };
    if (req.url === '/uk/intensity') return json({ data: [{ from: '2024-06-20T14:00Z', to: '2024-06-20T14:30Z', intensity: { forecast: 120, actual: 115, index: 'low' } }] });
    if (req.url === '/uk/regional/postcode/G1')
      return json({ data: [{ regionid: 2, dnoregion: 'SP Distribution', shortname: 'South Scotland', postcode: 'G1', data: [{ from: '2024-06-20T14:00Z', to: '2024-06-20T14:30Z', intensity: { forecast: 150, index: 'moderate' }, generationmix: [{ fuel: 'gas', perc: 20.0 }] }] }] });
    if (req.url === '/em/carbon-intensity/latest?zone=DE')
      return json({ zone: 'DE', carbonIntensity: 302, datetime: '2024-06-20T14:00:00.000Z', updatedAt: '2024-06-20T13:55:00.000Z', createdAt: '2024-06-17T14:00:00.000Z', emissionFactorType: 'lifecycle', isEstimated: false, estimationMethod: null, temporalGranularity: 'hourly' });
    if (req.url!.startsWith('/slow')) return void setTimeout(() => json({ data: [] }), 2000);
    return json({ error: 'boom' }, 500);
  });
  try {
    const uk = await resolveIntensity({ liveProvider: 'ukCarbonIntensity', ukBaseUrl: `${srv.url}/uk` });
    assert.deepEqual([uk.kind, uk.gPerKwh], ['live', 115]);
    assert.match(uk.source, /^UK Carbon Intensity API \(actual/);
    const ukr = await resolveIntensity({ liveProvider: 'ukCarbonIntensity', ukPostcode: 'G1 1AA', ukBaseUrl: `${srv.url}/uk` });
    assert.equal(ukr.gPerKwh, 150);
    assert.match(ukr.source, /South Scotland/);
    const em = await resolveIntensity({ liveProvider: 'electricityMaps', electricityMapsZone: 'DE', electricityMapsToken: 'tok-123', env: { GREENML_ELECTRICITYMAPS_API: `${srv.url}/em` } });
    assert.deepEqual([em.kind, em.gPerKwh], ['live', 302]);
    assert.equal(seen.find((s) => s.url.startsWith('/em'))!.token, 'tok-123');
    // Slow: timeout, then the country table.
    const t0 = Date.now();
    const slow = await resolveIntensity({ region: 'FRA', liveProvider: 'ukCarbonIntensity', ukBaseUrl: `${srv.url}/slow`, timeoutMs: 300 });
    assert.ok(Date.now() - t0 < 1500);
    assert.equal(slow.kind, 'table');
    assert.ok(slow.notes.some((n) => /UK Carbon Intensity API unavailable \(timed out after 300 ms\)/.test(n)));
    // Failing: HTTP 500 → assumed (no region), both notes kept.
    const fail = await resolveIntensity({ liveProvider: 'electricityMaps', electricityMapsZone: 'DE', electricityMapsToken: 't', electricityMapsBaseUrl: `${srv.url}/broken` });
    assert.equal(fail.kind, 'assumed');
    assert.ok(fail.notes.some((n) => /Electricity Maps unavailable \(HTTP 500( Internal Server Error)?\)/.test(n)));
    // No token: no request at all.
    const before = seen.length;
    const nok = await resolveIntensity({ region: 'DEU', liveProvider: 'electricityMaps', electricityMapsZone: 'DE', electricityMapsBaseUrl: `${srv.url}/em` });
    assert.equal(nok.kind, 'table');
    assert.equal(seen.length, before);
    // Off by default: never any network.
    const off = await resolveIntensity({ region: 'DEU', ukBaseUrl: `${srv.url}/uk` });
    assert.equal(off.kind, 'table');
    assert.equal(seen.length, before);
  } finally {
    srv.close();
  }
});

test('CPU TDP table match, and the stated per-thread default for unknown models', () => {
  assert.equal(matchCpuTdp('Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz')?.tdp, 150);
  assert.equal(matchCpuTdp('AMD EPYC'), undefined);
  const known = cpuInfoFor('Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz', 80, 2);
  assert.equal(known.wattsPerThread, (150 * 2) / 80);
  const unknown = cpuInfoFor('Mystery CPU 9000', 8, 1);
  assert.equal(unknown.wattsPerThread, 4);
  assert.match(unknown.tdpSource, /not in the TDP table: default 4 W per logical CPU/);
});
