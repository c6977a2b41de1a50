import { readFile } from 'node:fs/promises';
import { InvalidInputError } from '../errors.js';
import type { StackDefinitionInput } from './definition.js';
import { referenceStack, type ReferenceStackOptions } from './reference-stack.js';

/** The reference stack, or a vendor's definition from a JSON file (validated later by parseStackDefinition). */
export async function loadDefinition(file: string | undefined, reference: ReferenceStackOptions): Promise<StackDefinitionInput> {
  if (!file) return referenceStack(reference);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InvalidInputError(`cannot read stack definition ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as StackDefinitionInput;
  } catch (err) {
    throw new InvalidInputError(`stack definition ${file} is not valid JSON: ${(err as Error).message}`);
  }
}
