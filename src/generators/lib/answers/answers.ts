// The one declaration of every answer: its CLI option, its prompt, its default, its
// validator and its parser. The answers' types, the options, the prompts, the stored
// answers and every sub-generator derive from it.
import { RESERVED_PACKAGE_NAMES } from './python-names.js';
import {
  BEAT_SCHEDULERS,
  DATABASE_BEAT_UNSUPPORTED,
  DJANGO_VERSIONS,
  POSTGRES_VERSIONS,
  PYTHON_VERSIONS,
  REDIS_VERSIONS,
  RETIRED_PYTHON_VERSIONS,
} from '../values/versions.js';

export type AnswerValue = string | number | boolean;

/** The answers settled so far, by name: what a validator may compare a value with. */
type Known = Readonly<Record<string, AnswerValue | undefined>>;

/** A validator returns true, or a sentence saying what is wrong and what would be right. */
export type Validator = (raw: string, known: Known) => true | string;

/** Which generator asks an answer. */
export type Scope = 'app' | 'prod' | 'kubernetes';

/** How an answer is asked; `select` picks one of its `choices`; `option` means it is an option only, never a prompt. */
export type Kind = 'input' | 'password' | 'confirm' | 'select' | 'option';

/** Declares one answer; its name, scope and value type are kept exactly. */
function answer<const N extends string, const S extends Scope, T extends AnswerValue>(spec: {
  name: N;
  /** The CLI option, kebab-case: `--web-port`. */
  option: string;
  scope: S;
  kind: Kind;
  message: string;
  /** What `--help` shows after the option: `<port>`. */
  placeholder?: string;
  /** What the option accepts, in a few words, for `--help` (version options list their choices instead). */
  accepts?: string;
  /** Allowed values, for version options and `select` answers. */
  choices?: readonly string[];
  /** What the prompt of a `select` answer shows for each choice. */
  labels?: Readonly<Record<string, string>>;
  /**
   * Whether the answer applies, given the answers before it in the table: when it does
   * not, it is neither asked nor stored, an option giving it is refused, and its default
   * stands (a stored value is kept, for when it applies again).
   */
  when?: (known: Known) => boolean;
  /** Why an option given for it is refused where it does not apply, and what to do instead. */
  unless?: string;
  /** Values a project may still store but no longer choose, each with why (version options). */
  retired?: Readonly<Record<string, string>>;
  /**
   * The value of a project whose stored answers of this scope predate this answer
   * (regenerated in place, it must not change behind its users' backs, nor ask what it
   * never asked), when it differs from the default or the answer is asked.
   */
  predating?: NoInfer<T>;
  /** An answer for one run only: never stored in .yo-rc.json, so the next run is asked again. */
  once?: true;
  default: NoInfer<T>;
  validate: Validator;
  /** The value of a valid raw text (as typed, or as stored). */
  parse: (raw: string) => T;
}) {
  return spec;
}

/** How HTTPS reaches the production site (--https). */
const HTTPS_MODES = ['off', 'proxy', 'auto'] as const;

const PROJECT_NAME = /^[a-z_][a-z0-9_]*$/;
const POSTGRES_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]+$/u;
const HOST_NAME =
  /^(\*|\.?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])$/;
const FLOWER_USER = /^[A-Za-z0-9_.-]+$/;

/** The versions each version option accepts. */
export const VERSIONS = {
  python: PYTHON_VERSIONS,
  django: DJANGO_VERSIONS,
  postgres: POSTGRES_VERSIONS,
  redis: REDIS_VERSIONS,
} as const;

/** `value` with what an identifier cannot hold replaced by `_`; for "did you mean ...?". */
function asIdentifier(value: string, lower: boolean): string {
  return (lower ? value.toLowerCase() : value).replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
}

/** " Did you mean `guess`?", when `guess` differs from `value` and is valid itself. */
function didYouMean(value: string, guess: string, validate: (value: string) => true | string): string {
  return guess && guess !== value && validate(guess) === true ? ` Did you mean ${guess}?` : '';
}

