// The values templates lay out, computed once from the answers: templates hold no logic
// beyond loops and conditions, and receive every value already quoted for its file.
import { DJANGO_PINS, type Answers, type AppAnswers } from './answers.js';
import { composeYamlValue } from './quoting.js';

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

export function templateContext(answers: AppAnswers & Partial<Answers>) {
  const { postgresDb, postgresUser, postgresPassword } = answers;
  return {
    projectName: answers.projectName,
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
    /** Values of docker-compose.yml, quoted for it. */
    devYaml: {
      POSTGRES_DB: composeYamlValue(postgresDb),
      POSTGRES_USER: composeYamlValue(postgresUser),
      POSTGRES_PASSWORD: composeYamlValue(postgresPassword),
    },
  };
}

export type TemplateContext = ReturnType<typeof templateContext>;
