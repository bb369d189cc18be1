// The versions a project can choose, and what each pins: one table per choice, so a
// choice cannot lack its pin. Every version pinned here exists upstream.

/** Python images (`python:<version>-slim-bookworm`). */
export const PYTHON_VERSIONS = ['3.12', '3.13', '3.14'] as const;

/** Django release lines (5.2 is the LTS one). */
export const DJANGO_VERSIONS = ['5.2', '6.1'] as const;

/** Postgres images (`postgres:<version>-alpine`). */
export const POSTGRES_VERSIONS = ['16', '17', '18'] as const;

/** Redis images (`redis:<version>-alpine`). */
export const REDIS_VERSIONS = ['7.4', '8.2'] as const;

export type PythonVersion = (typeof PYTHON_VERSIONS)[number];
export type DjangoVersion = (typeof DJANGO_VERSIONS)[number];
export type PostgresVersion = (typeof POSTGRES_VERSIONS)[number];
export type RedisVersion = (typeof REDIS_VERSIONS)[number];

/** The release requirements.txt pins for each Django line: one for each, checked by the compiler. */
export const DJANGO_PINS = {
  '5.2': '5.2.17',
  '6.1': '6.1.3',
} as const satisfies Record<DjangoVersion, string>;

/** Pins of the other Python packages. */
export const PACKAGE_PINS = {
  celery: '5.7.0',
  flower: '2.2.0',
  // kombu's Redis transport is tested with the redis 6 line.
  redis: '6.4.0',
  psycopg: '3.3.9',
  gunicorn: '27.0.1',
  // Development only (requirements-dev.txt): restarts Celery when code changes.
  watchfiles: '1.3.0',
} as const;

/** nginx's stable line. */
export const NGINX_IMAGE = 'nginx:1.30-alpine';

/** The development stack's mail catcher: SMTP on 1025, its web UI on 8025. */
export const MAILPIT_IMAGE = 'axllent/mailpit:v1.33.1';

/** Where the postgres image keeps its data; from 18 on, a versioned folder under /var/lib/postgresql. */
export function postgresDataPath(version: PostgresVersion): string {
  return Number(version) >= 18 ? '/var/lib/postgresql' : '/var/lib/postgresql/data';
}
