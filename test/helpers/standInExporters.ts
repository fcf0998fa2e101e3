// Stand-ins for NVIDIA's DCGM exporter and for Kepler: small HTTP servers that serve /metrics in the
// exporters' own exposition, with counters that grow at a known power so that a test knows exactly
// what energy it served between two times. (The real exporters need GPUs, DCGM and eBPF.)
//
// Sources of the formats:
// - DCGM exporter: metric names, types and HELP texts from NVIDIA/dcgm-exporter etc/default-counters.csv
//   (DCGM_FI_DEV_POWER_USAGE gauge "Power draw (in W).", DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION counter
//   "Total energy consumption since boot (in mJ)."); the label set (gpu, UUID, device, modelName,
//   Hostname, DCGM_FI_DRIVER_VERSION, and container/namespace/pod with Kubernetes pod mapping) as in the
//   exporter's README examples. GPUs whose driver has no energy counter have no such line.
// - Kepler <= 0.7: kepler_container_{package,dram,gpu}_joules_total and kepler_container_joules_total
//   (counters) with container_id, container_name, container_namespace, pod_name and mode (dynamic/idle),
//   from sustainable-computing-io/kepler-doc docs/design/metrics.md and its example queries.
// - Kepler >= 0.10: kepler_container_cpu_joules_total {container_id, container_name, runtime, state, zone,
//   pod_id, node_name} and kepler_process_cpu_joules_total {pid, comm, exe, type, state, container_id,
//   vm_id, zone, node_name}, from sustainable-computing-io/kepler docs/user/metrics.md.
import * as http from 'node:http';

export interface StandIn {
  url: string;
  target: string;
  close(): Promise<void>;
}

function serve(render: () => string): Promise<StandIn> {
  const server = http.createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(render());
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      resolve({
        url: `http://127.0.0.1:${port}/metrics`,
        target: `127.0.0.1:${port}`,
        close: () => new Promise((r) => { server.close(() => r()); server.closeAllConnections(); }),
      });
    }),
  );
}

const labels = (l: Record<string, string>) => `{${Object.entries(l).map(([k, v]) => `${k}="${v}"`).join(',')}}`;

export interface StandInGpu {
  gpu: string;
  uuid: string;
  modelName: string;
  pod: string;
  namespace: string;
  container: string;
  watts: number;
  /** mJ at t0 (a counter "since boot" does not start at 0). */
  startMj: number;
  /** False: an older GPU whose exporter serves no DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION. */
  energyCounter: boolean;
}

/** The DCGM exporter of one node: its GPUs draw constant power from t0 (ms) on. */
export function standInDcgm(hostname: string, gpus: StandInGpu[], t0: number): Promise<StandIn> {
  return serve(() => {
    const dt = (Date.now() - t0) / 1000;
    const base = (g: StandInGpu) => ({ gpu: g.gpu, UUID: g.uuid, device: `nvidia${g.gpu}`, modelName: g.modelName, Hostname: hostname, DCGM_FI_DRIVER_VERSION: '550.54.15', container: g.container, namespace: g.namespace, pod: g.pod });
    const out = [
      '# HELP DCGM_FI_DEV_SM_CLOCK SM clock frequency (in MHz).',
      '# TYPE DCGM_FI_DEV_SM_CLOCK gauge',
      ...gpus.map((g) => `DCGM_FI_DEV_SM_CLOCK${labels(base(g))} 1410`),
      '# HELP DCGM_FI_DEV_GPU_TEMP GPU temperature (in C).',
      '# TYPE DCGM_FI_DEV_GPU_TEMP gauge',
      ...gpus.map((g) => `DCGM_FI_DEV_GPU_TEMP${labels(base(g))} 61`),
      '# HELP DCGM_FI_DEV_POWER_USAGE Power draw (in W).',
      '# TYPE DCGM_FI_DEV_POWER_USAGE gauge',
      ...gpus.map((g) => `DCGM_FI_DEV_POWER_USAGE${labels(base(g))} ${g.watts.toFixed(6)}`),
    ];
    const counters = gpus.filter((g) => g.energyCounter);
    if (counters.length) {
      out.push('# HELP DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION Total energy consumption since boot (in mJ).', '# TYPE DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION counter');
      for (const g of counters) out.push(`DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION${labels(base(g))} ${Math.round(g.startMj + g.watts * 1000 * dt)}`);
    }
    out.push('# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).', '# TYPE DCGM_FI_DEV_GPU_UTIL gauge', ...gpus.map((g) => `DCGM_FI_DEV_GPU_UTIL${labels(base(g))} 97`));
    return `${out.join('\n')}\n`;
  });
}

