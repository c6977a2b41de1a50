import { z } from 'zod';
import { describeIssues, InvalidInputError } from '../errors.js';

/**
 * A stack definition may declare typed options with defaults (the replication mode, each component's image, the
 * load it can take, …), set per run with `--set name=value`. The definition refers to them in two ways, and in
 * no other (a small, closed template language, so a definition stays plain JSON a vendor can read):
 *
 * - `"${name}"` as a whole string is the option's value with its type (a number, `true`, …); inside a longer
 *   string it is the value's text (`"synchronous_commit=${replication}"`).
 * - In an array, an element `{ "$when": { "name": value or [values] }, "$then": [ … ] }` stands for the elements
 *   of `$then` when every named option has one of the given values, and for nothing otherwise.
 *
 * Resolving yields a definition of plain data that records where it came from and with which values
 * (`template`), so `run --set` can resolve an experiment's stack again with one value changed.
 */

export type OptionValue = string | number | boolean;

const described = { description: z.string().optional() };
export const optionDeclarationSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('enum'), values: z.array(z.string().min(1)).min(1), default: z.string(), ...described }),
  z.strictObject({ type: z.literal('string'), default: z.string(), ...described }),
  z.strictObject({
    type: z.literal('number'),
    default: z.number(),
    min: z.number().optional(),
    max: z.number().optional(),
    integer: z.boolean().default(false),
    ...described,
  }),
  z.strictObject({ type: z.literal('boolean'), default: z.boolean(), ...described }),
  /** a port on 127.0.0.1, or `free` for any free one (a link's `publish`) */
  z.strictObject({ type: z.literal('port'), default: z.union([z.literal('free'), z.number().int().min(1).max(65535)]), ...described }),
]);
export type OptionDeclaration = z.infer<typeof optionDeclarationSchema>;

const OPTION_NAME = /^[a-z][A-Za-z0-9]{0,40}$/;
export const optionDeclarationsSchema = z.record(z.string(), optionDeclarationSchema).superRefine((options, ctx) => {
  for (const name of Object.keys(options)) {
    if (!OPTION_NAME.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'an option name is a lower-case letter, then letters and digits (camelCase), at most 41' });
  }
});
export type OptionDeclarations = z.infer<typeof optionDeclarationsSchema>;

/** Where a resolved definition came from: a bundled definition (fixtures/stacks/<name>.json) or a file, and its values. */
export const templateOriginSchema = z.strictObject({
  bundled: z.string().optional(),
  file: z.string().optional(),
  options: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
});
export type TemplateOrigin = z.infer<typeof templateOriginSchema>;

/** `name=value` pairs as typed on the command line (`--set`), or values from code (`referenceStack({ … })`). */
export type OptionSettings = Readonly<Record<string, OptionValue | undefined>>;

/**
 * Parses `--set` arguments (`name=value`, each given once) into settings; a malformed one is named as typed.
 */
export function parseSetFlags(values: readonly string[], flag = '--set'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const m = /^([^=\s]+)=(.*)$/s.exec(v);
    if (!m) throw new InvalidInputError(`${flag} '${v}': write it as name=value (e.g. ${flag} replication=remote_apply)`);
    const [, name, value] = m as unknown as [string, string, string];
    if (name in out) throw new InvalidInputError(`${flag} ${name} is given twice`);
    out[name] = value;
  }
  return out;
}