function validateProjectName(value: string): true | string {
  if (!PROJECT_NAME.test(value)) {
    const hint =
      didYouMean(value, asIdentifier(value, true), validateProjectName) || ' For example django_celery_example.';
    return `"${value}" is not a valid project name: use lowercase letters, digits and underscores, starting with a letter or underscore.${hint}`;
  }
  if (value.length > 50) {
    return `"${value}" is too long for a project name: use at most 50 characters.`;
  }
  if (/^__.*__$/.test(value)) {
    return `"${value}" cannot be the project name: Python keeps names with double underscores on both sides for itself (and .gitignore hides __pycache__). Choose another name, for example ${value.replace(/^_+|_+$/g, '') || 'django_celery_example'}.`;
  }
  const clash = RESERVED_PACKAGE_NAMES.get(value);
  if (clash) {
    return `"${value}" cannot be the project name: it is ${clash}, and the project package would shadow it. Choose another name, for example ${value}_project.`;
  }
  return true;
}

/** Every answer that is a published host port, and how messages name it. */
const PORT_LABELS = { webPort: 'web', flowerPort: 'Flower', mailPort: 'mail catcher', nginxPort: 'nginx' } as const;
type PortAnswer = keyof typeof PORT_LABELS;

/** What a port answer accepts, as --help says it: derived from what validatePort refuses, so the two never disagree. */
function portAccepts(self: PortAnswer): string {
  const others = (Object.keys(PORT_LABELS) as PortAnswer[]).filter(other => other !== self).map(o => PORT_LABELS[o]);
  const named = others.length > 1 ? `${others.slice(0, -1).join(', ')} and ${others.at(-1)}` : others[0];
  return `a whole number from 1 to 65535, unlike the ${named} ports`;
}

function validatePort(value: string, answers: Known, self: PortAnswer): true | string {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 65535) {
    return `"${value}" is not a port: use a whole number from 1 to 65535.`;
  }
  for (const other of Object.keys(PORT_LABELS) as PortAnswer[]) {
    if (other !== self && answers[other] !== undefined && Number(answers[other]) === Number(value)) {
      return `Port ${value} is already the ${PORT_LABELS[other]} port: each published port must be different.`;
    }
  }
  return true;
}

function validatePostgresName(value: string, what: 'database name' | 'user name'): true | string {
  if (!POSTGRES_IDENTIFIER.test(value)) {
    const hint =
      didYouMean(value, asIdentifier(value, false), guess => validatePostgresName(guess, what)) ||
      ' For example hello_django.';
    return `"${value}" is not a valid Postgres ${what}: use letters, digits and underscores, starting with a letter or underscore.${hint}`;
  }
  if (Buffer.byteLength(value) > 63) {
    return `"${value}" is too long for a Postgres ${what}: Postgres keeps at most 63 bytes of a name.`;
  }
  // Postgres reserves the prefix for its own roles only; a database may start with it.
  if (what === 'user name' && value.toLowerCase().startsWith('pg_')) {
    return `"${value}" cannot be a Postgres ${what}: Postgres reserves role names starting with pg_ for its own roles.`;
  }
  const reserved = RESERVED_POSTGRES_NAMES[what]?.[value.toLowerCase()];
  if (reserved)
    return `"${value}" cannot be a Postgres ${what}: ${reserved}. Choose another, for example hello_django.`;
  return true;
}

/** Names Postgres (or the postgres image's first start) refuses, or gives a meaning of their own. */
const RESERVED_POSTGRES_NAMES: Record<string, Record<string, string>> = {
  'user name': {
    public: 'PUBLIC stands for every role, and initdb refuses it',
    none: 'Postgres reserves it (initdb refuses it)',
  },
  'database name': {
    template0: 'it is the template database that accepts no connection',
    template1: 'it is the template database every cluster already has, so the image could not create it',
  },
};

function validatePassword(value: string, what: string): true | string {
  if (value.length === 0) {
    return `The ${what} cannot be empty.`;
  }
  if (value.length > 128) {
    return `The ${what} is too long: use at most 128 characters.`;
  }
  if (!PRINTABLE.test(value)) {
    return `The ${what} may hold letters, digits, punctuation, symbols and ordinary spaces, but not control characters such as newlines or tabs, other kinds of space, or invisible formatting characters.`;
  }
  if (value !== value.trim()) {
    return `The ${what} cannot start or end with a space: such spaces are too easily lost when it is typed elsewhere.`;
  }
  return true;
}

