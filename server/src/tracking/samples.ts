// Power over time of one run, per component, as the carbon label stores it for the history chart.
// One point per sampling interval (mean power over the interval, at its end); past `maxPoints` the
// series is halved by merging neighbours (time-weighted), so a ten-hour run at 1 s stays a few
// hundred points and its energy (Σ power × interval) is unchanged by the merge.

export interface PowerSeries {
  /** Seconds since the run started, at the end of each interval. */
  t_s: number[];
  /** Length of each interval, seconds. */
  dt_s: number[];
  cpu_w: number[];
  gpu_w: number[];
  ram_w: number[];
}

export class PowerSamples {
  private series: PowerSeries = { t_s: [], dt_s: [], cpu_w: [], gpu_w: [], ram_w: [] };

  constructor(private readonly maxPoints = 1200) {}

  add(tS: number, dtS: number, cpuW: number, gpuW: number, ramW: number): void {
    if (!(dtS > 0)) return;
    const s = this.series;
    s.t_s.push(round(tS, 3));
    s.dt_s.push(round(dtS, 3));
    s.cpu_w.push(round(cpuW, 3));
    s.gpu_w.push(round(gpuW, 3));
    s.ram_w.push(round(ramW, 3));
    if (s.t_s.length > this.maxPoints) this.halve();
  }

  get length(): number {
    return this.series.t_s.length;
  }

  toJSON(): PowerSeries {
    const s = this.series;
    return { t_s: [...s.t_s], dt_s: [...s.dt_s], cpu_w: [...s.cpu_w], gpu_w: [...s.gpu_w], ram_w: [...s.ram_w] };
  }

  private halve(): void {
    const s = this.series;
    const out: PowerSeries = { t_s: [], dt_s: [], cpu_w: [], gpu_w: [], ram_w: [] };
    for (let i = 0; i < s.t_s.length; i += 2) {
      if (i + 1 >= s.t_s.length) {
        out.t_s.push(s.t_s[i]);
        out.dt_s.push(s.dt_s[i]);
        out.cpu_w.push(s.cpu_w[i]);
        out.gpu_w.push(s.gpu_w[i]);
        out.ram_w.push(s.ram_w[i]);
        continue;
      }
      const a = s.dt_s[i];
      const b = s.dt_s[i + 1];
      const mean = (x: number[]) => round((x[i] * a + x[i + 1] * b) / (a + b), 3);
      out.t_s.push(s.t_s[i + 1]);
      out.dt_s.push(round(a + b, 3));
      out.cpu_w.push(mean(s.cpu_w));
      out.gpu_w.push(mean(s.gpu_w));
      out.ram_w.push(mean(s.ram_w));
    }
    this.series = out;
  }
}

function round(x: number, digits: number): number {
  if (!Number.isFinite(x)) return 0;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
