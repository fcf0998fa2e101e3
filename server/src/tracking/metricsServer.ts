// A /metrics endpoint on 127.0.0.1 (node:http, no dependency): serves the exposition text that
// `render` returns at the time of each scrape. Used by `greenml run --metrics-port` and by the
// language server (`greenml.tracking.metricsPort`). Loopback only: a cluster's Prometheus scrapes
// it through its own agent or a port-forward the user sets up, never an open port by default.
import * as http from 'node:http';
import { EXPOSITION_CONTENT_TYPE } from './exposition';

export interface MetricsServer {
  readonly port: number;
  /** Scrapes answered so far. */
  readonly scrapes: number;
  /** Resolves on the first scrape rendered and answered after this call (so it holds what is current now), or false after `timeoutMs`. */
  nextScrape(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export function startMetricsServer(port: number, render: () => string, host = '127.0.0.1'): Promise<MetricsServer> {
  let scrapes = 0;
  let renders = 0;
  // A scrape already rendered when nextScrape is called holds older figures: only later ones count.
  let waiters: { after: number; done: () => void }[] = [];
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Green ML serves its metrics on /metrics\n');
      return;
    }
    const arrived = Date.now();
    // Prometheus says how long it waits (X-Prometheus-Scrape-Timeout-Seconds): an answer slower than
    // that was dropped on its side, so it does not count as a delivered scrape.
    const timeoutS = Number(req.headers['x-prometheus-scrape-timeout-seconds']);
    let body: string;
    const seq = ++renders;
    try {
      body = render();
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`greenml: ${(err as Error).message}\n`);
      return;
    }
    res.writeHead(200, { 'content-type': EXPOSITION_CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body, () => {
      if (Number.isFinite(timeoutS) && timeoutS > 0 && (Date.now() - arrived) / 1000 > timeoutS) return;
      scrapes++;
      const due = waiters.filter((w) => w.after < seq);
      waiters = waiters.filter((w) => w.after >= seq);
      for (const w of due) w.done();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(err.code === 'EADDRINUSE' ? `port ${port} on ${host} is already in use` : `cannot listen on ${host}:${port}: ${err.message}`)),
    );
    server.listen(port, host, () => {
      const addr = server.address();
      const bound = typeof addr === 'object' && addr ? addr.port : port;
      resolve({
        port: bound,
        get scrapes() {
          return scrapes;
        },
        nextScrape(timeoutMs: number) {
          return new Promise<boolean>((res) => {
            const t = setTimeout(() => {
              waiters = waiters.filter((w) => w.done !== done);
              res(false);
            }, timeoutMs);
            const done = () => {
              clearTimeout(t);
              res(true);
            };
            waiters.push({ after: renders, done });
          });
        },
        close() {
          return new Promise<void>((res) => {
            server.close(() => res());
            server.closeAllConnections?.();
          });
        },
      });
    });
  });
}
