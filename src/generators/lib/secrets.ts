// Secrets: made from the operating system's secure random source, and kept across runs.
import { randomBytes } from 'node:crypto';
import type Generator from 'yeoman-generator';
import { readEnvFile } from './quoting.js';

/** Gives the secret named `name`: random, unless a test injects its own. */
export type SecretSource = (name: string) => string;

/**
 * A secret from the operating system's secure random source: 64 characters of the
 * URL-safe base64 alphabet (384 bits), which no env file, shell or URL needs escaped.
 */
export function randomSecret(): string {
  return randomBytes(48).toString('base64url');
}

/** The value of `key` in the project's env file `file`, if it holds one. */
export function envFileValue(generator: Generator, file: string, key: string): string | undefined {
  const text = generator.fs.read(generator.destinationPath(file), { defaults: '' }) ?? '';
  return readEnvFile(text).get(key) || undefined;
}

/** The secret `key` that the env file `file` already holds (a re-run keeps it), or a new one. */
export function keptSecret(generator: Generator, file: string, key: string, source?: SecretSource): string {
  return envFileValue(generator, file, key) ?? (source ? source(key) : randomSecret());
}
