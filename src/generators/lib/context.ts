// The values templates lay out, computed once from the answers: templates hold no logic
// beyond loops and conditions, and receive every value already quoted for its file.
import { DJANGO_PINS, splitHosts, type Answers, type AppAnswers } from './answers.js';
import { composeYamlValue, envValue } from './quoting.js';

/** Pins of the Python packages, all versions that exist upstream. */
const PACKAGES = {
  celery: '5.7.0',
  flower: '2.2.0',
  // kombu's Redis transport is tested with the redis 6 line.
  redis: '6.4.0',
  psycopg: '3.3.9',
  gunicorn: '27.0.1',
} as const;

export const NGINX_IMAGE = 'nginx:1.28-alpine';

/** The project name as Docker names accept it: no leading, trailing or doubled underscore. */
function dockerName(projectName: string): string {
  return projectName.split('_').filter(Boolean).join('_') || 'project';
}

/**
 * The HTTPS origins of the allowed hosts, for CSRF_TRUSTED_ORIGINS: `.example.com`
 * (the domain and its subdomains) gives `https://*.example.com`; `*` gives none.
 */
function csrfTrustedOrigins(hosts: readonly string[]): string[] {
  return hosts.filter(host => host !== '*').map(host => `https://${host.replace(/^\./, '*.')}`);
}

/** The values of the production files (secrets aside: the prod generator keeps them). */
function productionContext(answers: AppAnswers & Partial<Answers>) {
  const { nginxPort, allowedHosts, flowerUser } = answers;
  if (nginxPort === undefined || allowedHosts === undefined || flowerUser === undefined) {
    throw new Error('.yo-rc.json says prod but holds no production answers: run `yo django-celery:prod` in this folder.');
  }
  const hosts = splitHosts(allowedHosts);
  const name = dockerName(answers.projectName);
  return {
    nginxPort,
    flowerUser,
    /** Compose project of docker-compose.prod.yml: apart from the development one. */
    composeProject: `${name}_prod`,
    djangoImage: `${name}_production_django`,
    nginxImage: `${name}_production_nginx`,
    /** Values of .env/.prod and .env/.prod.db, quoted for them. */
    env: {
      DJANGO_ALLOWED_HOSTS: envValue(hosts.join(' ')),
      DJANGO_CSRF_TRUSTED_ORIGINS: envValue(csrfTrustedOrigins(hosts).join(' ')),
      SQL_DATABASE: envValue(answers.postgresDb),
      SQL_USER: envValue(answers.postgresUser),
      CELERY_FLOWER_USER: envValue(flowerUser),
    },
  };
}

export function templateContext(answers: AppAnswers & Partial<Answers>) {
  const { postgresDb, postgresUser, postgresPassword } = answers;
  return {
    projectName: answers.projectName,
    /** Image of the development Django containers. */
    localImage: `${dockerName(answers.projectName)}_local_django`,
    webPort: answers.webPort,
    flowerPort: answers.flowerPort,
    prod: answers.prod,
    images: {
      python: `python:${answers.pythonVersion}-slim-bookworm`,
      postgres: `postgres:${answers.postgresVersion}-alpine`,
      redis: `redis:${answers.redisVersion}-alpine`,
      nginx: NGINX_IMAGE,
    },
    pins: { django: DJANGO_PINS[answers.djangoVersion], ...PACKAGES },
    djangoVersion: answers.djangoVersion,
    pythonVersion: answers.pythonVersion,
    postgres: { db: postgresDb, user: postgresUser },
    /** Where the postgres image keeps its data; from 18 on, a versioned folder under /var/lib/postgresql. */
    postgresDataPath: Number(answers.postgresVersion) >= 18 ? '/var/lib/postgresql' : '/var/lib/postgresql/data',
    /** Values of docker-compose.yml, quoted for it. */
    devYaml: {
      POSTGRES_DB: composeYamlValue(postgresDb),
      POSTGRES_USER: composeYamlValue(postgresUser),
      POSTGRES_PASSWORD: composeYamlValue(postgresPassword),
    },
    /** The production variant's values, when it is on. */
    production: answers.prod ? productionContext(answers) : undefined,
  };
}

export type TemplateContext = ReturnType<typeof templateContext>;