/** Splits a list of host names given with spaces or commas. */
export function splitHosts(value: string): string[] {
  return value.split(/[\s,]+/).filter(Boolean);
}

/** Whether a certificate authority could issue a certificate for `host`: a DNS name with a dot, no wildcard, no IP address. */
function certifiable(host: string): boolean {
  return /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(host) && !/^[0-9.]+$/.test(host) && !/\.localhost$/i.test(host);
}

function validateHosts(value: string, known: Known = {}): true | string {
  const hosts = splitHosts(value);
  if (hosts.length === 0) {
    return 'Give at least one host name that the site is served on, for example example.com or localhost.';
  }
  const bad = hosts.find(host => !HOST_NAME.test(host));
  if (bad) {
    // A URL pasted whole (https://example.com:8443/path): its host name is what is meant.
    const url = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^/:?#]+)/i.exec(bad);
    const hint = url ? didYouMean(bad, url[1].toLowerCase(), validateHosts) : '';
    return `"${bad}" is not a host name Django can match: use names like example.com, .example.com (with subdomains), 127.0.0.1 or [::1], separated by spaces or commas.${hint}`;
  }
  const uncertified = known.https === 'auto' ? hosts.find(host => !certifiable(host)) : undefined;
  if (uncertified !== undefined) {
    return `"${uncertified}" cannot get a certificate from a certificate authority, which automatic HTTPS (--https auto) asks one for each host name: give only the site's DNS names, for example --allowed-hosts "example.com www.example.com" (no IP address, localhost, * or .example.com), or choose --https off or proxy.`;
  }
  return true;
}

/** Let's Encrypt's production ACME directory: --acme-ca's default. */
const LETS_ENCRYPT_DIRECTORY = 'https://acme-v02.api.letsencrypt.org/directory';
const LETS_ENCRYPT_STAGING = 'https://acme-staging-v02.api.letsencrypt.org/directory';

/** An address as the Caddyfile takes it bare: no `#` (a comment), `{` or `}` (a placeholder), quote or space. */
const EMAIL =
  /^[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

function validateAcmeEmail(value: string): true | string {
  if (value === '') {
    return 'Automatic HTTPS registers an account with the certificate authority, whose contact is an email address: use --acme-email, for example --acme-email ops@your-domain.com.';
  }
  if (!EMAIL.test(value) || value.length > 254) {
    return `"${value}" is not an email address the certificate authority accepts: use one such as ops@your-domain.com (letters, digits and . _ % + - before the @), with no spaces, quotes or name around it.`;
  }
  if (/@example\.(com|net|org)$/i.test(value)) {
    return `"${value}" is at a domain that receives no mail, and Let's Encrypt refuses it: use an address you read.`;
  }
  return true;
}

function validateAcmeDirectory(value: string): true | string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'https:' || /[\s"'{}#]/.test(value) || url.username || url.password) {
    return `"${value}" is not the URL of an ACME directory: use an https:// URL such as ${LETS_ENCRYPT_STAGING} (Let's Encrypt's staging CA, for trying).`;
  }
  return true;
}

/** The validator, parser and choices of an option taking one of `values`. */
/**
 * The validator and parser of a version option. A retired value (with why) is refused as
 * a choice, but a project that stores it is still read (lib/answers/resolve warns about it).
 */
function oneOf<const V extends string, const R extends string = never>(
  values: readonly V[],
  what: string,
  retired: Readonly<Record<R, string>> = {} as Record<R, string>,
) {
  const find = (raw: string) => values.find(value => value === raw);
  const why = (raw: string): string | undefined => (Object.hasOwn(retired, raw) ? retired[raw as R] : undefined);
  return {
    choices: values,
    retired: retired as Readonly<Record<string, string>>,
    validate: (raw: string) => {
      if (find(raw) !== undefined) return true;
      const reason = why(raw);
      if (reason !== undefined)
        return `${what} ${raw} is no longer offered to new projects: ${reason}. Choose one of ${values.join(', ')}.`;
      return `"${raw}" is not a ${what} this generator supports: choose one of ${values.join(', ')}.`;
    },
    parse: (raw: string): V | R => {
      const value = find(raw) ?? (why(raw) !== undefined ? (raw as R) : undefined);
      if (value === undefined) throw new RangeError(`"${raw}" is not a ${what}`);
      return value;
    },
  };
}

