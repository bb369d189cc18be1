import { answerSpecs } from '../lib/answers.js';
import { AnswerError, ProjectGenerator } from '../lib/base.js';
import { commandOf } from '../lib/command.js';
import { declareOptions } from '../lib/options.js';
import { hasAll, projectOf, type Project } from '../lib/project.js';
import { addMissingSettings, envValue } from '../lib/quoting.js';
import { envFileValue, keptSecret } from '../lib/secrets.js';
import { summary } from '../lib/summary.js';
import { readRegularFile } from '../lib/trust.js';
import { markPrivate } from '../lib/write.js';

export const PROD_ENV_FILE = '.env/.prod';
export const PROD_DB_ENV_FILE = '.env/.prod.db';

/**
 * `yo django-celery:prod`: adds the production variant (gunicorn behind nginx) to a
 * project, asking only what production needs. `app` composes it when asked to, with
 * production's answers already settled.
 */
export default class ProdGenerator extends ProjectGenerator {
  private project!: Project;

  constructor(args: string[], options: ProjectGenerator['options']) {
    super(args, options);
    declareOptions(this, 'prod');
  }

  async prompting(): Promise<void> {
    if (this.options.project) {
      this.project = this.options.project;
      return;
    }
    // Outside a generated project this fails before anything is asked or written.
    const { answers: known } = await this._project();
    const answers = await this._resolve(answerSpecs('prod'), this._storedAnswers(), { ...known, prod: true });
    if (!hasAll(answers, answerSpecs('app')))
      throw new AnswerError(`The project's answers are incomplete: run \`${commandOf('app')}\` in this folder.`);
    this.project = projectOf(answers);
  }

  async configuring(): Promise<void> {
    const { nginxPort, allowedHosts, flowerUser } = this.project.answers;
    this.config.set({ prod: true, nginxPort, allowedHosts, flowerUser });
    // README.md gains its production section. Under `app`, which composes it already, it
    // still runs once. Production's requirements are its own file (requirements-prod.txt):
    // requirements.txt, which the user adds to, stays as it is.
    await this._composeSibling('project', this.project);
  }

  override async writing(): Promise<void> {
    const source = this.options.secretSource;
    const kept = (key: string) => keptSecret(this, PROD_ENV_FILE, key, source);
    // The database's password is the one its data volume was created with: keep it.
    const databasePassword = envFileValue(this, PROD_DB_ENV_FILE, 'POSTGRES_PASSWORD') ?? kept('SQL_PASSWORD');
    this._render(
      this.project,
      {
        secrets: {
          SECRET_KEY: envValue(kept('SECRET_KEY')),
          DATABASE_PASSWORD: envValue(databasePassword),
          CELERY_FLOWER_PASSWORD: envValue(kept('CELERY_FLOWER_PASSWORD')),
        },
      },
      'production',
    );
    for (const file of [PROD_ENV_FILE, PROD_DB_ENV_FILE]) {
      const path = this.destinationPath(file);
      // Once written, the file is the user's: a re-run keeps every line and only adds new settings.
      const own = readRegularFile(path);
      if (own !== undefined) this.fs.write(path, addMissingSettings(own, this.fs.read(path) ?? ''));
      // It holds secrets: readable by its owner only, and never compared, shown or digested.
      markPrivate(path);
    }
  }

  override async end(): Promise<void> {
    // Composed by the app, whose summary tells about production too.
    if (!this._written) return;
    this.log(
      summary({
        report: this._written,
        answers: this.project.answers,
        cd: this._cd(),
        stacks: { local: false, production: true },
      }),
    );
  }
}
