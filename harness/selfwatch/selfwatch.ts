import { readFile } from 'node:fs/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { History } from '../history/history.js';
import { checkEquipment, type Equipment } from './equipment.js';

/**
 * The harness watching itself. On a 2-core machine the stack, the load and the harness share the CPUs; when they
 * saturate, a slow harness looks like a slow EPJ. Once per interval this records Node's event-loop delay (timers,
 * probes and fault instants are read on it), how busy the host's CPUs were, and how long runnable tasks waited for
 * one (Linux PSI, /proc/pressure/cpu). The load generator's own lag travels with the request buckets
 * (`skipped`, `maxSendLagMs`). Checkers turn a window in which any of them passed its bound into `unknown`
 * (harness/checkers/evidence.ts).
 */
export interface SelfWatch {
  stop(): Promise<void>;
}

export interface SelfWatchOptions {
  /** sample interval, ms (default 1000) */
  intervalMs?: number;
  /**
   * the harness's own equipment, asked once a sample whether it answers (harness/selfwatch/equipment.ts): when the
   * harness's Toxiproxy or the Docker engine is gone, what clients see is not the EPJ's doing
   */
  equipment?: readonly Equipment[];
}

interface CpuTimes {
  busy: number;
  total: number;
}

export function startSelfWatch(history: History, opts: SelfWatchOptions = {}): SelfWatch {
  const intervalMs = opts.intervalMs ?? 1000;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let cpu: CpuTimes | undefined;
  let pressureUs: number | null | undefined;
  let last = Date.now();
  let running: Promise<void> = Promise.resolve();

  const sample = async () => {
    const now = Date.now();
    const [nextCpu, nextPressure, equipmentDown] = await Promise.all([readCpuTimes(), readCpuPressureUs(), checkEquipment(opts.equipment ?? [], Math.min(800, intervalMs))]);
    const elapsedMs = Math.max(1, now - last);
    const cpuBusy = cpu && nextCpu && nextCpu.total > cpu.total ? (nextCpu.busy - cpu.busy) / (nextCpu.total - cpu.total) : null;
    const cpuPressure = pressureUs != null && nextPressure != null ? Math.min(1, (nextPressure - pressureUs) / 1000 / elapsedMs) : null;
    if (cpuBusy !== null) {
      history.record({
        kind: 'harness',
        t: now,
        intervalMs: elapsedMs,
        eventLoopDelayMs: { p99: round(loop.percentile(99) / 1e6), max: round(loop.max / 1e6) },
        cpuBusy: round(cpuBusy),
        cpuPressure: cpuPressure === null ? null : round(cpuPressure),
        ...(equipmentDown.length > 0 ? { equipmentDown } : {}),
      });
    }
    loop.reset();
    cpu = nextCpu;
    pressureUs = nextPressure;
    last = now;
  };

  running = sample();
  const timer = setInterval(() => {
    running = running.then(sample, sample);
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await running.catch(() => {});
      await sample().catch(() => {});
      loop.disable();
    },
  };
}

/** Jiffies the CPUs spent busy and in all, from the aggregate line of /proc/stat; undefined off Linux. */
async function readCpuTimes(): Promise<CpuTimes | undefined> {
  try {
    const line = (await readFile('/proc/stat', 'utf8')).split('\n', 1)[0]!;
    const [, ...fields] = line.trim().split(/\s+/);
    const n = fields.map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already inside user)
    const idle = (n[3] ?? 0) + (n[4] ?? 0);
    const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/** Total microseconds some runnable task waited for a CPU (PSI "some"), or null where the kernel has no PSI. */
async function readCpuPressureUs(): Promise<number | null> {
  try {
    const text = await readFile('/proc/pressure/cpu', 'utf8');
    const m = /^some .*total=(\d+)/m.exec(text);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
