// The one description of every answer: its CLI option, its prompt, its default and
// its validator. Prompts, options, stored answers and every sub-generator use it.
import { RESERVED_PACKAGE_NAMES } from './python-names.js';

export interface AppAnswers {
  projectName: string;
  webPort: number;
  flowerPort: number;
  postgresDb: string;
  postgresUser: string;
  postgresPassword: string;
  prod: boolean;
  pythonVersion: string;
  djangoVersion: string;
  postgresVersion: string;
  redisVersion: string;
}

export interface ProdAnswers {
  nginxPort: number;
  allowedHosts: string;
  flowerUser: string;
}

export type Answers = AppAnswers & ProdAnswers;
export type AnswerName = keyof Answers;
export type AnswerValue = string | number | boolean;

/** A validator returns true, or a sentence saying what is wrong and what would be right. */
export type Validator = (value: string, answers: Partial<Answers>) => true | string;

export interface AnswerSpec {
  name: AnswerName;
  /** The CLI option, kebab-case: `--web-port`. */
  option: string;
  /** Which generator asks it. */
  scope: 'app' | 'prod';
  /** How it is asked; `option` means it is an option only, never a prompt. */
  kind: 'input' | 'password' | 'confirm' | 'option';
  message: string;
  /** Allowed values, for version options. */
  choices?: readonly string[];
  default: (answers: Partial<Answers>) => AnswerValue;
  validate: Validator;
  parse: (value: string) => AnswerValue;
}

const PROJECT_NAME = /^[a-z_][a-z0-9_]*$/;
const POSTGRES_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]+$/u;
const HOST_NAME = /^(\*|\.?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])$/;
const FLOWER_USER = /^[A-Za-z0-9_.-]+$/;

export const VERSIONS = {
  python: ['3.12', '3.13', '3.14'],
  django: ['5.2', '6.1'],
  postgres: ['16', '17', '18'],
  redis: ['7.4', '8.2'],
} as const;

function validateProjectName(value: string): true | string {
  if (!PROJECT_NAME.test(value)) {
    return `"${value}" is not a valid project name: use lowercase letters, digits and underscores, starting with a letter or underscore (for example django_celery_example).`;
  }
  if (value.length > 50) {
    return `"${value}" is too long for a project name: use at most 50 characters.`;
  }
  const clash = RESERVED_PACKAGE_NAMES.get(value);
  if (clash) {
    return `"${value}" cannot be the project name: it is ${clash}, and the project package would shadow it. Choose another name, for example ${value}_project.`;
  }
  return true;
}

function validatePort(value: string, answers: Partial<Answers>, self: 'webPort' | 'flowerPort' | 'nginxPort'): true | string {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 65535) {
    return `"${value}" is not a port: use a whole number from 1 to 65535.`;
  }
  const labels = { webPort: 'web', flowerPort: 'Flower', nginxPort: 'nginx' } as const;
  for (const other of ['webPort', 'flowerPort', 'nginxPort'] as const) {
    if (other !== self && answers[other] !== undefined && Number(answers[other]) === Number(value)) {
      return `Port ${value} is already the ${labels[other]} port: each published port must be different.`;
    }
  }
  return true;
}

function validatePostgresName(value: string, what: string): true | string {
  if (!POSTGRES_IDENTIFIER.test(value)) {
    return `"${value}" is not a valid Postgres ${what}: use letters, digits and underscores, starting with a letter or underscore (for example hello_django).`;
  }
  if (Buffer.byteLength(value) > 63) {
    return `"${value}" is too long for a Postgres ${what}: Postgres keeps at most 63 bytes of a name.`;
  }
  if (value.toLowerCase().startsWith('pg_')) {
    return `"${value}" cannot be a Postgres ${what}: names starting with pg_ are reserved by Postgres.`;
  }
  return true;
}

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

function validateHosts(value: string): true | string {
  const hosts = splitHosts(value);
  if (hosts.length === 0) {
    return 'Give at least one host name that the site is served on, for example example.com or localhost.';
  }
  const bad = hosts.find(host => !HOST_NAME.test(host));
  if (bad) {
    return `"${bad}" is not a host name Django can match: use names like example.com, .example.com (with subdomains), 127.0.0.1 or [::1], separated by spaces or commas.`;
  }
  return true;
}

function choice(values: readonly string[], what: string): Validator {
  return value => values.includes(value) || `"${value}" is not a ${what} this generator supports: choose one of ${values.join(', ')}.`;
}

