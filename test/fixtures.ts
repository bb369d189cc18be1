// Answers the specs generate projects with, and files a generated project must hold.

/** What production adds to a project. */
export const PROD_FILES = [
  '.github/ci/production-env',
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
  'requirements-prod.txt',
];

/** Every answer of `yo django-celery` but production, none of them the default. */
export const CUSTOM_ANSWERS = {
  'project-name': 'shop',
  'web-port': '9000',
  'flower-port': '9555',
  'mail-port': '9025',
  'postgres-db': 'shop_db',
  'postgres-user': 'shop_user',
  'postgres-password': 'Sup3r-secret',
};

/** The production answers, none of them the default. */
export const CUSTOM_PROD = {
  https: 'proxy',
  'nginx-port': '8080',
  'allowed-hosts': 'example.com, www.example.com .example.org',
  'flower-user': 'ops',
};

/** Automatic HTTPS: the site's DNS names, the CA's contact and its staging directory. */
export const AUTO_HTTPS = {
  https: 'auto',
  'allowed-hosts': 'shop.example.org www.shop.example.org',
  'acme-email': 'ops@shop.example.org',
  'acme-ca': 'https://acme-staging-v02.api.letsencrypt.org/directory',
};

/** A password that breaks every naive quoting: Compose's `$`, YAML, env files, shells, printf. */
export const HOSTILE_PASSWORD = `Pa$$ w0rd "quoted" 'single' \\back\\slash $HOME \${USER} #hash =eq \`tick\` ü€ %s :*`;

/** The newest versions every option offers, with the shop project's custom names: the runtime tier's second scenario. */
export const NEWEST_SHOP = {
  'python-version': '3.14',
  'django-version': '6.1',
  'postgres-version': '18',
  'redis-version': '8.2',
  'project-name': 'shop',
  'postgres-db': 'shop_db',
  'postgres-user': 'shop_user',
};

/** The questions `yo django-celery` asks, in order, when no option answers them. */
export const APP_QUESTIONS = [
  'projectName',
  'webPort',
  'flowerPort',
  'mailPort',
  'postgresDb',
  'postgresUser',
  'postgresPassword',
  'prod',
];
