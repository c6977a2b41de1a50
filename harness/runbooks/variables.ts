import { HarnessError } from '../errors.js';

/**
 * What earlier steps of a runbook captured (`capture: name`), for later steps to use as {{name.field}}: an LSN read
 * before a switchover is what the next step waits for the new primary to have replayed. Replaced in every string of
 * a step, at the moment it runs; a reference to nothing captured is an error naming it.
 */
export type Captured = Map<string, unknown>;

const REFERENCE = /\{\{\s*([a-zA-Z][a-zA-Z0-9]*)((?:\.[a-zA-Z0-9_]+)*)\s*\}\}/g;

export function withCaptured<T>(value: T, captured: Captured, where: string): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return v.replace(REFERENCE, (_ref, name: string, path: string) => text(lookup(captured, name, path, where)));
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

/** The names a step refers to, so a definition can be checked before anything runs. */
export function referencedNames(value: unknown): string[] {
  const names = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') for (const m of v.matchAll(REFERENCE)) names.add(m[1]!);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(value);
  return [...names];
}

function lookup(captured: Captured, name: string, path: string, where: string): unknown {
  if (!captured.has(name)) throw new HarnessError(`${where}: {{${name}${path}}} refers to nothing captured (no earlier step has capture: '${name}')`, 'runbook-invalid');
  let v: unknown = captured.get(name);
  for (const key of path.split('.').filter(Boolean)) {
    if (v === null || typeof v !== 'object' || !(key in v)) throw new HarnessError(`${where}: {{${name}${path}}}: '${name}' has no field '${key}'`, 'runbook-invalid');
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function text(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Whether `actual` has every field of `expected` (dotted paths reach into objects), compared as JSON. */
export function matches(actual: unknown, expected: Record<string, unknown>): string | undefined {
  for (const [path, want] of Object.entries(expected)) {
    let v: unknown = actual;
    for (const key of path.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
    if (JSON.stringify(normal(v)) !== JSON.stringify(want)) return `${path} is ${JSON.stringify(normal(v)) ?? 'missing'}, not ${JSON.stringify(want)}`;
  }
  return undefined;
}

function normal(v: unknown): unknown {
  return v instanceof Date ? v.toISOString() : v;
}