const text = (value: string) => value;
const port = (value: string) => Number(value);

export const ANSWERS: readonly AnswerSpec[] = [
  {
    name: 'projectName',
    option: 'project-name',
    scope: 'app',
    kind: 'input',
    message: 'Project name (the folder and the Django package)',
    default: () => 'django_celery_example',
    validate: validateProjectName,
    parse: text,
  },
  {
    name: 'webPort',
    option: 'web-port',
    scope: 'app',
    kind: 'input',
    message: 'Host port of the Django development server',
    default: () => 8010,
    validate: (value, answers) => validatePort(value, answers, 'webPort'),
    parse: port,
  },
  {
    name: 'flowerPort',
    option: 'flower-port',
    scope: 'app',
    kind: 'input',
    message: 'Host port of Flower',
    default: () => 5557,
    validate: (value, answers) => validatePort(value, answers, 'flowerPort'),
    parse: port,
  },
  {
    name: 'postgresDb',
    option: 'postgres-db',
    scope: 'app',
    kind: 'input',
    message: 'Postgres database name',
    default: () => 'hello_django',
    validate: value => validatePostgresName(value, 'database name'),
    parse: text,
  },
  {
    name: 'postgresUser',
    option: 'postgres-user',
    scope: 'app',
    kind: 'input',
    message: 'Postgres user',
    default: () => 'hello_django',
    validate: value => validatePostgresName(value, 'user name'),
    parse: text,
  },
  {
    name: 'postgresPassword',
    option: 'postgres-password',
    scope: 'app',
    kind: 'password',
    message: 'Postgres password (development)',
    default: () => 'hello_django',
    validate: value => validatePassword(value, 'Postgres password'),
    parse: text,
  },
  {
    name: 'prod',
    option: 'prod',
    scope: 'app',
    kind: 'confirm',
    message: 'Add the production variant behind nginx?',
    default: () => false,
    validate: () => true,
    parse: value => value === 'true',
  },
  {
    name: 'pythonVersion',
    option: 'python-version',
    scope: 'app',
    kind: 'option',
    message: 'Python version of the images',
    choices: VERSIONS.python,
    default: () => '3.13',
    validate: choice(VERSIONS.python, 'Python version'),
    parse: text,
  },
  {
    name: 'djangoVersion',
    option: 'django-version',
    scope: 'app',
    kind: 'option',
    message: 'Django release line',
    choices: VERSIONS.django,
    default: () => '5.2',
    validate: choice(VERSIONS.django, 'Django release line'),
    parse: text,
  },
  {
    name: 'postgresVersion',
    option: 'postgres-version',
    scope: 'app',
    kind: 'option',
    message: 'Postgres major version',
    choices: VERSIONS.postgres,
    default: () => '17',
    validate: choice(VERSIONS.postgres, 'Postgres version'),
    parse: text,
  },
  {
    name: 'redisVersion',
    option: 'redis-version',
    scope: 'app',
    kind: 'option',
    message: 'Redis version',
    choices: VERSIONS.redis,
    default: () => '7.4',
    validate: choice(VERSIONS.redis, 'Redis version'),
    parse: text,
  },
  {
    name: 'nginxPort',
    option: 'nginx-port',
    scope: 'prod',
    kind: 'input',
    message: 'Host port of nginx (production)',
    default: () => 1337,
    validate: (value, answers) => validatePort(value, answers, 'nginxPort'),
    parse: port,
  },
  {
    name: 'allowedHosts',
    option: 'allowed-hosts',
    scope: 'prod',
    kind: 'input',
    message: 'Host names the production site answers to (spaces or commas between them)',
    default: () => 'localhost 127.0.0.1 [::1]',
    validate: validateHosts,
    parse: value => splitHosts(value).join(' '),
  },
  {
    name: 'flowerUser',
    option: 'flower-user',
    scope: 'prod',
    kind: 'input',
    message: 'Flower login name (production; its password is generated)',
    default: () => 'admin',
    validate: value =>
      (FLOWER_USER.test(value) && value.length <= 64) ||
      `"${value}" is not a usable Flower login: use 1 to 64 letters, digits, dots, dashes or underscores.`,
    parse: text,
  },
];

export function answerSpecs(scope: AnswerSpec['scope']): AnswerSpec[] {
  return ANSWERS.filter(spec => spec.scope === scope);
}

/** Requirement pins per Django release line; every version exists upstream. */
export const DJANGO_PINS: Record<string, string> = {
  '5.2': '5.2.17',
  '6.1': '6.1.3',
};
