/**
 * The report: measurements of every run laid out as tables (cells "median (min–max)" over runs), the
 * goals, and the machine they were taken on; as aligned text for the terminal and as Markdown.
 */
import { cpus, totalmem, release } from 'node:os';
import type { Goal, Measurement } from './benchmark.js';
import { spread } from './stats.js';

export interface Table {
  title: string;
  columns: string[];
  rows: Array<{ label: string; cells: string[] }>;
}

export function machine(): Array<[string, string]> {
  const cores = cpus();
  return [
    ['CPU', `${cores[0]?.model.trim() ?? 'unknown'}, ${cores.length} cores`],
    ['Memory', `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`],
    ['OS', `${process.platform} ${release()}`],
    ['Node', process.version],
    ['Date', new Date().toISOString()],
  ];
}

function format(values: number[], decimals: number): string {
  const fixed = (n: number) => (Number.isFinite(n) ? n.toFixed(decimals) : 'n/a');
  if (values.length === 0) return '–';
  if (values.length === 1) return fixed(values[0]!);
  const { min, median, max } = spread(values);
  return `${fixed(median)} (${fixed(min)}–${fixed(max)})`;
}

/** Measurements of all runs (run index → measurements) as tables, in the order they first appear. */
export function tables(runs: Measurement[][]): Table[] {
  const order: string[] = [];
  const byTable = new Map<
    string,
    { rows: string[]; columns: string[]; values: Map<string, number[]>; decimals: Map<string, number> }
  >();
  for (const run of runs) {
    for (const m of run) {
      let t = byTable.get(m.table);
      if (!t) {
        t = { rows: [], columns: [], values: new Map(), decimals: new Map() };
        byTable.set(m.table, t);
        order.push(m.table);
      }
      if (!t.rows.includes(m.row)) t.rows.push(m.row);
      if (!t.columns.includes(m.column)) t.columns.push(m.column);
      const key = `${m.row}\u0000${m.column}`;
      t.values.set(key, [...(t.values.get(key) ?? []), m.value]);
      t.decimals.set(m.column, m.decimals ?? 1);
    }
  }
  return order.map((title) => {
    const t = byTable.get(title)!;
    return {
      title,
      columns: t.columns,
      rows: t.rows.map((label) => ({
        label,
        cells: t.columns.map((column) =>
          format(t.values.get(`${label}\u0000${column}`) ?? [], t.decimals.get(column) ?? 1),
        ),
      })),
    };
  });
}

/** The median over runs of one figure. */
export function medianOf(runs: Measurement[][], table: string, row: string, column: string): number {
  const values = runs.flatMap((run) =>
    run.filter((m) => m.table === table && m.row === row && m.column === column).map((m) => m.value),
  );
  return spread(values).median;
}

export function textTable(table: Table): string {
  const header = ['', ...table.columns];
  const body = table.rows.map((row) => [row.label, ...row.cells]);
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((line) => line[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [table.title, line(header), ...body.map(line)].join('\n');
}

export function markdownTable(table: Table): string {
  const escapeCell = (cell: string) => cell.replace(/\|/g, '\\|');
  return [
    `| ${['', ...table.columns].map(escapeCell).join(' | ')} |`,
    `|${['---', ...table.columns.map(() => '---:')].join('|')}|`,
    ...table.rows.map((row) => `| ${[row.label, ...row.cells].map(escapeCell).join(' | ')} |`),
  ].join('\n');
}

export function textGoals(goals: Goal[]): string {
  return goals.map((g) => `  ${g.met ? 'MET   ' : 'MISSED'}  ${g.name}: ${g.measured} (target ${g.target})`).join('\n');
}

export function markdownGoals(goals: Goal[]): string {
  return [
    '| Goal | Target | Measured (median) | |',
    '|---|---|---|---|',
    ...goals.map((g) => `| ${g.name} | ${g.target} | ${g.measured} | ${g.met ? 'met' : '**missed**'} |`),
  ].join('\n');
}
