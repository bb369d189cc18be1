// Files a generated project must hold, shared by the unit and e2e tiers.

/** What production adds to a project. */
export const PROD_FILES = [
  '.env/.prod',
  '.env/.prod.db',
  'compose/production/django/Dockerfile',
  'compose/production/django/celery/beat/start',
  'compose/production/django/celery/flower/start',
  'compose/production/django/celery/worker/start',
  'compose/production/django/entrypoint',
  'compose/production/django/start',
  'compose/production/nginx/Dockerfile',
  'compose/production/nginx/nginx.conf',
  'docker-compose.prod.yml',
];
