import { answerSpecs, storable } from '../lib/answers/answers.js';
import { ProjectGenerator } from '../lib/run/base.js';
import type { TemplateContext } from '../lib/values/context.js';
import { loadProject, type Project } from '../lib/run/project.js';
import { storedAnswers } from '../lib/run/yo-rc.js';
import { envValue } from '../lib/values/quoting.js';
import { addMissingSettings, readEnvFile } from '../lib/values/env-file.js';
import { envFileValue, keptSecret } from '../lib/values/secrets.js';
import { readRegularFile } from '../lib/files/trust.js';

export const PROD_ENV_FILE = '.env/.prod';
export const PROD_DB_ENV_FILE = '.env/.prod.db';

/** What only a project with automatic HTTPS gets. */
const AUTO_HTTPS_ONLY = ['compose/production/caddy/', '.github/ci/without-caddy.yml'];

/** Where .github/ci/production-env puts each secret it makes on the runner. */
const CI_SECRET_MARKS = {
  SECRET_KEY: '@SECRET_KEY@',
  DATABASE_PASSWORD: '@DATABASE_PASSWORD@',
  DATABASE_ADMIN_PASSWORD: '@DATABASE_ADMIN_PASSWORD@',
  CELERY_FLOWER_PASSWORD: '@CELERY_FLOWER_PASSWORD@',
};

type ProductionEnv = NonNullable<TemplateContext['production']>['env'];

/**
 * The settings of each production env file that answers give (the others are secrets,
 * or fixed), by the value of the production context that each holds.
 */
const ANSWERED: Record<string, Record<string, keyof ProductionEnv>> = {
  [PROD_ENV_FILE]: {
    DJANGO_ALLOWED_HOSTS: 'DJANGO_ALLOWED_HOSTS',
    DJANGO_CSRF_TRUSTED_ORIGINS: 'DJANGO_CSRF_TRUSTED_ORIGINS',
    SQL_DATABASE: 'SQL_DATABASE',
    SQL_USER: 'SQL_USER',
    CELERY_FLOWER_USER: 'CELERY_FLOWER_USER',
    DJANGO_SECURE_PROXY: 'DJANGO_SECURE_PROXY',
  },
  [PROD_DB_ENV_FILE]: { POSTGRES_DB: 'SQL_DATABASE', APP_DB_USER: 'SQL_USER' },
};

/**
 * `yo django-celery:prod`: adds the production variant (gunicorn behind nginx) to a
 * project, asking only what production needs. `app` composes it when asked to, with
 * production's answers already settled.
 */
export default class ProdGenerator extends ProjectGenerator {
  /** They hold secrets: readable by their owner only, and never compared, shown or digested. */
  static readonly privateFiles = [PROD_ENV_FILE, PROD_DB_ENV_FILE];

  private project!: Project;

  async prompting(): Promise<void> {
    this.project = await this._projectWith('prod');
  }

  async configuring(): Promise<void> {
    // Production's answers; one that does not apply (nginx's port with automatic HTTPS) keeps what was stored.
    const kept: Record<string, unknown> = storable({
      ...this.project.answers,
      prod: true,
      kubernetes: this.project.answers.kubernetes ?? false,
    });
    // `kubernetes` applies once production is on: stored as the app stores it.
    const names = ['prod', 'kubernetes', ...answerSpecs('prod').map(spec => spec.name)];
    this.config.set(Object.fromEntries(names.filter(name => name in kept).map(name => [name, kept[name]])));
    // README.md gains its production section. Under `app`, which composes it already, it
    // still runs once. Production's requirements are its own file (requirements-prod.txt):
    // requirements.txt, which the user adds to, stays as it is.
    await this._composeSibling('repo', this.project);
    // The Kubernetes overlays' env files follow .env/.prod and .env/.prod.db.
    if (this.project.answers.kubernetes) await this._composeSibling('kubernetes', this.project);
  }