/** The declared options of a definition source, validated (undefined when it declares none). */
export function declaredOptions(source: unknown, from = ''): OptionDeclarations | undefined {
  if (!isRecord(source) || source.options === undefined) return undefined;
  const parsed = optionDeclarationsSchema.safeParse(source.options);
  if (!parsed.success) {
    const lines = describeIssues(parsed.error.issues.map((i) => ({ ...i, path: ['options', ...i.path] })));
    throw new InvalidInputError(`invalid stack definition options${from}:\n${lines.map((l) => `  - ${l}`).join('\n')}`);
  }
  const problems: string[] = [];
  for (const [name, d] of Object.entries(parsed.data)) {
    const bad = checkValue(d, d.default);
    if (bad) problems.push(`options.${name}.default: ${bad}`);
  }
  if (problems.length > 0) throw new InvalidInputError(`invalid stack definition options${from}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return parsed.data;
}

/**
 * Every option's value: its default, or the setting (a typed value, or text as typed after `--set`, read by the
 * option's type). A setting for an option the definition does not declare is refused, naming the ones it does.
 */
export function optionValues(declared: OptionDeclarations, settings: OptionSettings, stackName: string): Record<string, OptionValue> {
  const values: Record<string, OptionValue> = {};
  for (const [name, d] of Object.entries(declared)) values[name] = d.default;
  for (const [name, given] of Object.entries(settings)) {
    if (given === undefined) continue;
    const d = declared[name];
    if (!d) {
      const known = Object.keys(declared);
      throw new InvalidInputError(
        `stack '${stackName}' has no option '${name}'`,
        known.length > 0 ? `its options: ${known.join(', ')}` : 'it declares no options',
      );
    }
    values[name] = readValue(name, d, given);
  }
  return values;
}

/** A setting read by its option's type; a value that does not fit is refused with what would. */
function readValue(name: string, d: OptionDeclaration, given: OptionValue): OptionValue {
  let value: OptionValue = given;
  if (typeof given === 'string') {
    if (d.type === 'number') value = given.trim() === '' ? Number.NaN : Number(given);
    else if (d.type === 'boolean') value = given === 'true' ? true : given === 'false' ? false : given;
    else if (d.type === 'port' && given !== 'free') value = /^\d+$/.test(given) ? Number(given) : given;
  }
  const bad = checkValue(d, value);
  if (bad) throw new InvalidInputError(`option ${name}=${String(given)}: ${bad}`);
  return value;
}

function checkValue(d: OptionDeclaration, v: unknown): string | undefined {
  switch (d.type) {
    case 'enum':
      return typeof v === 'string' && d.values.includes(v) ? undefined : `one of ${d.values.join(', ')}`;
    case 'string':
      return typeof v === 'string' ? undefined : 'a string';
    case 'boolean':
      return typeof v === 'boolean' ? undefined : 'true or false';
    case 'port':
      return v === 'free' || (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535) ? undefined : "a port from 1 to 65535, or 'free'";
    case 'number': {
      if (typeof v !== 'number' || !Number.isFinite(v)) return 'a number';
      if (d.integer && !Number.isInteger(v)) return 'a whole number';
      if (d.min !== undefined && v < d.min) return `at least ${d.min}`;
      if (d.max !== undefined && v > d.max) return `at most ${d.max}`;
      return undefined;
    }
  }
}

/**
 * The definition with its options applied: references replaced, `$when` elements kept or dropped, `options`
 * removed and `template` recording the origin and the values. A reference to an undeclared option, or a
 * malformed `$when`, is named with its path.
 */
export function applyOptions(source: Record<string, unknown>, values: Record<string, OptionValue>, origin: Omit<TemplateOrigin, 'options'>, from = ''): Record<string, unknown> {
  const problems: string[] = [];
  const at = (path: readonly (string | number)[]) => path.map(String).join('.') || '(top level)';
  const typed = (v: OptionValue): OptionValue => (v === 'free' ? true : v); // a free port publishes on any port

  const resolveString = (s: string, path: (string | number)[]): unknown => {
    const whole = /^\$\{([^}]*)\}$/.exec(s);
    if (whole) {
      const name = whole[1]!;
      if (!(name in values)) {
        problems.push(`${at(path)}: '\${${name}}' names no declared option`);
        return s;
      }
      return typed(values[name]!);
    }
    return s.replace(/\$\{([^}]*)\}/g, (ref, name: string) => {
      if (!(name in values)) {
        problems.push(`${at(path)}: '${ref}' names no declared option`);
        return ref;
      }
      return String(values[name]);
    });
  };

  const holds = (when: unknown, path: (string | number)[]): boolean => {
    if (!isRecord(when) || Object.keys(when).length === 0) {
      problems.push(`${at(path)}: $when is an object of option names and the values they must have`);
      return false;
    }
    let all = true;
    for (const [name, wanted] of Object.entries(when)) {
      if (!(name in values)) {
        problems.push(`${at([...path, name])}: names no declared option`);
        all = false;
        continue;
      }
      const list = Array.isArray(wanted) ? wanted : [wanted];
      if (list.length === 0 || list.some((w) => !['string', 'number', 'boolean'].includes(typeof w))) {
        problems.push(`${at([...path, name])}: a value, or a list of values, of option '${name}'`);
        all = false;
        continue;
      }
      if (!list.includes(values[name])) all = false;
    }
    return all;
  };

  const walk = (node: unknown, path: (string | number)[]): unknown => {
    if (typeof node === 'string') return resolveString(node, path);
    if (Array.isArray(node)) {
      const out: unknown[] = [];
      node.forEach((el, i) => {
        if (isRecord(el) && ('$when' in el || '$then' in el)) {
          const extra = Object.keys(el).filter((k) => k !== '$when' && k !== '$then');
          if (extra.length > 0 || !Array.isArray(el.$then)) {
            problems.push(`${at([...path, i])}: a conditional element has exactly $when and $then (a list)${extra.length > 0 ? `, not ${extra.join(', ')}` : ''}`);
            return;
          }
          const kept = holds(el.$when, [...path, i, '$when']);
          const then = (el.$then as unknown[]).map((x, j) => walk(x, [...path, i, '$then', j]));
          if (kept) out.push(...then);
          return;
        }
        out.push(walk(el, [...path, i]));
      });
      return out;
    }
    if (isRecord(node)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) {
        if (k === '$when' || k === '$then') {
          problems.push(`${at([...path, k])}: $when/$then go in a list, as one of its elements`);
          continue;
        }
        out[k] = walk(v, [...path, k]);
      }
      return out;
    }
    return node;
  };

  const { options: _declared, ...rest } = source;
  const resolved = walk(rest, []) as Record<string, unknown>;
  if (problems.length > 0) {
    const name = typeof source.name === 'string' ? ` '${source.name}'` : '';
    throw new InvalidInputError(`invalid stack definition${name}${from}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return { ...resolved, template: { ...origin, options: values } };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
