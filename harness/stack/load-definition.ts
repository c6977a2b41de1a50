import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../errors.js';
import { PROJECT_ROOT } from '../images/catalog.js';
import { parseStackDefinition, type StackDefinition, type StackDefinitionInput } from './definition.js';
import { anchorAuthPaths } from './link-auth.js';
import { checkCredentials } from '../fhir/link-credentials.js';
import { applyOptions, declaredOptions, optionValues, type OptionSettings, type OptionValue, type TemplateOrigin } from './options.js';

/**
 * Every definition — the bundled reference stack and a vendor's file — is read the same way: JSON, its declared
 * options set (defaults, then `--set`), validated before anything reaches Docker, with the file named in every
 * message.
 */

/** The definitions that ship with epj-chaos (fixtures/stacks/<name>.json), by name. */
export const BUNDLED_STACKS_DIR = path.join(PROJECT_ROOT, 'fixtures', 'stacks');

export function bundledDefinitionFile(name: string): string {
  return path.join(BUNDLED_STACKS_DIR, `${name}.json`);
}

const bundledCache = new Map<string, unknown>();

/** A bundled definition's text as JSON, read once (the reference stack is made often, by every experiment file). */
export function bundledDefinitionSource(name: string): unknown {
  if (!bundledCache.has(name)) {
    const file = bundledDefinitionFile(name);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new InvalidInputError(`no bundled stack definition '${name}' (${file} does not exist)`);
    }
    bundledCache.set(name, parseJson(text, 'stack definition', file));
  }
  return structuredClone(bundledCache.get(name));
}

/**
 * A definition source with its options set: what `parseStackDefinition` reads. A setting for an option the
 * definition does not declare is refused; a definition without options and without settings is returned as it is,
 * but for relative TLS file paths of its links, which are made absolute against the directory of the file it came
 * from (harness/stack/link-auth.ts). A definition from code has no file: its paths stay relative to the cwd.
 */
export function resolveDefinition(source: unknown, settings: OptionSettings, origin: Omit<TemplateOrigin, 'options'>): StackDefinitionInput {
  const where = origin.file ? ` (${origin.file})` : '';
  const declared = declaredOptions(source, where);
  const name = typeof (source as { name?: unknown })?.name === 'string' ? (source as { name: string }).name : '(unnamed)';
  const values = optionValues(declared ?? {}, settings, name);
  const resolved = declared ? applyOptions(source as Record<string, unknown>, values, origin, where) : source;
  // a link's TLS files are named relative to the definition's own file (after options: a path may use one)
  const dir = origin.file !== undefined ? path.dirname(path.resolve(origin.file)) : origin.bundled !== undefined ? BUNDLED_STACKS_DIR : undefined;
  return (dir === undefined ? resolved : anchorAuthPaths(resolved, dir)) as StackDefinitionInput;
}

/**
 * The same stack with some options set anew (`run --set`, `--replication`): a definition still carrying its
 * options is resolved with them; one resolved from a template is resolved again from that template with its
 * recorded values and the new ones; a definition without options takes no settings.
 */
export async function withSettings(stack: StackDefinitionInput, settings: OptionSettings): Promise<StackDefinitionInput> {
  const given = Object.entries(settings).filter(([, v]) => v !== undefined);
  if (given.length === 0) return stack;
  if (declaredOptions(stack)) return resolveDefinition(stack, settings, {});
  const origin = stack.template;
  if (!origin) return resolveDefinition(stack, settings, {}); // refuses: it declares no options
  const { options, ...from } = origin;
  const source = from.bundled !== undefined ? bundledDefinitionSource(from.bundled) : await readJsonFile(from.file!, 'stack definition');
  return resolveDefinition(source, { ...options, ...settings }, from);
}

/**
 * The options an experiment's stack set to other than their defaults (`referenceStack({ replication:
 * 'remote_apply' })`), read from where it came from: what `run --stack FILE` carries over to the other stack, where
 * that declares the same option — the remote_apply drill stays a remote_apply drill on a vendor's stack.
 */
export async function explicitSettings(stack: StackDefinitionInput): Promise<Record<string, OptionValue>> {
  const origin = stack.template;
  if (!origin) return {};
  const source = origin.bundled !== undefined ? bundledDefinitionSource(origin.bundled) : origin.file ? await readJsonFile(origin.file, 'stack definition') : undefined;
  const declared = declaredOptions(source) ?? {};
  return Object.fromEntries(Object.entries(origin.options).filter(([name, value]) => declared[name] !== undefined && declared[name]!.default !== value));
}

/**
 * The reference stack with options, or a definition from a JSON file with `--set` settings — validated here, its
 * links' credentials too (harness/fhir/link-credentials.ts).
 */
export async function loadDefinition(file: string | undefined, settings: OptionSettings = {}): Promise<StackDefinition> {
  if (file === undefined) return parseStackDefinition(resolveDefinition(bundledDefinitionSource('reference'), settings, { bundled: 'reference' }));
  const def = parseStackDefinition(resolveDefinition(await readJsonFile(file, 'stack definition'), settings, { file }), file);
  // a stack that is loaded is about to be used: its tokens and certificates, named with the file (upStack checks again)
  checkCredentials(def, process.env, file);
  return def;
}

/** Reads and parses a JSON input file; a missing, unreadable, empty or malformed file is an InvalidInputError naming it. */
export async function readJsonFile(file: string, what: string): Promise<unknown> {
  if (file.trim() === '') throw new InvalidInputError(`no ${what} file named (an empty path)`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'is not readable (permission denied)' : (err as Error).message;
    throw new InvalidInputError(`${what} ${file} ${why}`);
  }
  return parseJson(text, what, file);
}

function parseJson(text: string, what: string, file: string): unknown {
  if (text.trim() === '') throw new InvalidInputError(`${what} ${file} is empty`, 'it must hold one JSON object');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InvalidInputError(`${what} ${file} is not valid JSON: ${(err as Error).message}`);
  }
}
