// The language server's /metrics endpoint (`greenml.tracking.metricsPort`, 0 = off): the runs it
// shows in the status bar — started by `greenml run` or the VS Code command, and discovered ones —
// in the same exposition as `greenml run --metrics-port`, on 127.0.0.1 only. A run's series go
// away when it ends (Prometheus marks them stale); its totals are in the ledger.
import * as os from 'node:os';
import type { RunStatus } from '../common/trackingProtocol';
import { exposition } from './exposition';
import { startMetricsServer, type MetricsServer } from './metricsServer';

export class ServiceMetrics {
  private port = 0;
  private server?: MetricsServer;
  private starting?: Promise<void>;
  private runs: RunStatus[] = [];

  constructor(private readonly log?: (msg: string) => void) {}

  /** Starts, moves or stops the endpoint for this port (0 = none). */
  configure(port: number): void {
    const wanted = Number.isInteger(port) && port > 0 && port <= 65535 ? port : 0;
    if (wanted === this.port) return;
    this.port = wanted;
    const previous = this.starting ?? Promise.resolve();
    this.starting = previous.then(async () => {
      await this.server?.close();
      this.server = undefined;
      if (this.port !== wanted || wanted === 0) return;
      try {
        this.server = await startMetricsServer(wanted, () => this.text());
        this.log?.(`metrics: serving the tracked runs on http://127.0.0.1:${wanted}/metrics`);
      } catch (err) {
        this.log?.(`metrics: greenml.tracking.metricsPort ${wanted}: ${(err as Error).message}`);
      }
    });
  }

  update(runs: RunStatus[]): void {
    this.runs = runs;
  }

  private text(): string {
    const host = os.hostname();
    return exposition(this.runs.map((s) => ({ status: s, script: s.label, host: s.host ?? host, job: s.job ?? {} })));
  }

  /** Resolves once the endpoint is listening (or has failed to). */
  ready(): Promise<void> {
    return this.starting ?? Promise.resolve();
  }

  dispose(): void {
    this.port = 0;
    void (this.starting ?? Promise.resolve()).then(() => this.server?.close());
  }
}
