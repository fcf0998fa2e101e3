// Quick picks: the carbon region (every country of the bundled table, searchable by name or ISO
// code, with its intensity and data year), and "Show Emissions Tracking Status" (the runs now, the
// last run, the intensity and forecast, and what to set up next).
import * as vscode from 'vscode';
import type { RegionEntry, TrackingStatus } from '../../../server/src/common/trackingProtocol';
import { fmtClock, fmtCo2, fmtDuration, fmtEnergy, fmtExit, fmtPower } from '../../../server/src/common/units';
import { baseName } from './statusText';

interface RegionItem extends vscode.QuickPickItem {
  iso: string;
}

export async function pickRegion(regions: RegionEntry[], current: string | undefined): Promise<string | undefined> {
  const cur = current?.trim().toUpperCase();
  const items: RegionItem[] = [
    { label: '$(globe) World average (no region)', description: '475 g/kWh, assumed', detail: 'Figures are labelled "assumed" until a country is set.', iso: '' },
    ...regions.map((r) => ({
      label: r.name,
      description: `${r.iso} · ${Math.round(r.gPerKwh)} g/kWh (${r.year})`,
      iso: r.iso,
      picked: r.iso === cur,
    })),
  ];
  const qp = vscode.window.createQuickPick<RegionItem>();
  qp.title = 'Green ML: Set Carbon Intensity Region';
  qp.placeholder = 'Country name or ISO code, e.g. France or FRA';
  qp.matchOnDescription = true;
  qp.items = items;
  const active = items.find((i) => i.iso && i.iso === cur);
  if (active) qp.activeItems = [active];
  return new Promise((resolve) => {
    let done = false;
    qp.onDidAccept(() => {
      const pick = qp.selectedItems[0] ?? qp.activeItems[0];
      done = true;
      resolve(pick ? pick.iso : undefined);
      qp.hide();
    });
    qp.onDidHide(() => {
      if (!done) resolve(undefined);
      qp.dispose();
    });
    qp.show();
  });
}

interface StatusItem extends vscode.QuickPickItem {
  run?: () => Thenable<unknown> | void;
}

const sep = (label: string): StatusItem => ({ label, kind: vscode.QuickPickItemKind.Separator });

export async function showStatus(s: TrackingStatus | undefined, setup: { hasProvider: boolean; trusted: boolean }): Promise<void> {
  const items: StatusItem[] = [];
  const cmd = (id: string, ...args: unknown[]) => () => vscode.commands.executeCommand(id, ...args);
  if (s && s.runs.length > 0) {
    items.push(sep('Running now'));
    for (const r of s.runs) {
      items.push({
        label: `$(pulse) ${baseName(r.label)}`,
        description: `${fmtClock(r.durationS)} · ${fmtPower(r.powerW)} · ${fmtEnergy(r.energyKwh)} · ${fmtCo2(r.emissionsKg)}`,
        detail: `CPU ${r.components.cpu.method} · GPU ${r.components.gpu.method}`,
      });
    }
  }
  for (const w of s?.scheduled ?? []) {
    items.push({ label: `$(watch) ${baseName(w.label)} starts in ${fmtClock((Date.parse(w.startAt) - Date.now()) / 1000)}`, description: `${Math.round(w.windowGPerKwh)} g/kWh against ${Math.round(w.nowGPerKwh)} now`, detail: 'Select to start it now or cancel it', run: cmd('greenml.cancelScheduledRun') });
  }
  if (s?.lastRun) {
    const r = s.lastRun;
    items.push(sep('Last run'));
    items.push({
      label: `$(history) ${baseName(r.script)}`,
      description: `${fmtDuration(r.durationS)} · ${fmtEnergy(r.energyKwh)} · ${fmtCo2(r.emissionsKg)} · exit status ${r.exitCode === null ? 'unknown' : fmtExit(r.exitCode)}`,
      detail: `CPU ${r.methods.cpu} · intensity ${r.methods.intensity} — select to open its carbon label`,
      run: cmd('greenml.openRun', r.runId),
    });
  } else if (!s || s.runs.length === 0) {
    // An item, not a bare separator: VS Code draws no separator that has nothing under it.
    items.push(sep('Last run'));
    items.push({ label: '$(history) No run recorded yet', description: 'in this workspace', detail: 'Select to run the active file with emissions tracking', run: cmd('greenml.runWithTracking') });
  }
  items.push(sep('Carbon intensity'));
  const i = s?.intensity;
  items.push({
    label: `$(globe) ${i ? `${Math.round(i.gPerKwh)} g/kWh` : 'not known yet'}`,
    description: i ? i.source : '',
    detail: i?.kind === 'assumed' ? 'Assumed: set your country for the intensity of your grid' : 'Select to change the region',
    run: cmd('greenml.setCarbonRegion'),
  });
  if (s?.forecast) {
    const f = s.forecast;
    const t = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    items.push({ label: `$(clock) Cleanest in the next 24 h: ${t(f.best.start)}–${t(f.best.end)}`, description: `${Math.round(f.best.gPerKwh)} g/kWh (now ${Math.round(f.nowGPerKwh)})`, detail: `${f.provider} — select to run the active file then`, run: cmd('greenml.runAtCleanestTime') });
  } else if (!setup.hasProvider) {
    items.push({ label: '$(clock) No forecast', description: 'a live provider gives the cleanest time to run', detail: 'Set greenml.carbon.liveProvider (UK Carbon Intensity API needs no key)', run: cmd('workbench.action.openSettings', 'greenml.carbon.liveProvider') });
  } else if (s?.forecastError) {
    items.push({ label: '$(warning) No forecast', description: s.forecastError });
  }
  items.push(sep('Actions'));
  if (!setup.trusted) items.push({ label: '$(shield) Trust this workspace to run and discover runs', run: cmd('workbench.trust.manage') });
  items.push({ label: '$(play) Run active file with emissions tracking', run: cmd('greenml.runWithTracking') });
  items.push({ label: '$(list-unordered) Open run history', run: cmd('greenml.showRuns') });
  items.push({ label: '$(output) Show the Green ML log', run: cmd('greenml.showLog') });
  const pick = await vscode.window.showQuickPick(items, { title: 'Green ML: Emissions Tracking Status', matchOnDescription: true, matchOnDetail: true });
  await pick?.run?.();
}