const text = (value: string) => value;

/** The validator and parser of a yes-or-no option: true or false, as the command line gives them. */
function yesOrNo(option: string) {
  return {
    validate: (raw: string) =>
      raw === 'true' || raw === 'false' || `"${raw}" is not yes or no: use --${option} or --no-${option}.`,
    parse: (raw: string) => raw === 'true',
  };
}
const port = (value: string) => Number(value);

/** The Django lines django-celery-beat supports, as the options that choose them. */
function supported(): string {
  return DJANGO_VERSIONS.filter(line => !Object.hasOwn(DATABASE_BEAT_UNSUPPORTED, line))
    .map(line => `--django-version ${line}`)
    .join(' or ');
}

/** `--beat-scheduler`: one of the schedulers, and the database one only on a Django line django-celery-beat supports. */
function beatScheduler() {
  const { validate, ...rest } = oneOf(BEAT_SCHEDULERS, 'beat scheduler');
  return {
    ...rest,
    validate: (raw: string, known: Known) => {
      const verdict = validate(raw);
      if (verdict !== true || raw !== 'database') return verdict;
      const django = known.djangoVersion;
      const why = Object.hasOwn(DATABASE_BEAT_UNSUPPORTED, String(django))
        ? DATABASE_BEAT_UNSUPPORTED[django as keyof typeof DATABASE_BEAT_UNSUPPORTED]
        : undefined;
      return why === undefined
        ? true
        : `the database scheduler needs django-celery-beat, and ${why}: choose ${supported()}, or the file scheduler (--beat-scheduler file), until a release supports Django ${String(django)}.`;
    },
  };
}

/**
 * The uid (or gid) the development containers run as by default: that of the user who
 * runs the generator, so that what they write into the checkout is theirs; root's run
 * (or a system without ids) keeps 1000, the first normal user of most systems.
 */
function runningUser(id: 'uid' | 'gid'): number {
  const value = id === 'uid' ? process.getuid?.() : process.getgid?.();
  return value === undefined || value === 0 || process.getuid?.() === 0 ? 1000 : value;
}

function validateHostId(value: string, what: 'uid' | 'gid'): true | string {
  return /^\d{1,10}$/.test(value) && Number(value) <= 2147483647
    ? true
    : `"${value}" is not a ${what}: use a whole number, such as the one \`id -${what === 'uid' ? 'u' : 'g'}\` prints.`;
}

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const IMAGE_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

function validateRegistry(value: string): true | string {
  const [host, ...path] = value.split('/');
  const hostOk = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$/.test(host);
  if (!hostOk || !path.every(part => IMAGE_COMPONENT.test(part))) {
    return `"${value}" is not a registry: use its host (a port after a colon if it has one) and any path, in lowercase, for example registry.example.com/team or localhost:5000.`;
  }
  return true;
}

function validateImageName(value: string): true | string {
  return (
    value === '' ||
    (value.split('/').every(part => IMAGE_COMPONENT.test(part)) && value.length <= 128) ||
    `"${value}" is not an image name: use lowercase letters and digits, with . _ - or / between them, for example ${
      value
        .toLowerCase()
        .replace(/[^a-z0-9./-]+/g, '-')
        .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '') || 'shop-backend'
    }.`
  );
}

function validateImageTag(value: string): true | string {
  if (value === 'latest') {
    return '"latest" names no release: a cluster would run whatever was pushed last, and a rollback could not name the one before. Give each release its own tag, for example 1.4.0 or the commit (git rev-parse --short HEAD).';
  }
  return (
    /^[a-z0-9]([a-z0-9.-]{0,53}[a-z0-9])?$/.test(value) ||
    `"${value}" cannot be the image tag here: use lowercase letters, digits, . and - (not first or last), at most 55 characters; the migration Job is named migrate-<tag>, and Kubernetes allows no other characters in a name.`
  );
}

