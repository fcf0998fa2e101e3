// A small client for the Prometheus HTTP API (https://prometheus.io/docs/prometheus/latest/querying/api/):
// instant queries (/api/v1/query) and range queries (/api/v1/query_range), with errors in words —
// a URL that is not one, a server that does not answer, and Prometheus's own message for a query it
// cannot parse (HTTP 400, errorType "bad_data").
import * as http from 'node:http';
import * as https from 'node:https';

export interface PromSeries {
  metric: Record<string, string>;
  /** [unix seconds, value] pairs: one for an instant query, many for a range query. */
  values: [number, number][];
}

export class PromError extends Error {
  constructor(
    message: string,
    /** 'url' | 'unreachable' | 'bad_data' (the query, e.g. a bad selector) | 'http' | 'response' */
    readonly kind: string,
  ) {
    super(message);
  }
}

/** Checks a --prometheus URL (http or https, no query or fragment); returns the base without a trailing slash. */
export function checkPrometheusUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new PromError(`'${raw}' is not a URL (e.g. http://prometheus:9090)`, 'url');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new PromError(`'${raw}' is not an http:// or https:// URL`, 'url');
  if (u.search || u.hash) throw new PromError(`'${raw}' has a query or fragment; give Prometheus's base URL (e.g. http://prometheus:9090)`, 'url');
  return u.toString().replace(/\/+$/, '');
}

function get(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.get(url, { headers: { accept: 'application/json' }, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', reject);
  });
}

type ApiBody = {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: { metric?: Record<string, string>; value?: [number, string]; values?: [number, string][] }[] };
};

export class PromClient {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 15_000,
  ) {}

  private async api(path: string, params: Record<string, string>): Promise<PromSeries[]> {
    const url = `${this.baseUrl}${path}?${new URLSearchParams(params)}`;
    let res: { status: number; body: string };
    try {
      res = await get(url, this.timeoutMs);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new PromError(`cannot reach Prometheus at ${this.baseUrl}: ${e.code ?? e.message}`, 'unreachable');
    }
    let body: ApiBody;
    try {
      body = JSON.parse(res.body) as ApiBody;
    } catch {
      throw new PromError(`${this.baseUrl} answered HTTP ${res.status} with something that is not the Prometheus API (is it Prometheus's base URL?)`, 'response');
    }
    if (body.status !== 'success') {
      const kind = body.errorType === 'bad_data' ? 'bad_data' : 'http';
      throw new PromError(`Prometheus rejected the query ${params.query}: ${body.error ?? `HTTP ${res.status}`}`, kind);
    }
    const result = body.data?.result ?? [];
    return result.map((r) => ({
      metric: r.metric ?? {},
      values: (r.values ?? (r.value ? [r.value] : [])).map(([t, v]) => [Number(t), Number(v)] as [number, number]),
    }));
  }

  /** An instant query evaluated at `time` (unix seconds). */
  query(promql: string, time: number): Promise<PromSeries[]> {
    return this.api('/api/v1/query', { query: promql, time: String(time) });
  }

  /** A range query from `start` to `end` (unix seconds) every `stepS` seconds. */
  queryRange(promql: string, start: number, end: number, stepS: number): Promise<PromSeries[]> {
    return this.api('/api/v1/query_range', { query: promql, start: String(start), end: String(end), step: String(stepS) });
  }
}
