// Real Prometheus and Pushgateway servers for the cluster tests (Debian's `prometheus` and
// `prometheus-pushgateway`), each on a free 127.0.0.1 port with its own temporary storage and a
// generated scrape configuration, stopped by the test. A missing binary is an error, never a skip:
// scripts/test.mjs and .ci/run install both packages.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import { join } from 'node:path';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function requireBinary(name: string, pkg: string): string {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const path = r.stdout.trim();
  if (r.status !== 0 || !path) throw new Error(`${name} is not installed: apt-get install ${pkg} (scripts/test.mjs and .ci/run install it)`);
  return path;
}

export interface ScrapeJob {
  job: string;
  targets: string[];
  /** Keep the job/instance labels the scraped page carries (the Pushgateway's). */
  honorLabels?: boolean;
}

interface Server {
  url: string;
  stop(): Promise<void>;
}

async function waitReady(url: string, child: ChildProcess, log: () => string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url}: exited with ${child.exitCode}:\n${log()}`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (r.ok) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > end) throw new Error(`${url} not ready after ${timeoutMs} ms:\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function stopper(child: ChildProcess, dir: string): () => Promise<void> {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
}

export interface Prometheus extends Server {
  /** An instant query; the result vector (throws on an API error). */
  query(promql: string, time?: number): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
}

export async function startPrometheus(jobs: ScrapeJob[], scrapeIntervalS = 1): Promise<Prometheus> {
  const bin = requireBinary('prometheus', 'prometheus');
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'greenml-prom-'));
  const port = await freePort();
  const config = [
    'global:',
    `  scrape_interval: ${scrapeIntervalS}s`,
    `  scrape_timeout: ${scrapeIntervalS}s`,
    'scrape_configs:',
    ...jobs.flatMap((j) => [
      `  - job_name: ${JSON.stringify(j.job)}`,
      ...(j.honorLabels ? ['    honor_labels: true'] : []),
      '    static_configs:',
      `      - targets: ${JSON.stringify(j.targets)}`,
    ]),
  ].join('\n');
  fs.writeFileSync(join(dir, 'prometheus.yml'), `${config}\n`);
  let log = '';
  const child = spawn(bin, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  const stop = stopper(child, dir);
  try {
    await waitReady(`${url}/-/ready`, child, () => log);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    stop,
    async query(promql, time) {
      const q = new URLSearchParams({ query: promql, ...(time !== undefined ? { time: String(time) } : {}) });
      const r = await fetch(`${url}/api/v1/query?${q}`);
      const body = (await r.json()) as { status: string; error?: string; data?: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      if (body.status !== 'success') throw new Error(`${promql}: ${body.error}`);
      return body.data!.result;
    },
  };
}

export async function startPushgateway(): Promise<Server & { port: number }> {
  const bin = requireBinary('prometheus-pushgateway', 'prometheus-pushgateway');
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'greenml-pgw-'));
  const port = await freePort();
  let log = '';
  const child = spawn(bin, [`--web.listen-address=127.0.0.1:${port}`, `--persistence.file=${join(dir, 'metrics')}`, '--log.level=warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  const stop = stopper(child, dir);
  try {
    await waitReady(`${url}/-/ready`, child, () => log);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, port, stop };
}

/** Polls `fn` until it returns a value (not undefined), or throws after `timeoutMs`. */
export async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