function validateIngressHost(raw: string, known: Known): true | string {
  const value = raw.toLowerCase();
  if (
    !/^(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(value) ||
    /^[0-9.]+$/.test(value)
  ) {
    return `"${raw}" is not a host name an Ingress takes: use a DNS name such as example.com (no IP address, port or scheme).`;
  }
  const hosts = known.allowedHosts === undefined ? undefined : splitHosts(String(known.allowedHosts));
  const served =
    hosts === undefined ||
    hosts.some(
      host =>
        host === '*' || host === value || (host.startsWith('.') && (value === host.slice(1) || value.endsWith(host))),
    );
  return (
    served ||
    `"${raw}" is not among the production host names (${hosts?.join(' ')}), so Django would answer 400 to every request the Ingress passes on: give one of them${hosts?.find(host => /[a-z]/.test(host) && !host.startsWith('[')) ? `, for example --ingress-host ${hosts.find(host => /[a-z]/.test(host) && !host.startsWith('['))?.replace(/^\./, '')}` : ''}, or add it to --allowed-hosts (create-django-celery prod --allowed-hosts "...").`
  );
}

/** The Kubernetes manifests' answers: their generator's own. */
const ONLY_WITH_KUBERNETES = {
  when: (known: Known) => known.kubernetes === true,
  unless:
    'it applies to the Kubernetes manifests: add --kubernetes (or, in a generated project, run the kubernetes generator).',
};

/** nginx's port answers: with automatic HTTPS, Caddy takes 80 and 443 and nginx is published on none. */
const NOT_WITH_AUTO_HTTPS = {
  when: (known: Known) => known.https !== 'auto',
  unless:
    'nginx is published on no port with automatic HTTPS (Caddy takes ports 80 and 443). Leave it out, or choose --https off or proxy.',
};

/** The certificate authority's answers: automatic HTTPS's own. */
const ONLY_WITH_AUTO_HTTPS = {
  when: (known: Known) => known.https === 'auto',
  unless: 'it is used only with automatic HTTPS. Pass --https auto too, or leave it out.',
};

export const ANSWERS = [
  answer({
    name: 'projectName',
    option: 'project-name',
    placeholder: '<name>',
    accepts:
      'lowercase letters, digits and _, not starting with a digit, at most 50 characters; not a Python keyword, a standard-library module or a name the project uses',
    scope: 'app',
    kind: 'input',
    message: 'Project name (the folder and the Django package)',
    default: 'django_celery_example',
    validate: validateProjectName,
    parse: text,
  }),
  answer({
    name: 'webPort',
    option: 'web-port',
    placeholder: '<port>',
    accepts: portAccepts('webPort'),
    scope: 'app',
    kind: 'input',
    message: 'Host port of the Django development server',
    default: 8010,
    validate: (value, answers) => validatePort(value, answers, 'webPort'),
    parse: port,
  }),
  answer({
    name: 'flowerPort',
    option: 'flower-port',
    placeholder: '<port>',
    accepts: portAccepts('flowerPort'),
    scope: 'app',
    kind: 'input',
    message: 'Host port of Flower',
    default: 5557,
    validate: (value, answers) => validatePort(value, answers, 'flowerPort'),
    parse: port,
  }),
  answer({
    name: 'mailPort',
    option: 'mail-port',
    placeholder: '<port>',
    accepts: portAccepts('mailPort'),
    scope: 'app',
    kind: 'input',
    message: 'Host port of the mail catcher (Mailpit) web UI',
    default: 8025,
    validate: (value, answers) => validatePort(value, answers, 'mailPort'),
    parse: port,
  }),
  answer({
    name: 'publishAll',
    option: 'publish-all',
    scope: 'app',
    kind: 'option',
    message: 'Publish the development ports on every network interface instead of 127.0.0.1 only',
    default: false,
    ...yesOrNo('publish-all'),
  }),
  answer({
    name: 'hostUid',
    option: 'host-uid',
    placeholder: '<uid>',
    accepts: 'a whole number (`id -u`)',
    scope: 'app',
    kind: 'option',
    message:
      'The user id the development containers run as (HOST_UID overrides it; by default the uid of the user running the generator, 1000 for root)',
    default: runningUser('uid'),
    // A project made before this answer had 1000 written in: it keeps it.
    predating: 1000,
    validate: value => validateHostId(value, 'uid'),
    parse: port,
  }),
  answer({
    name: 'hostGid',
    option: 'host-gid',
    placeholder: '<gid>',
    accepts: 'a whole number (`id -g`)',
    scope: 'app',
    kind: 'option',
    message:
      'The group id the development containers run as (HOST_GID overrides it; by default the gid of the user running the generator, 1000 for root)',
    default: runningUser('gid'),
    predating: 1000,
    validate: value => validateHostId(value, 'gid'),
    parse: port,
  }),
  answer({
    name: 'postgresDb',
    option: 'postgres-db',
    placeholder: '<name>',
    accepts: 'ASCII letters, digits and _, not starting with a digit, at most 63 characters',
    scope: 'app',
    kind: 'input',
    message: 'Postgres database name',
    default: 'hello_django',
    validate: value => validatePostgresName(value, 'database name'),
    parse: text,
  }),
  answer({
    name: 'postgresUser',
    option: 'postgres-user',
    placeholder: '<name>',
    accepts: 'as --postgres-db, and not starting with pg_',
    scope: 'app',
    kind: 'input',
    message: 'Postgres user',
    default: 'hello_django',
    validate: value => validatePostgresName(value, 'user name'),
    parse: text,
  }),
  answer({
    name: 'postgresPassword',
    option: 'postgres-password',
    placeholder: '<text>',
    accepts: 'printable text of at most 128 characters, no space at either end',
    scope: 'app',
    kind: 'password',
    message: 'Postgres password (development)',
    default: 'hello_django',
    validate: value => validatePassword(value, 'Postgres password'),
    parse: text,
  }),
  answer({
    name: 'prod',
    option: 'prod',
    scope: 'app',
    kind: 'confirm',
    message: 'Add the production variant behind nginx?',
    default: false,
    ...yesOrNo('prod'),
  }),
  answer({
    name: 'customUser',
    option: 'custom-user',
    scope: 'app',
    kind: 'option',
    message: 'Start with a custom user model (users.User, AUTH_USER_MODEL), as Django advises for a new project',
    default: true,
    // A project made before this answer has auth.User tables: it keeps them.
    predating: false,
    ...yesOrNo('custom-user'),
  }),
  answer({
    name: 'pythonVersion',
    option: 'python-version',
    placeholder: '<version>',
    scope: 'app',
    kind: 'option',
    message: 'Python version of the images',
    default: '3.13',
    ...oneOf(VERSIONS.python, 'Python version', RETIRED_PYTHON_VERSIONS),
  }),
  answer({
    name: 'djangoVersion',
    option: 'django-version',
    placeholder: '<version>',
    scope: 'app',
    kind: 'option',
    message: 'Django release line',
    default: '5.2',
    ...oneOf(VERSIONS.django, 'Django release line'),
  }),
  answer({
    name: 'postgresVersion',
    option: 'postgres-version',
    placeholder: '<version>',
    scope: 'app',
    kind: 'option',
    message: 'Postgres major version',
    default: '17',
    ...oneOf(VERSIONS.postgres, 'Postgres version'),
  }),
  answer({
    name: 'postgresUpgrade',
    option: 'postgres-upgrade',
    scope: 'app',
    kind: 'option',
    message:
      'Allow this run to move the project to another --postgres-version: the new server starts on a new, empty data volume (README.md, "Upgrade Postgres")',
    default: false,
    once: true,
    ...yesOrNo('postgres-upgrade'),
  }),
  answer({
    name: 'postgresVolumePerMajor',
    option: 'postgres-volume-per-major',
    scope: 'app',
    kind: 'option',
    message:
      'Name the Postgres data volume after the major version (postgres17_data), so that a new major never opens the data of another',
    default: true,
    // A project made before this answer keeps its postgres_data volume, until a major upgrade gives it a new one.
    predating: false,
    ...yesOrNo('postgres-volume-per-major'),
  }),
  answer({
    name: 'redisVersion',
    option: 'redis-version',
    placeholder: '<version>',
    scope: 'app',
    kind: 'option',
    message: 'Redis version',
    default: '7.4',
    ...oneOf(VERSIONS.redis, 'Redis version'),
  }),
  answer({
    name: 'beatScheduler',
    option: 'beat-scheduler',
    placeholder: '<scheduler>',
    scope: 'app',
    kind: 'option',
    message:
      "Where beat keeps its schedule: a file (Celery's own), or the database (django-celery-beat, Django 5.2 only; periodic tasks edited in the admin)",
    default: 'file',
    ...beatScheduler(),
  }),
  answer({
    name: 'kubernetes',
    option: 'kubernetes',
    scope: 'app',
    kind: 'option',
    message: 'Add manifests for a Kubernetes cluster (k8s/, for kustomize), from the production variant',
    when: (known: Known) => known.prod === true,
    unless: 'the Kubernetes manifests run the production variant: add --prod too.',
    default: false,
    ...yesOrNo('kubernetes'),
  }),
  answer({
    name: 'https',
    option: 'https',
    placeholder: '<mode>',
    scope: 'prod',
    kind: 'select',
    message: 'How does HTTPS reach the production site?',
    labels: {
      off: "Not yet: plain HTTP on nginx's port, for a first trial",
      proxy: 'A TLS proxy or load balancer in front of nginx',
      auto: 'Automatic certificates from Caddy, on ports 80 and 443',
    },
    default: 'off',
    // A production stored before this answer keeps its plain HTTP (or its own DJANGO_SECURE_PROXY), unasked.
    predating: 'off',
    ...oneOf(HTTPS_MODES, 'HTTPS mode'),
  }),
  answer({
    name: 'nginxPort',
    option: 'nginx-port',
    placeholder: '<port>',
    accepts: portAccepts('nginxPort'),
    scope: 'prod',
    kind: 'input',
    message: 'Host port of nginx (production)',
    // With automatic certificates Caddy takes 80 and 443, and nginx is published on no port.
    ...NOT_WITH_AUTO_HTTPS,
    default: 1337,
    validate: (value, answers) => validatePort(value, answers, 'nginxPort'),
    parse: port,
  }),
  answer({
    name: 'nginxLoopback',
    option: 'nginx-loopback',
    scope: 'prod',
    kind: 'option',
    message: "Publish nginx's port on this host's loopback (127.0.0.1) only, for a TLS proxy on this host",
    ...NOT_WITH_AUTO_HTTPS,
    default: false,
    ...yesOrNo('nginx-loopback'),
  }),
  answer({
    name: 'allowedHosts',
    option: 'allowed-hosts',
    placeholder: '<hosts>',
    accepts: 'names like example.com, .example.com (with subdomains), 127.0.0.1, [::1], or *',
    scope: 'prod',
    kind: 'input',
    message: 'Host names the production site answers to (spaces or commas between them)',
    default: 'localhost 127.0.0.1 [::1]',
    validate: validateHosts,
    parse: value => splitHosts(value).join(' '),
  }),
  answer({
    name: 'flowerUser',
    option: 'flower-user',
    placeholder: '<name>',
    accepts: '1 to 64 letters, digits, dots, dashes or underscores',
    scope: 'prod',
    kind: 'input',
    message: 'Flower login name (production; its password is generated)',
    default: 'admin',
    validate: value =>
      (FLOWER_USER.test(value) && value.length <= 64) ||
      `"${value}" is not a usable Flower login: use 1 to 64 letters, digits, dots, dashes or underscores.`,
    parse: text,
  }),
  answer({
    name: 'acmeEmail',
    option: 'acme-email',
    placeholder: '<email>',
    accepts: 'an address you read, letters, digits and . _ % + - before the @',
    scope: 'prod',
    kind: 'input',
    message: "Contact email of the certificate authority's account (automatic HTTPS)",
    ...ONLY_WITH_AUTO_HTTPS,
    default: '',
    validate: validateAcmeEmail,
    parse: text,
  }),
  answer({
    name: 'acmeCa',
    option: 'acme-ca',
    placeholder: '<url>',
    accepts: 'an https:// ACME directory URL (a staging CA\'s while trying: the project\'s README, "HTTPS")',
    scope: 'prod',
    kind: 'option',
    message: 'The ACME directory Caddy gets certificates from (automatic HTTPS)',
    ...ONLY_WITH_AUTO_HTTPS,
    default: LETS_ENCRYPT_DIRECTORY,
    validate: validateAcmeDirectory,
    parse: text,
  }),
  answer({
    name: 'imageRegistry',
    option: 'image-registry',
    placeholder: '<registry>',
    accepts:
      'a registry host, with a port and a path if it has them (registry.example.com/team, localhost:5000), lowercase',
    scope: 'kubernetes',
    ...ONLY_WITH_KUBERNETES,
    kind: 'input',
    message: 'Container registry the cluster pulls the Django image from',
    default: 'localhost:5000',
    validate: validateRegistry,
    parse: text,
  }),
  answer({
    name: 'imageName',
    option: 'image-name',
    placeholder: '<name>',
    accepts:
      "a repository name: lowercase letters and digits, with . _ - or / between them (empty: the project's name, with - for _)",
    scope: 'kubernetes',
    ...ONLY_WITH_KUBERNETES,
    kind: 'input',
    message: 'Name of the Django image in that registry',
    default: '',
    validate: validateImageName,
    parse: text,
  }),
  answer({
    name: 'imageTag',
    option: 'image-tag',
    placeholder: '<tag>',
    accepts:
      'lowercase letters, digits, . and -, at most 55 characters, not latest (the migration Job is named after it)',
    scope: 'kubernetes',
    ...ONLY_WITH_KUBERNETES,
    kind: 'option',
    message: 'Tag of the Django image the cluster runs (a new tag for each release)',
    default: '0.1.0',
    validate: validateImageTag,
    parse: text,
  }),
  answer({
    name: 'ingressHost',
    option: 'ingress-host',
    placeholder: '<host>',
    accepts: 'a DNS name among the production host names (--allowed-hosts)',
    scope: 'kubernetes',
    ...ONLY_WITH_KUBERNETES,
    kind: 'input',
    message: 'Host name the Ingress serves the site on',
    default: 'localhost',
    validate: validateIngressHost,
    parse: value => value.toLowerCase(),
  }),
  answer({
    name: 'ingressClass',
    option: 'ingress-class',
    placeholder: '<class>',
    accepts: 'the name of an IngressClass of the cluster: lowercase letters, digits and -',
    scope: 'kubernetes',
    ...ONLY_WITH_KUBERNETES,
    kind: 'input',
    message: 'Ingress class of the cluster (its Ingress controller)',
    default: 'nginx',
    validate: value =>
      DNS_LABEL.test(value) ||
      `"${value}" is not an IngressClass name: use lowercase letters, digits and -, at most 63 characters (\`kubectl get ingressclass\` lists the cluster's).`,
    parse: text,
  }),
] as const;

/** The declaration of one answer. */
export type AnswerSpec = (typeof ANSWERS)[number];
export type AnswerName = AnswerSpec['name'];

/** The value of each answer, as its parser gives it. */
export type Answers = { [S in AnswerSpec as S['name']]: ReturnType<S['parse']> };
type ScopeAnswers<Sc extends Scope> = {
  [S in Extract<AnswerSpec, { scope: Sc }> as S['name']]: ReturnType<S['parse']>;
};
export type AppAnswers = ScopeAnswers<'app'>;
export type ProdAnswers = ScopeAnswers<'prod'>;
export type KubernetesAnswers = ScopeAnswers<'kubernetes'>;

export function answerSpecs<Sc extends Scope>(scope: Sc): Extract<AnswerSpec, { scope: Sc }>[] {
  return ANSWERS.filter((spec): spec is Extract<AnswerSpec, { scope: Sc }> => spec.scope === scope);
}

/** The declaration of the answer `name`, wherever it stands in the table. */
export function answerSpec<N extends AnswerName>(name: N): Extract<AnswerSpec, { name: N }> {
  const spec = ANSWERS.find((candidate): candidate is Extract<AnswerSpec, { name: N }> => candidate.name === name);
  if (!spec) throw new Error(`No answer ${name} in ANSWERS`);
  return spec;
}

/** Whether `spec` applies, given `known`: always, unless it says when. */
export function applies(spec: AnswerSpec, known: Known): boolean {
  return !('when' in spec) || spec.when?.(known) !== false;
}

/**
 * The answers .yo-rc.json keeps: all but those for one run only, and those that do not
 * apply and hold their default (a value stored before is kept, for when it applies again).
 */
export function storable(answers: Partial<Answers>): Partial<Answers> {
  const kept = (name: string, value: unknown) => {
    const spec = ANSWERS.find(candidate => candidate.name === name);
    if (!spec) return true;
    if ('once' in spec) return false;
    return applies(spec, answers) || value !== spec.default;
  };
  return Object.fromEntries(Object.entries(answers).filter(([name, value]) => kept(name, value))) as Partial<Answers>;
}