  override async writing(): Promise<void> {
    const source = this.options.secretSource;
    const kept = (key: string) => keptSecret(this, PROD_ENV_FILE, key, source);
    // The passwords are those the data volume was created with: keep them. A .env/.prod.db
    // written before Django had a role of its own holds the app's in POSTGRES_PASSWORD.
    const dbFile = (key: string) => envFileValue(this, PROD_DB_ENV_FILE, key);
    const databasePassword = dbFile('APP_DB_PASSWORD') ?? dbFile('POSTGRES_PASSWORD') ?? kept('SQL_PASSWORD');
    const adminPassword = keptSecret(this, PROD_DB_ENV_FILE, 'POSTGRES_PASSWORD', source);
    this._render(
      this.project,
      {
        secrets: {
          SECRET_KEY: envValue(kept('SECRET_KEY')),
          DATABASE_PASSWORD: envValue(databasePassword),
          DATABASE_ADMIN_PASSWORD: envValue(adminPassword),
          CELERY_FLOWER_PASSWORD: envValue(kept('CELERY_FLOWER_PASSWORD')),
        },
        // CI's throwaway copies of the env files (.github/ci/production-env) get their
        // secrets on the runner: the template holds only these marks.
        ciSecrets: CI_SECRET_MARKS,
      },
      'production',
      // Caddy's files only with automatic HTTPS; a project that leaves it keeps them, unused.
      target => !this.project.context.production?.auto && AUTO_HTTPS_ONLY.some(prefix => target.startsWith(prefix)),
    );
    for (const file of ProdGenerator.privateFiles) {
      const path = this.destinationPath(file);
      // Once written, the file is the user's: a re-run keeps every line and only adds new settings.
      const own = readRegularFile(path);
      if (own !== undefined) {
        this._noteUnapplied(file, await this._unapplied(file, own));
        this.fs.write(path, addMissingSettings(own, this.fs.read(path) ?? ''));
      }
    }
  }

  /**
   * The settings (`KEY=value`) that this run's answers give `file` anew, which the user's
   * own `file` (`own`) does not hold: the answers stored before this run gave another value.
   * With automatic HTTPS, DJANGO_SECURE_PROXY=1 is said at every run until the file has it:
   * behind Caddy, Django without it marks no cookie Secure and links to http://.
   */
  private async _unapplied(file: string, own: string): Promise<string[]> {
    const given = this.project.context.production?.env;
    const before = await this._answeredBefore();
    const held = readEnvFile(own);
    return Object.entries(ANSWERED[file]).flatMap(([key, from]) => {
      const always = key === 'DJANGO_SECURE_PROXY' && this.project.context.production?.auto === true;
      if (!given || (before?.[from] === given[from] && !always)) return [];
      const setting = `${key}=${given[from]}`;
      const mine = held.get(key);
      const wanted = readEnvFile(setting).get(key);
      // A key the file lacks is added with the new value.
      if (!mine || ('value' in mine && wanted && 'value' in wanted && mine.value === wanted.value)) return [];
      return [setting];
    });
  }

  /** The production env values of the answers .yo-rc.json held before this run (none for a project without production). */
  private _answeredBefore(): Promise<ProductionEnv | undefined> {
    this.before ??= (async () => {
      const stored = storedAnswers(this.destinationRoot());
      if (!stored) return undefined;
      try {
        return (await loadProject(stored, this.destinationPath('.yo-rc.json'))).context.production?.env;
      } catch {
        // Stored answers that no longer resolve: every value of this run is new.
        return undefined;
      }
    })();
    return this.before;
  }

  private before?: Promise<ProductionEnv | undefined>;

  override async end(): Promise<void> {
    // Composed by the app, whose summary tells about production too.
    if (!this._written) return;
    this._logSummary({
      report: this._written,
      answers: this.project.answers,
      cd: this._cd(),
      stacks: { local: false, production: true },
    });
  }
}
