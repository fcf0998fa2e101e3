// Pushes a run's series to a Prometheus Pushgateway, for batch jobs that Prometheus cannot scrape
// (https://github.com/prometheus/pushgateway#api). Each push is a PUT of the whole set to
// /metrics/job/<job>/instance/<instance>: PUT replaces every metric of that group, so series of a
// component that stopped reporting do not linger (POST would replace only the names it sends).
// Label values that contain a "/" go in the path base64url-encoded, as `<label>@base64/<value>`.
import { EXPOSITION_CONTENT_TYPE } from './exposition';

export interface PushTarget {
  /** The gateway's base URL, e.g. http://pushgateway:9091 */
  url: string;
  job: string;
  instance: string;
}

/** Checks a --pushgateway URL: http(s), no query or fragment. Returns the base without a trailing slash, or why not. */
export function checkGatewayUrl(raw: string): { url: string } | { error: string } {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return { error: `'${raw}' is not a URL (e.g. http://pushgateway:9091)` };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { error: `'${raw}' is not an http:// or https:// URL` };
  if (u.search || u.hash) return { error: `'${raw}' has a query or fragment; give the gateway's base URL (e.g. http://pushgateway:9091)` };
  return { url: u.toString().replace(/\/+$/, '') };
}

function pathValue(label: string, value: string): string {
  if (value === '') return `${label}@base64/=`;
  if (!value.includes('/')) return `${label}/${encodeURIComponent(value)}`;
  return `${label}@base64/${Buffer.from(value, 'utf8').toString('base64url')}`;
}

export function groupingPath(t: PushTarget): string {
  return `/metrics/${pathValue('job', t.job)}/${pathValue('instance', t.instance)}`;
}

/** One PUT of `body` (exposition text) to the target's group; throws with the gateway's answer on failure. */
export async function pushMetrics(t: PushTarget, body: string, timeoutMs = 5000): Promise<void> {
  const url = `${t.url}${groupingPath(t)}`;
  let res: Response;
  try {
    res = await fetch(url, { method: 'PUT', headers: { 'content-type': EXPOSITION_CONTENT_TYPE }, body, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`cannot reach the Pushgateway at ${t.url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
  if (!res.ok) {
    const text = (await res.text().catch(() => '')).trim().slice(0, 300);
    throw new Error(`the Pushgateway at ${t.url} answered HTTP ${res.status}${text ? `: ${text}` : ''}`);
  }
}
