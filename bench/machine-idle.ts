// No budget: a control for analysis-edit.ts's "typed" series. It measures what a pause costs the
// machine itself, with none of Green ML's code: a fixed piece of work is timed back to back, and
// again after a sleep of `pause_ms` before each run, alternating burst and paused rounds. Two kinds
// of work: random reads over a working set of `mib` MiB (like an edit, which touches the server's
// heap and the parser's wasm memory) and a small one that stays in the CPU caches. On a machine
// whose caches and TLBs are cold after an idle pause (a VM's vCPU descheduled while idle), the
// large working set is slower after the pause and the small one hardly.
//
// Usage: npx tsc -p . && node out/bench/machine-idle.js [runs=150] [pause_ms=50] [mib=64]
import { machine, median, percentile } from './analysis-corpus';

function randomReads(words: Int32Array, reads: number): () => number {
  let seed = 1;
  return () => {
    let sum = 0;
    for (let k = 0; k < reads; k++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      sum += words[seed % words.length];
    }
    return sum;
  };
}

async function timed(work: () => number, runs: number, pauseMs: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    const start = performance.now();
    work();
    out.push(performance.now() - start);
  }
  return out;
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 150);
  const pauseMs = Number(process.argv[3] ?? 50);
  const mib = Number(process.argv[4] ?? 64);
  if (!(runs > 0) || !(pauseMs > 0) || !(mib > 0)) throw new Error(`usage: machine-idle.js [runs>0] [pause_ms>0] [mib>0], got ${process.argv.slice(2).join(' ')}`);
  const kinds: Record<string, () => number> = {
    [`${mib}_mib_working_set`]: randomReads(new Int32Array((mib * 1048576) / 4).fill(1), 200_000),
    '2_mib_working_set': randomReads(new Int32Array(524288).fill(1), 200_000),
  };
  const result: Record<string, Record<string, number>> = {};
  for (const [name, work] of Object.entries(kinds)) {
    for (let i = 0; i < 20; i++) work();
    const burst: number[] = [];
    const paused: number[] = [];
    // Alternating rounds, so a drift of the machine meets both alike.
    for (let round = 0; round < 2; round++) {
      burst.push(...(await timed(work, runs, 0)));
      paused.push(...(await timed(work, runs, pauseMs)));
    }
    result[name] = {
      burst_p50_ms: +median(burst).toFixed(2),
      burst_p95_ms: +percentile(burst, 95).toFixed(2),
      [`after_${pauseMs}ms_pause_p50_ms`]: +median(paused).toFixed(2),
      [`after_${pauseMs}ms_pause_p95_ms`]: +percentile(paused, 95).toFixed(2),
      p50_ratio: +(median(paused) / median(burst)).toFixed(2),
    };
  }
  console.log(`machine: ${machine()}`);
  console.log(JSON.stringify(result, null, 2));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
