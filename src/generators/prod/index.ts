import { answerSpecs, type ProdAnswers } from '../lib/answers.js';
import { ProjectGenerator } from '../lib/base.js';
import { templateContext } from '../lib/context.js';
import { envValue } from '../lib/quoting.js';

export const PROD_ENV_FILE = '.env/.prod';
export const PROD_DB_ENV_FILE = '.env/.prod.db';

/**
 * `yo django-celery:prod`: adds the production variant (gunicorn behind nginx) to a
 * project, asking only what production needs. `app` composes it when asked to.
 */
export default class ProdGenerator extends ProjectGenerator {
  private answers: Partial<ProdAnswers> = {};

  constructor(args: string[], options: ProjectGenerator['options']) {
    super(args, options);
    this._declareOptions('prod');
  }

  async prompting(): Promise<void> {
    // Outside a generated project this fails before anything is asked or written.
    const project = this._answers();
    const resolved = await this._resolveAnswers(answerSpecs('prod'), project, this._storedAnswers());
    this.answers = Object.fromEntries(answerSpecs('prod').map(spec => [spec.name, resolved[spec.name]]));
  }

  async configuring(): Promise<void> {
    this.config.set({ prod: true, ...this.answers });
    // requirements.txt gains gunicorn and README.md its production section. Under
    // `app`, which composes them already, each still runs once.
    await this._composeSibling('requirements');
    await this._composeSibling('project');
  }

  override writing(): void {
    const answers = this._answers();
    // The database's password is the one its data volume was created with: keep it.
    const databasePassword =
      this._envFileValue(PROD_DB_ENV_FILE, 'POSTGRES_PASSWORD') ?? this._keptSecret(PROD_ENV_FILE, 'SQL_PASSWORD');
    this._renderTemplates(
      {
        ...templateContext(answers),
        secrets: {
          SECRET_KEY: envValue(this._keptSecret(PROD_ENV_FILE, 'SECRET_KEY')),
          DATABASE_PASSWORD: envValue(databasePassword),
          CELERY_FLOWER_PASSWORD: envValue(this._keptSecret(PROD_ENV_FILE, 'CELERY_FLOWER_PASSWORD')),
        },
      },
      answers.projectName,
    );
  }

  end(): void {
    this.log(`
The production variant is ready: docker-compose.prod.yml, compose/production, and
its settings and secrets in ${PROD_ENV_FILE} and ${PROD_DB_ENV_FILE} (kept out of git).
README.md ("Production") says how to build, migrate and start it. The site answers
on port ${String(this.answers.nginxPort)}, Flower at /flower/ with the login ${String(this.answers.flowerUser)}.`);
  }
}
