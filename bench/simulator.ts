/**
 * The Bing simulator in its own process (src/simulator/main.ts), so that its work never shares an event
 * loop with what is measured. Its jobs are read over the control API; both processes share the clock.
 */
import type { SimJob } from '../src/simulator/index.js';
import { spawnNode, type NodeProcess } from './processes.js';

/** A job as the control API gives it: readyAt is null for a job that never completes. */
export type SimJobJson = Omit<SimJob, 'readyAt'> & { readyAt: number | null };

export interface SimulatorProcess {
  url: string;
  pid: number;
  jobs(): Promise<SimJobJson[]>;
  /** Forgets the recorded requests and jobs, which otherwise grow with every poll. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSimulatorProcess(timeScale: number): Promise<SimulatorProcess> {
  const proc: NodeProcess = spawnNode('src/simulator/main.ts', {
    env: { SIM_TIME_SCALE: String(timeScale), SIM_PORT: '0' },
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the simulator did not start:\n${proc.output()}`)), 60_000);
    proc.onLine((line) => {
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void proc.exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the simulator exited:\n${proc.output()}`));
    });
  }).catch(async (error: unknown) => {
    await proc.stop();
    throw error;
  });
  return {
    url,
    pid: proc.pid,
    async jobs() {
      const response = await fetch(`${url}/__sim/jobs`);
      if (!response.ok) throw new Error(`GET /__sim/jobs answered ${response.status}`);
      return (await response.json()) as SimJobJson[];
    },
    async reset() {
      const response = await fetch(`${url}/__sim/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`POST /__sim/reset answered ${response.status}`);
      await response.arrayBuffer();
    },
    stop: () => proc.stop(),
  };
}
