// The lock of each Python version and Django line: the whole dependency closure of
// requirements-dev.txt and requirements-prod.txt, one exact version per distribution,
// in pip-compile's format; a project with the database scheduler has its own, which adds
// django-celery-beat's closure. `npm run lock` makes them (scripts/stack/pystack.py, from the
// upstream wheels and Debian builds the tiers run); constraints.txt is the project's copy.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  BEAT_SCHEDULERS,
  type BeatScheduler,
  DATABASE_BEAT_UNSUPPORTED,
  DJANGO_VERSIONS,
  type DjangoVersion,
  PYTHON_VERSIONS,
  type PythonVersion,
  RETIRED_PYTHON_VERSIONS,
} from './versions.js';

/** One lock: the Python version, the Django line and the beat scheduler it is made for. */
export interface LockKey {
  python: PythonVersion;
  django: DjangoVersion;
  beat: BeatScheduler;
}

/** Every lock `npm run lock` makes: each Python (retired ones too), each Django line, each scheduler it supports. */
export function lockKeys(): LockKey[] {
  const pythons = [...PYTHON_VERSIONS, ...(Object.keys(RETIRED_PYTHON_VERSIONS) as PythonVersion[])];
  return pythons.flatMap(python =>
    DJANGO_VERSIONS.flatMap(django =>
      BEAT_SCHEDULERS.filter(beat => beat === 'file' || !Object.hasOwn(DATABASE_BEAT_UNSUPPORTED, django)).map(
        beat => ({ python, django, beat }),
      ),
    ),
  );
}

/** The file of a lock, as `npm run lock` writes it. */
/** The name of a lock's file under locks/: `python3.13-django5.2.txt`, `...-database-beat.txt`. */
export function lockFileName({ python, django, beat }: LockKey): string {
  return `python${python}-django${django}${beat === 'database' ? '-database-beat' : ''}.txt`;
}

function lockFile(python: PythonVersion, django: DjangoVersion, beat: BeatScheduler): string {
  return fileURLToPath(new URL(`../locks/${lockFileName({ python, django, beat })}`, import.meta.url));
}

/** A lock's text, and its pins by distribution name (lowercase, as pip-compile writes them). */
export function readLock(
  python: PythonVersion,
  django: DjangoVersion,
  beat: BeatScheduler = 'file',
): { text: string; pins: ReadonlyMap<string, string> } {
  const text = readFileSync(lockFile(python, django, beat), 'utf8');
  const pins = new Map<string, string>();
  for (const line of text.split('\n')) {
    const pin = /^([a-z0-9-]+)==(\S+)$/.exec(line);
    if (pin) pins.set(pin[1], pin[2]);
  }
  return { text: text.replace(/\n*$/, '\n'), pins };
}