export interface StandInContainer {
  podName: string;
  namespace: string;
  containerName: string;
  containerId: string;
  /** Watts per component, split dynamic/idle as Kepler ≤ 0.7 does (idle share below). */
  packageW: number;
  dramW: number;
}

const IDLE_SHARE = 0.25;

/** Kepler ≤ 0.7 on one node: container counters by component, each split into mode dynamic and idle. */
export function standInKeplerV07(nodeName: string, containers: StandInContainer[], t0: number): Promise<StandIn> {
  return serve(() => {
    const dt = (Date.now() - t0) / 1000;
    const out: string[] = [];
    const family = (name: string, help: string, watts: (c: StandInContainer) => number) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const c of containers) {
        for (const [mode, share] of [['dynamic', 1 - IDLE_SHARE], ['idle', IDLE_SHARE]] as const) {
          const l = { container_id: c.containerId, container_name: c.containerName, container_namespace: c.namespace, mode, pod_name: c.podName };
          out.push(`${name}${labels(l)} ${(1000 + watts(c) * share * dt).toFixed(3)}`);
        }
      }
    };
    family('kepler_container_joules_total', 'Aggregated RAPL value in package, dram, gpu and other host components in joules', (c) => c.packageW + c.dramW);
    family('kepler_container_package_joules_total', 'Aggregated RAPL value in package (socket) in joules', (c) => c.packageW);
    family('kepler_container_dram_joules_total', 'Aggregated RAPL value in dram in joules', (c) => c.dramW);
    family('kepler_container_gpu_joules_total', 'Aggregated GPU value in joules', () => 0);
    out.push('# HELP kepler_node_info Labeled node information', '# TYPE kepler_node_info counter', `kepler_node_info${labels({ cpu_architecture: 'Sapphire Rapids', components_power_source: 'rapl-sysfs', node_name: nodeName })} 1`);
    return `${out.join('\n')}\n`;
  });
}

export interface StandInProcess {
  pid: string;
  comm: string;
  exe: string;
  containerId: string;
  packageW: number;
  dramW: number;
}

/** Kepler ≥ 0.10 on one node: container and process counters by RAPL zone (package, dram). */
export function standInKeplerV010(nodeName: string, containers: StandInContainer[], processes: StandInProcess[], t0: number): Promise<StandIn> {
  return serve(() => {
    const dt = (Date.now() - t0) / 1000;
    const out = ['# HELP kepler_container_cpu_joules_total Energy consumption of cpu at container level in joules', '# TYPE kepler_container_cpu_joules_total counter'];
    for (const c of containers) {
      for (const [zone, w] of [['package', c.packageW], ['dram', c.dramW]] as const) {
        const l = { container_id: c.containerId, container_name: c.containerName, node_name: nodeName, pod_id: `pod-uid-${c.podName}`, runtime: 'containerd', state: 'running', zone };
        out.push(`kepler_container_cpu_joules_total${labels(l)} ${(500 + w * dt).toFixed(3)}`);
      }
    }
    out.push('# HELP kepler_process_cpu_joules_total Energy consumption of cpu at process level in joules', '# TYPE kepler_process_cpu_joules_total counter');
    for (const p of processes) {
      for (const [zone, w] of [['package', p.packageW], ['dram', p.dramW]] as const) {
        const l = { comm: p.comm, container_id: p.containerId, exe: p.exe, node_name: nodeName, pid: p.pid, state: 'running', type: 'regular', vm_id: '', zone };
        out.push(`kepler_process_cpu_joules_total${labels(l)} ${(20 + w * dt).toFixed(3)}`);
      }
    }
    return `${out.join('\n')}\n`;
  });
}
