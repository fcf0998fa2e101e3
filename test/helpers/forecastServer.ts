// A local stand-in for the carbon-intensity providers, on 127.0.0.1, answering in the JSON shapes
// their documentation gives. Times are generated around the moment of each request, so that a test
// can have the cleanest window start a few seconds ahead: real slots sit on :00 and :30 and the UK
// API writes them to the minute, so a boundary that is not on a whole minute gets its seconds.
//   UK Carbon Intensity API (api.carbonintensity.org.uk, "National" and "Regional" sections):
//     GET /intensity                                   {"data":[{"from","to","intensity":{"forecast","actual","index"}}]}
//     GET /intensity/{from}/fw24h                      {"data":[{"from","to","intensity":{"forecast","actual":null,"index"}}, …]}
//     GET /regional/postcode/{pc}                      {"data":[{"regionid","dnoregion","shortname","postcode","data":[{"from","to","intensity":{"forecast","index"},"generationmix":[…]}]}]}
//     GET /regional/intensity/{from}/fw24h/postcode/{pc}  {"data":{"regionid","dnoregion","shortname","postcode","data":[ … as above … ]}}
//   Electricity Maps API v3 (header auth-token):
//     GET /carbon-intensity/latest?zone=DE             {"zone","carbonIntensity","datetime","updatedAt","createdAt","emissionFactorType","isEstimated","estimationMethod"}
//     GET /carbon-intensity/forecast?zone=DE           {"zone","forecast":[{"carbonIntensity","datetime"}, …],"updatedAt"}
// Modes: 'ok'; 'slow' (answers after `slowMs`); 'fail' (HTTP 500 with the UK API's error body).
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ForecastServerOptions {
  mode?: 'ok' | 'slow' | 'fail';
  /** Seconds from the request to the start of the cleanest slot. */
  cleanestInS?: number;
  /** Intensity now and in the cleanest slot, g/kWh. */
  nowG?: number;
  cleanestG?: number;
  slowMs?: number;
  token?: string;
}

export interface ForecastServer {
  url: string;
  requests: string[];
  close(): Promise<void>;
}


function index(g: number): string {
  return g < 40 ? 'very low' : g < 120 ? 'low' : g < 200 ? 'moderate' : g < 290 ? 'high' : 'very high';
}

/** Slots for 24 h (half-hourly for the UK, hourly for Electricity Maps): the current one, then the cleanest starting `cleanestInS` from now. */
function slots(now: number, o: Required<Pick<ForecastServerOptions, 'cleanestInS' | 'nowG' | 'cleanestG'>>, SLOT_MS: number): { from: number; to: number; g: number }[] {
  const out: { from: number; to: number; g: number }[] = [];
  const firstEnd = now + o.cleanestInS * 1000;
  out.push({ from: now - 60_000, to: firstEnd, g: o.nowG });
  out.push({ from: firstEnd, to: firstEnd + SLOT_MS, g: o.cleanestG });
  let t = firstEnd + SLOT_MS;
  let k = 0;
  while (t < now + 24 * 3600_000) {
    // Between the two: never as clean as the cleanest slot.
    out.push({ from: t, to: t + SLOT_MS, g: o.cleanestG + 20 + ((k * 37) % 120) });
    t += SLOT_MS;
    k++;
  }
  return out;
}

/** The UK API writes times to the minute (2024-06-20T14:00Z); seconds are added only for a boundary a few seconds away. */
const iso = (ms: number) => {
  const t = new Date(Math.floor(ms / 1000) * 1000).toISOString();
  return t.slice(17, 19) === '00' ? t.slice(0, 16) + 'Z' : t.slice(0, 19) + 'Z';
};

export async function startForecastServer(opts: ForecastServerOptions = {}): Promise<ForecastServer> {
  const o = { cleanestInS: 10, nowG: 250, cleanestG: 90, ...opts };
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const answer = () => {
      if ((o.mode ?? 'ok') === 'fail') return send(500, { error: { code: '500 Internal Server Error', message: 'Something went wrong' } });
      const url = new URL(req.url ?? '/', 'http://localhost');
      const now = Date.now();
      const s = slots(now, o, 30 * 60_000);
      const uk = (withActual: boolean) => (x: { from: number; to: number; g: number }) => ({
        from: iso(x.from),
        to: iso(x.to),
        intensity: withActual ? { forecast: x.g, actual: null, index: index(x.g) } : { forecast: x.g, index: index(x.g) },
      });
      const mix = [{ fuel: 'gas', perc: 40.2 }, { fuel: 'wind', perc: 35.1 }, { fuel: 'nuclear', perc: 14.7 }, { fuel: 'solar', perc: 10 }];
      const region = (data: unknown[]) => ({ regionid: 13, dnoregion: 'UKPN London', shortname: 'London', postcode: 'SW1A', data });
      if (url.pathname === '/intensity') return send(200, { data: [uk(true)(s[0])] });
      if (/^\/intensity\/[^/]+\/fw24h$/.test(url.pathname)) return send(200, { data: s.map(uk(true)) });
      if (/^\/regional\/postcode\/[^/]+$/.test(url.pathname)) return send(200, { data: [region([{ ...uk(false)(s[0]), generationmix: mix }])] });
      if (/^\/regional\/intensity\/[^/]+\/fw24h\/postcode\/[^/]+$/.test(url.pathname)) return send(200, { data: region(s.map((x) => ({ ...uk(false)(x), generationmix: mix }))) });
      if (url.pathname.startsWith('/carbon-intensity/')) {
        if (o.token && req.headers['auth-token'] !== o.token) return send(401, { message: 'Invalid or missing auth-token' });
        const zone = url.searchParams.get('zone') ?? 'DE';
        if (url.pathname === '/carbon-intensity/latest') {
          return send(200, { zone, carbonIntensity: o.nowG, datetime: new Date(now).toISOString(), updatedAt: new Date(now).toISOString(), createdAt: new Date(now).toISOString(), emissionFactorType: 'lifecycle', isEstimated: true, estimationMethod: 'TIME_SLICER_AVERAGE' });
        }
        if (url.pathname === '/carbon-intensity/forecast') {
          // Hourly points, as Electricity Maps gives them: each holds until the next.
          const hourly = slots(now, o, 3600_000).map((x) => ({ carbonIntensity: x.g, datetime: new Date(x.from).toISOString() }));
          return send(200, { zone, forecast: hourly, updatedAt: new Date(now).toISOString() });
        }
      }
      send(404, { error: { code: '404 Not Found', message: 'not found' } });
    };
    if ((o.mode ?? 'ok') === 'slow') setTimeout(answer, o.slowMs ?? 5000);
    else answer();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((r) => {
      server.closeAllConnections?.();
      server.close(() => r());
    }),
  };
}
