// A `greenml run --start-when-cleanest` that is waiting for its window leaves a small file beside
// the checkpoints, <outputDir>/live/<run_id>.scheduled.json, so that VS Code can show the countdown;
// it is removed when the command starts or the wait is cancelled.
import * as fs from 'node:fs';
import { join } from 'node:path';
import type { ScheduledRun } from '../common/trackingProtocol';
import { liveDir, pidAlive } from './ledger';
import { listDir, writeFileAtomic } from './fsio';

interface ScheduledFile extends ScheduledRun {
  version: 1;
  kind: 'scheduled';
  writtenAt: number;
}

export function scheduledPath(outputDir: string, runId: string): string {
  return join(liveDir(outputDir), `${runId}.scheduled.json`);
}

export function writeScheduled(outputDir: string, run: ScheduledRun): string {
  fs.mkdirSync(liveDir(outputDir), { recursive: true });
  const path = scheduledPath(outputDir, run.runId);
  const file: ScheduledFile = { version: 1, kind: 'scheduled', ...run, writtenAt: Date.now() };
  writeFileAtomic(path, JSON.stringify(file));
  return path;
}

export function removeScheduled(outputDir: string, runId: string): void {
  try {
    fs.rmSync(scheduledPath(outputDir, runId), { force: true });
  } catch {
    /* gone */
  }
  try {
    fs.rmdirSync(liveDir(outputDir));
  } catch {
    /* not empty, or not there */
  }
}

/** Waiting runs whose `greenml run` is alive; files of dead ones are removed. */
export function readScheduled(outputDir: string): ScheduledRun[] {
  const dir = liveDir(outputDir);
  const out: ScheduledRun[] = [];
  for (const n of listDir(dir)) {
    if (!n.endsWith('.scheduled.json')) continue;
    const p = join(dir, n);
    try {
      const f = JSON.parse(fs.readFileSync(p, 'utf8')) as ScheduledFile;
      if (f.kind !== 'scheduled') continue;
      if (!pidAlive(f.trackerPid)) {
        fs.rmSync(p, { force: true });
        continue;
      }
      out.push({ runId: f.runId, label: f.label, trackerPid: f.trackerPid, startAt: f.startAt, nowGPerKwh: f.nowGPerKwh, windowGPerKwh: f.windowGPerKwh });
    } catch {
      /* being replaced */
    }
  }
  return out;
}
