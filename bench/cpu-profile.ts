/** Reads a V8 .cpuprofile: where the samples were (self time), by function and by package. */
import { ROOT } from './processes.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  /** Where it is: a project-relative path with its line, a node: module, or empty for V8's own entries. */
  location: string;
  ms: number;
  /** Of all non-idle time. */
  share: number;
}

function where(url: string): string {
  const root = `file://${ROOT}`;
  return url.startsWith(root) ? url.slice(root.length) : url;
}

/** The package a location belongs to: an npm package, the project's own source, Node's internals, or V8. */
export function packageOf(location: string): string {
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(location);
  if (module) return module[1]!;
  if (location.startsWith('src/') || location.startsWith('bench/')) return 'project source';
  if (location.startsWith('node:')) return 'node internals';
  return location === '' ? 'V8 (GC, native, program)' : location;
}

/** Self time per node, counting only the samples taken `fromMs` or later after the profile started. */
function selfTimes(
  profile: CpuProfile,
  fromMs: number,
): { entries: Array<{ node: ProfileNode; ms: number }>; total: number } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const ms = new Map<number, number>();
  let at = 0;
  // A sample lasts until the next one: its time is the next delta (the convention of the DevTools).
  for (let i = 0; i < profile.samples.length; i += 1) {
    at += (profile.timeDeltas[i] ?? 0) / 1000;
    if (at < fromMs) continue;
    const id = profile.samples[i]!;
    ms.set(id, (ms.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0) / 1000);
  }
  const entries = [...ms].flatMap(([id, time]) => {
    const node = byId.get(id);
    return node && node.callFrame.functionName !== '(idle)' ? [{ node, ms: time }] : [];
  });
  return { entries, total: entries.reduce((sum, e) => sum + e.ms, 0) };
}

export function topFunctions(profile: CpuProfile, count: number, fromMs = 0): SelfTime[] {
  const { entries, total } = selfTimes(profile, fromMs);
  const grouped = new Map<string, SelfTime>();
  for (const { node, ms } of entries) {
    const { functionName, url, lineNumber } = node.callFrame;
    const location = url ? `${where(url)}:${lineNumber + 1}` : '';
    const name = functionName || '(anonymous)';
    const key = `${name}\u0000${location}`;
    const entry = grouped.get(key) ?? { name, location, ms: 0, share: 0 };
    entry.ms += ms;
    grouped.set(key, entry);
  }
  return [...grouped.values()]
    .map((e) => ({ ...e, share: total > 0 ? e.ms / total : 0 }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, count);
}

export function topPackages(
  profile: CpuProfile,
  count: number,
  fromMs = 0,
): Array<{ name: string; ms: number; share: number }> {
  const { entries, total } = selfTimes(profile, fromMs);
  const grouped = new Map<string, number>();
  for (const { node, ms } of entries) {
    const name = packageOf(node.callFrame.url ? where(node.callFrame.url) : '');
    grouped.set(name, (grouped.get(name) ?? 0) + ms);
  }
  return [...grouped]
    .map(([name, ms]) => ({ name, ms, share: total > 0 ? ms / total : 0 }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, count);
}
