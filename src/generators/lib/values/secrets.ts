// Secrets: made from the operating system's secure random source, and kept across runs.
import { randomBytes } from 'node:crypto';
import type Generator from 'yeoman-generator';
import { UserFacingError } from '../run/errors.js';
import { readEnvFile } from './env-file.js';
import { readRegularFile } from '../files/trust.js';

/** Gives the secret named `name`: random, unless a test injects its own. */
export type SecretSource = (name: string) => string;

/**
 * A secret from the operating system's secure random source: 64 characters of the
 * URL-safe base64 alphabet (384 bits), which no env file, shell or URL needs escaped.
 */
function randomSecret(): string {
  return randomBytes(48).toString('base64url');
}

/**
 * The value of `key` in the project's env file `file`, read as Compose reads it, if it
 * holds one. A value that only the shell's environment would tell stops the run: a
 * re-run never replaces a secret it cannot read.
 */
export function envFileValue(generator: Generator, file: string, key: string): string | undefined {
  const path = generator.destinationPath(file);
  // A pipe, a device or a link there would hang or exhaust the read: refused in one line.
  readRegularFile(path);
  const text = generator.fs.read(path, { defaults: '' }) ?? '';
  const entry = readEnvFile(text).get(key);
  if (entry && 'unreadable' in entry) {
    throw new UserFacingError(
      `${key} in ${file}, line ${entry.line}, cannot be read back (${entry.unreadable}), so a re-run could not keep it. Write it as a plain value, in single quotes, or in double quotes with $$ for each $, then run again.`,
    );
  }
  return entry?.value || undefined;
}

/** The secret `key` that the env file `file` already holds (a re-run keeps it), or a new one. */
export function keptSecret(generator: Generator, file: string, key: string, source?: SecretSource): string {
  return envFileValue(generator, file, key) ?? (source ? source(key) : randomSecret());
}
