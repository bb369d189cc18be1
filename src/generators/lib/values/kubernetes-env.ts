// The env files of the Kubernetes overlay, in the format kustomize's generators read
// (`envs:`): each line KEY=value, the value taken as it stands (no quotes, no escapes),
// derived from the Compose env files so that a container gets the same values in both.
import { type EnvEntry, readEnvFile } from './env-file.js';
import { UserFacingError } from '../run/errors.js';

/**
 * Where Django finds Postgres and Redis, and as whom: a cluster reaches a managed
 * database and Redis by addresses of its own, so these live in a file the user keeps
 * (services.env), written once with the Compose values.
 */
export const SERVICE_KEYS = [
  'SQL_HOST',
  'SQL_PORT',
  'SQL_DATABASE',
  'SQL_USER',
  'SQL_PASSWORD',
  'CELERY_BROKER',
  'CELERY_BACKEND',
] as const;

/** A setting whose value is a secret (or a login, or an address that may hold one): a Secret's, never a ConfigMap's. */
export function isSecretKey(key: string): boolean {
  return (
    (SERVICE_KEYS as readonly string[]).includes(key) ||
    /(PASSWORD|SECRET|TOKEN|CREDENTIAL|PRIVATE)/.test(key) ||
    /(^|_)(KEY|DSN|URL|USER)$/.test(key)
  );
}

/** The overlay's env files, as kustomize reads them. */
export interface KubernetesEnv {
  /** The ConfigMap `settings`: what .env/.prod holds that is no secret. */
  settings: string;
  /** The Secret `app`: .env/.prod's secrets, but for the services'. */
  secrets: string;
  /** The Secret `services`: the database's and Redis's addresses and credentials (SERVICE_KEYS). */
  services: string;
  /** The Secret `db` of the trial overlay's Postgres: .env/.prod.db. */
  db: string;
}

const HEADER = {
  settings:
    '# The ConfigMap "settings" of every Django container: the settings of .env/.prod that\n# are no secret, as kustomize reads them (KEY=value, taken as it stands: no quotes).\n# Written anew from .env/.prod at each run of the kubernetes generator: edit .env/.prod.\n',
  secrets:
    '# The Secret "app" of every Django container: the secrets of .env/.prod (those of\n# services.env aside), as kustomize reads them. It holds secrets: never commit it.\n# Written anew from .env/.prod at each run of the kubernetes generator: edit .env/.prod.\n',
  services:
    "# The Secret \"services\": where Django finds Postgres and Redis, and as whom. Written once\n# with .env/.prod's values (the trial overlay's in-cluster db and redis); yours from then\n# on: give your managed database's and Redis's addresses and credentials here. It holds\n# secrets: never commit it.\n",
  db: '# The Secret "db" of the trial overlay\'s in-cluster Postgres: .env/.prod.db, as kustomize\n# reads it. Written anew at each run of the kubernetes generator. Never commit it.\n',
} as const;

/** `entries` as kustomize env-file lines; a value kustomize cannot hold stops the run, naming `file`'s key. */
function lines(entries: [string, EnvEntry][], file: string): string {
  return entries
    .map(([key, entry]) => {
      if (!('value' in entry)) {
        throw new UserFacingError(
          `${file}: ${key} (line ${entry.line}) cannot be read without the shell: ${entry.unreadable}. Give it a plain value, then run again.`,
        );
      }
      if (/[\n\r]/.test(entry.value)) {
        throw new UserFacingError(
          `${file}: the value of ${key} spans several lines, which kustomize's env files cannot hold: give it on one line, then run again.`,
        );
      }
      if (entry.value !== entry.value.trim()) {
        throw new UserFacingError(
          `${file}: the value of ${key} starts or ends with a space, which kustomize's env files lose: remove the space, then run again.`,
        );
      }
      return `${key}=${entry.value}\n`;
    })
    .join('');
}

/**
 * The overlay's env files from the text of .env/.prod (`prod`) and .env/.prod.db (`db`).
 * `services` is what a first run writes; a later run keeps the user's own file.
 */
export function kubernetesEnv(
  prod: string,
  db: string,
  files = { prod: '.env/.prod', db: '.env/.prod.db' },
): KubernetesEnv {
  const entries = [...readEnvFile(prod)];
  const services = new Set<string>(SERVICE_KEYS);
  return {
    settings:
      HEADER.settings +
      lines(
        entries.filter(([key]) => !isSecretKey(key)),
        files.prod,
      ),
    secrets:
      HEADER.secrets +
      lines(
        entries.filter(([key]) => isSecretKey(key) && !services.has(key)),
        files.prod,
      ),
    services:
      HEADER.services +
      lines(
        entries.filter(([key]) => services.has(key)),
        files.prod,
      ),
    db: HEADER.db + lines([...readEnvFile(db)], files.db),
  };
}

/** A kustomize env file read back (comments and blank lines skipped). */
export function readKustomizeEnv(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (/^\s*(#|$)/.test(line)) continue;
    const at = line.indexOf('=');
    if (at > 0) values.set(line.slice(0, at), line.slice(at + 1));
  }
  return values;
}
