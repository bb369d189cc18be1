// The versions a project can choose, and what each pins: one table per choice, so a
// choice cannot lack its pin. Every version pinned here exists upstream, and the lock
// (locks/, what constraints.txt holds) pins the rest of the closure.

/** Python images (`python:<version>-slim-trixie`): each is proven by a runtime scenario. */
export const PYTHON_VERSIONS = ['3.13', '3.14'] as const;

/**
 * Python versions a project may still store, but no longer chosen for a new one: no
 * Debian suite has them, so no tier runs the project on them. Each with why.
 */
export const RETIRED_PYTHON_VERSIONS = {
  '3.12':
    'no tier can run the project on Python 3.12 (no Debian suite has it), so its lock is made from metadata alone',
} as const;

/** Django release lines (5.2 is the LTS one). */
export const DJANGO_VERSIONS = ['5.2', '6.1'] as const;

/** Postgres images (`postgres:<version>-alpine`). */
export const POSTGRES_VERSIONS = ['16', '17', '18'] as const;

/** Redis images (`redis:<version>-alpine`). */
export const REDIS_VERSIONS = ['7.4', '8.2'] as const;

export type PythonVersion = (typeof PYTHON_VERSIONS)[number] | keyof typeof RETIRED_PYTHON_VERSIONS;
export type DjangoVersion = (typeof DJANGO_VERSIONS)[number];
export type PostgresVersion = (typeof POSTGRES_VERSIONS)[number];

/**
 * The release requirements.txt pins for each Django line: its newest security release.
 * 6.1.3 is newer than any build here (the tiers run 6.1.1, the nearest of the line).
 */
export const DJANGO_PINS = {
  '5.2': '5.2.18',
  '6.1': '6.1.3',
} as const satisfies Record<DjangoVersion, string>;

/**
 * The direct requirements' pins: the newest release that a tier runs (constraints.txt,
 * the lock, pins everything else). Flower alone runs nowhere here: its pin is its newest
 * release.
 */
export const PACKAGE_PINS = {
  celery: '5.6.3',
  flower: '2.2.0',
  psycopg: '3.3.6',
  // Production only (requirements-prod.txt).
  gunicorn: '26.2.2',
  // With the database scheduler only (--beat-scheduler database).
  djangoCeleryBeat: '2.9.0',
} as const;

/** Where beat keeps its schedule: a file (Celery's own), or django-celery-beat's tables, edited in the admin. */
export const BEAT_SCHEDULERS = ['file', 'database'] as const;
export type BeatScheduler = (typeof BEAT_SCHEDULERS)[number];

/** The Django lines django-celery-beat's pinned release does not support, each with why. */
export const DATABASE_BEAT_UNSUPPORTED: Readonly<Partial<Record<DjangoVersion, string>>> = {
  '6.1': `django-celery-beat ${PACKAGE_PINS.djangoCeleryBeat}, its newest release, requires Django < 6.1`,
};

/** Development only (requirements-dev.txt): restarts Celery when code changes; the newest build for each Python. */
export const WATCHFILES_PINS = {
  '3.12': '1.2.0',
  '3.13': '0.24.0',
  '3.14': '1.2.0',
} as const satisfies Record<PythonVersion, string>;

/**
 * Development only (requirements-dev.txt): the test and lint tools. Ruff's pin is the
 * release the tools tier runs on every generated file (Debian's build of it), and the
 * one the pre-commit hook pins; none of them reaches the production image.
 */
export const DEV_TOOL_PINS = {
  pytest: '9.1.1',
  pytestDjango: '4.14.0',
  ruff: '0.16.10',
} as const;

/**
 * The pre-commit hooks' repositories, each at a tag that exists upstream (taken from their
 * release notes: no tier here can fetch a hook). ruff-pre-commit tags every Ruff release
 * as v<version>: its tag is Ruff's pin, so the hook and the image run the same Ruff.
 */
export const PRE_COMMIT_REVS = {
  preCommitHooks: 'v6.0.0',
  ruff: `v${DEV_TOOL_PINS.ruff}`,
  shellcheck: 'v0.11.0.1',
} as const;

/** nginx's stable line. */
export const NGINX_IMAGE = 'nginx:1.30-alpine';

/** Caddy, the Docker Official Image, for automatic HTTPS (--https auto): the 2.11 line, which the runtime tier runs (Debian's 2.11). */
export const CADDY_IMAGE = 'caddy:2.11-alpine';

/** The development stack's mail catcher: SMTP on 1025, its web UI on 8025. */
export const MAILPIT_IMAGE = 'axllent/mailpit:v1.33.1';

/** Where the postgres image keeps its data; from 18 on, a versioned folder under /var/lib/postgresql. */
export function postgresDataPath(version: PostgresVersion): string {
  return Number(version) >= 18 ? '/var/lib/postgresql' : '/var/lib/postgresql/data';
}
