// The lock of each Python version and Django line: the whole dependency closure of
// requirements-dev.txt and requirements-prod.txt, one exact version per distribution,
// in pip-compile's format. `npm run lock` makes them (scripts/stack/pystack.py, from the
// upstream wheels and Debian builds the tiers run); constraints.txt is the project's copy.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DjangoVersion, PythonVersion } from './versions.js';

/** The file of a lock, as `npm run lock` writes it. */
function lockFile(python: PythonVersion, django: DjangoVersion): string {
  return fileURLToPath(new URL(`./locks/python${python}-django${django}.txt`, import.meta.url));
}

/** A lock's text, and its pins by distribution name (lowercase, as pip-compile writes them). */
export function readLock(
  python: PythonVersion,
  django: DjangoVersion,
): { text: string; pins: ReadonlyMap<string, string> } {
  const text = readFileSync(lockFile(python, django), 'utf8');
  const pins = new Map<string, string>();
  for (const line of text.split('\n')) {
    const pin = /^([a-z0-9-]+)==(\S+)$/.exec(line);
    if (pin) pins.set(pin[1], pin[2]);
  }
  return { text: text.replace(/\n*$/, '\n'), pins };
}
