// `greenml run --start-when-cleanest [--within DURATION]`: holds the command until the cleanest
// window of the configured provider's forecast (within the allowed wait), with a countdown on stderr
// (one redrawn line on a terminal, a line every ten minutes otherwise) and a file VS Code shows as a
// countdown in the status bar. Enter (or SIGUSR2) starts at once; Ctrl-C, q or SIGINT/SIGTERM/SIGHUP
// cancel without starting. Without a forecast it says why and starts at once. What happened goes
// into the carbon label (intensity avoided against starting at once).
import type { CarbonOptions } from '../tracking/carbon';
import { describeFetchError } from '../tracking/carbon';
import { cleanestWindow, fetchForecast, type Forecast } from '../tracking/forecast';
import type { CarbonAwareStart } from '../tracking/label';
import { removeScheduled, writeScheduled } from '../tracking/schedule';
import { fmtClock, fmtDuration } from '../common/units';
import { shortName } from './hold';

export interface CleanestStartOptions {
  withinMs: number;
  /** Expected run length (the previous run of the same script), when known. */
  runLengthMs?: number;
  carbon: CarbonOptions;
  runId: string;
  label: string;
  outputDir: string;
  err?: NodeJS.WriteStream;
  input?: NodeJS.ReadStream;
}

export type CleanestStartResult = { started: true; record: CarbonAwareStart } | { started: false };

const clockTime = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

export async function waitForCleanest(o: CleanestStartOptions): Promise<CleanestStartResult> {
  const err = o.err ?? process.stderr;
  const requestedAt = Date.now();
  const base = { requested_at: new Date(requestedAt).toISOString(), within_s: o.withinMs / 1000 };
  const startNow = (note: string, outcome: CarbonAwareStart['outcome'], provider: string | null, nowG: number | null): CleanestStartResult => {
    err.write(`greenml: ${note}\n`);
    return {
      started: true,
      record: { provider, ...base, started_at: new Date().toISOString(), waited_s: (Date.now() - requestedAt) / 1000, now_g_per_kwh: nowG, window_g_per_kwh: nowG, avoided_g_per_kwh: nowG === null ? null : 0, outcome, note },
    };
  };
  let forecast: Forecast;
  try {
    forecast = await fetchForecast(o.carbon, requestedAt);
  } catch (e) {
    return startNow(`no carbon-intensity forecast (${describeFetchError(e, o.carbon.timeoutMs)}): starting now.`, 'no-forecast', null, null);
  }
  const w = cleanestWindow(forecast, Date.now(), o.withinMs, o.runLengthMs);
  if (!w) return startNow(`the forecast from ${forecast.provider} does not cover now: starting now.`, 'no-forecast', null, null);
  const nowG = Math.round(w.nowGPerKwh);
  const windowG = Math.round(w.gPerKwh);
  if (w.start <= Date.now() + 1000) {
    return startNow(`now is the cleanest time to start within ${fmtDuration(o.withinMs / 1000)} (${nowG} g/kWh by ${forecast.provider}): starting now.`, 'cleanest-now', forecast.provider, w.nowGPerKwh);
  }

  const tty = err.isTTY === true;
  const input = o.input ?? process.stdin;
  const keys = input.isTTY === true;
  const head = `waiting to start ${shortName(o.label)} at ${clockTime(w.start)}, the cleanest window within ${fmtDuration(o.withinMs / 1000)}: ${windowG} g/kWh against ${nowG} now (${forecast.provider})`;
  const hint = keys ? ' — Enter: start now, Ctrl-C: cancel' : '';
  err.write(`greenml: ${head}.\n`);

  const how = await new Promise<'window' | 'started-early' | 'cancelled'>((resolve) => {
    const finish = (r: 'window' | 'started-early' | 'cancelled') => {
      clearTimeout(timer);
      clearInterval(ticker);
      for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(s, cancel);
      process.off('SIGUSR2', early);
      if (keys) {
        input.off('data', onKey);
        input.setRawMode?.(false);
        input.pause();
      }
      if (tty) err.write('\r\x1b[2K');
      resolve(r);
    };
    const cancel = () => finish('cancelled');
    const early = () => finish('started-early');
    const onKey = (d: Buffer) => {
      const k = d.toString('latin1');
      if (k.includes('\x03') || k.includes('\x04') || /q/i.test(k)) cancel();
      else if (/[\r\n]|s/i.test(k)) early();
    };
    const draw = () => {
      const left = Math.max(0, w.start - Date.now()) / 1000;
      // One row, redrawn in place: cut to the terminal's width so that it never wraps.
      const line = `greenml: starts in ${fmtClock(left)}${hint}`;
      if (tty) err.write(`\r\x1b[2K${[...line].slice(0, Math.max(10, (err.columns || 80) - 1)).join('')}`);
      else if (Math.round(left) % 600 === 0 && left > 1) err.write(`greenml: starting in ${fmtClock(left)}\n`);
    };
    const timer = setTimeout(() => finish('window'), Math.max(0, w.start - Date.now()));
    const ticker = setInterval(draw, 1000);
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, cancel);
    process.on('SIGUSR2', early);
    if (keys) {
      input.setRawMode?.(true);
      input.resume();
      input.on('data', onKey);
    }
    // Written once a signal can cancel the wait: VS Code shows the countdown from it.
    writeScheduled(o.outputDir, { runId: o.runId, label: o.label, trackerPid: process.pid, startAt: new Date(w.start).toISOString(), nowGPerKwh: w.nowGPerKwh, windowGPerKwh: w.gPerKwh });
    draw();
  });
  removeScheduled(o.outputDir, o.runId);
  if (how === 'cancelled') {
    err.write(`greenml: cancelled; ${shortName(o.label)} was not started.\n`);
    return { started: false };
  }
  const startedAt = Date.now();
  const early = how === 'started-early';
  // Started early: what it avoided is judged on the forecast for the moment it did start.
  const actual = early ? cleanestWindow(forecast, startedAt, 0, o.runLengthMs) : undefined;
  const tookG = early ? (actual?.nowGPerKwh ?? w.nowGPerKwh) : w.gPerKwh;
  const avoided = w.nowGPerKwh - tookG;
  const note = early
    ? `Started early at the user's request, ${fmtDuration((startedAt - requestedAt) / 1000)} into the wait for the window at ${clockTime(w.start)}.`
    : `Held until the cleanest window of the forecast (${clockTime(w.start)}), ${fmtDuration((startedAt - requestedAt) / 1000)} after it was asked to start.`;
  err.write(`greenml: starting ${shortName(o.label)} (${Math.round(tookG)} g/kWh forecast, ${Math.round(avoided)} g/kWh less than at the request).\n`);
  return {
    started: true,
    record: { provider: forecast.provider, ...base, started_at: new Date(startedAt).toISOString(), waited_s: (startedAt - requestedAt) / 1000, now_g_per_kwh: w.nowGPerKwh, window_g_per_kwh: tookG, avoided_g_per_kwh: avoided, outcome: early ? 'started-early' : 'window', note },
  };
}
