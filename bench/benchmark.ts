/** What every benchmark gives the runner: measurements per run, the problems that make a run insane, and goals. */

export interface BenchOptions {
  /** A smoke run: fewer, shorter, smaller; one run. */
  quick: boolean;
  runs: number;
}

/** One figure of one run; the report lays them out as tables of rows and columns. */
export interface Measurement {
  table: string;
  row: string;
  column: string;
  value: number;
  /** Decimals shown (default 1). */
  decimals?: number;
}

export interface RunResult {
  measurements: Measurement[];
  /** Anything that makes the numbers meaningless: failed requests, missing jobs, negative delays. */
  problems: string[];
}

export interface Goal {
  name: string;
  target: string;
  measured: string;
  met: boolean;
}

/** The median over runs of one figure; NaN when it was never measured. */
export type MedianOf = (table: string, row: string, column: string) => number;

export interface Benchmark {
  id: string;
  title: string;
  /** How it is measured, in sentences for BENCHMARKS.md. */
  describe(options: BenchOptions): string[];
  run(options: BenchOptions, index: number): Promise<RunResult>;
  goals?(median: MedianOf, options: BenchOptions): Goal[];
  /** Runs once after the measured runs (a CPU profile, say); returns markdown lines. */
  finish?(options: BenchOptions): Promise<RunResult & { lines: string[] }>;
}

export function measure(table: string, row: string, values: Record<string, number>, decimals = 1): Measurement[] {
  return Object.entries(values).map(([column, value]) => ({ table, row, column, value, decimals }));
}
