import { randomBytes } from 'node:crypto';

/**
 * A secret from the operating system's secure random source: 64 characters of the
 * URL-safe base64 alphabet (384 bits), which no env file, shell or URL needs escaped.
 */
export function randomSecret(): string {
  return randomBytes(48).toString('base64url');
}
