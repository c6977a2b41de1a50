import { readFile } from 'node:fs/promises';
import { InvalidInputError } from '../errors.js';
import { parseStackDefinition, type StackDefinition } from './definition.js';
import { referenceStack, type ReferenceStackOptions } from './reference-stack.js';

/**
 * The reference stack, or a vendor's definition from a JSON file — validated here, before anything reaches Docker,
 * with the file named in every message.
 */
export async function loadDefinition(file: string | undefined, reference: ReferenceStackOptions): Promise<StackDefinition> {
  if (file === undefined) return parseStackDefinition(referenceStack(reference));
  return parseStackDefinition(await readJsonFile(file, 'stack definition'), file);
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
  if (text.trim() === '') throw new InvalidInputError(`${what} ${file} is empty`, 'it must hold one JSON object');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InvalidInputError(`${what} ${file} is not valid JSON: ${(err as Error).message}`);
  }
}
