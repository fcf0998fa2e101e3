// `greenml run --metrics-port / --pushgateway`: the run's live figures out to Prometheus, either
// served on 127.0.0.1:PORT/metrics for a scrape, or pushed to a Pushgateway every --push-interval
// seconds and once more at the end. After the command ends the endpoint stays up until Prometheus
// has scraped the final figures once (at most --metrics-linger seconds), so a short run's total is
// not lost between two scrapes.
import type { RunStatus } from '../common/trackingProtocol';
import { exposition, type ExposedRun } from '../tracking/exposition';
import { startMetricsServer, type MetricsServer } from '../tracking/metricsServer';
import { pushMetrics, type PushTarget } from '../tracking/pushgateway';
import type { JobIdentity } from '../tracking/jobIdentity';

export interface MetricsOutOptions {
  port?: number;
  push?: PushTarget;
  pushIntervalS: number;
  lingerS: number;
  script: string;
  host: string;
  job: JobIdentity;
  log: (line: string) => void;
}

export class RunMetricsOut {
  private server?: MetricsServer;
  private pushTimer?: NodeJS.Timeout;
  private pushing?: Promise<void>;
  private pushWarned = false;
  private status?: () => RunStatus;

  private constructor(private readonly o: MetricsOutOptions) {}

  /** Opens the endpoint before the command starts, so a busy port is reported before any work. */
  static async open(o: MetricsOutOptions): Promise<RunMetricsOut> {
    const out = new RunMetricsOut(o);
    if (o.port !== undefined) {
      out.server = await startMetricsServer(o.port, () => out.text());
      o.log(`greenml: metrics on http://127.0.0.1:${out.server.port}/metrics\n`);
    }
    return out;
  }

  private text(): string {
    if (!this.status) return '';
    const run: ExposedRun = { status: this.status(), script: this.o.script, host: this.o.host, job: this.o.job };
    return exposition([run]);
  }

  /** The run has started: its status is served from now on, and pushed every interval. */
  attach(status: () => RunStatus): void {
    this.status = status;
    if (this.o.push) {
      this.push();
      this.pushTimer = setInterval(() => this.push(), Math.round(this.o.pushIntervalS * 1000));
    }
  }

  private push(): Promise<void> {
    if (!this.o.push || !this.status) return Promise.resolve();
    // One push at a time: a slow gateway is not flooded with overlapping PUTs.
    if (this.pushing) return this.pushing;
    const target = this.o.push;
    this.pushing = pushMetrics(target, this.text())
      .then(() => {
        if (this.pushWarned) this.o.log(`greenml: pushing to ${target.url} again\n`);
        this.pushWarned = false;
      })
      .catch((err: Error) => {
        if (!this.pushWarned) this.o.log(`greenml: ${err.message}; the run goes on and pushes are retried\n`);
        this.pushWarned = true;
      })
      .finally(() => {
        this.pushing = undefined;
      });
    return this.pushing;
  }

  /** The run has ended (its status says so): a last push, then one last scrape of the final figures. */
  async finish(): Promise<void> {
    if (this.pushTimer) clearInterval(this.pushTimer);
    if (this.o.push) {
      await this.pushing;
      try {
        await pushMetrics(this.o.push, this.text());
        this.o.log(`greenml: final figures pushed to ${this.o.push.url}\n`);
      } catch (err) {
        this.o.log(`greenml: final push failed: ${(err as Error).message}\n`);
      }
    }
    if (this.server) {
      if (this.o.lingerS > 0) {
        this.o.log(`greenml: waiting up to ${this.o.lingerS} s for Prometheus to scrape the final figures (--metrics-linger)\n`);
        const scraped = await this.server.nextScrape(this.o.lingerS * 1000);
        if (!scraped) this.o.log(`greenml: no scrape within ${this.o.lingerS} s: Prometheus has the figures of its last scrape, not the final ones\n`);
      }
      await this.server.close();
    }
  }

  /** Stops everything at once (the command could not start). */
  async abort(): Promise<void> {
    if (this.pushTimer) clearInterval(this.pushTimer);
    await this.server?.close();
  }
}
