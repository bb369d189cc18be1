import { existsSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import yosay from 'yosay';
import { answerSpecs, type Answers } from '../lib/answers.js';
import { AnswerError, BaseGenerator } from '../lib/base.js';
import { assertUnlocked, onlyLeftovers, recoverInterruptedWrite, systemError } from '../lib/commit.js';
import { declareOptions } from '../lib/options.js';
import { findProjectRoot, hasAll, projectOf, storedAnswers, type Project } from '../lib/project.js';
import { cannotAsk, unanswered } from '../lib/resolve.js';

const SUB_GENERATORS = ['django', 'requirements', 'env', 'local', 'project'] as const;

/**
 * `yo django-celery`: asks (or takes from options) the project's answers, stores them in
 * .yo-rc.json and composes the generators that write the project.
 */
export default class AppGenerator extends BaseGenerator {
  private target = '';
  private stored: Record<string, unknown> = {};
  protected override createdRoot = false;
  private project!: Project;

  constructor(args: string[], options: BaseGenerator['options']) {
    super(args, options);
    declareOptions(this, 'app');
    declareOptions(this, 'prod');
  }

  async initializing(): Promise<void> {
    this.log(yosay('A Django project with Celery, Redis, Postgres and Flower, run by Docker Compose.'));
    const [nameSpec, ...rest] = answerSpecs('app');
    const here = this.destinationRoot();
    const root = findProjectRoot(here);
    const inPlace = root && storedAnswers(root);
    let known: Partial<Answers>;
    if (root && inPlace) {
      // Run inside a generated project (or one of its folders): regenerate it from its stored answers.
      if (root !== here) this.log(`Regenerating the project in ${relative(here, root)} (${root}).`);
      this._holdLock(root);
      this.stored = inPlace;
      this.target = root;
      const given = this.options[nameSpec.option];
      if (given !== undefined && given !== inPlace.projectName) {
        throw new AnswerError(
          `This folder holds the project "${inPlace.projectName}"; --project-name cannot rename it. Run outside it to create "${String(given)}".`,
        );
      }
      known = await this._resolve([nameSpec], inPlace);
    } else {
      // Before asking anything, say every option a script would have to pass.
      const specs = this.options.prod ? [...answerSpecs('app'), ...answerSpecs('prod')] : answerSpecs('app');
      const missing = unanswered(specs, this._sources({}));
      if (missing.length > 0 && !this._canAsk()) throw cannotAsk(missing);
      known = await this._resolve([nameSpec], {});
      this.target = join(here, String(known.projectName));
      if (existsSync(this.target) && !statSync(this.target).isDirectory()) {
        throw new AnswerError(`${this.target} is a file, not a folder: choose another --project-name, or move that file away.`);
      }
      if (existsSync(this.target)) {
        recoverInterruptedWrite(this.target);
        assertUnlocked(this.target);
      }
      if (existsSync(this.target) && !onlyLeftovers(this.target)) {
        const existing = storedAnswers(this.target);
        if (!existing) {
          throw new AnswerError(
            `${this.target} already exists and is not a project of this generator: choose another --project-name, or move that folder away.`,
          );
        }
        this.stored = existing;
      }
    }
    let answers = await this._resolve(rest, this.stored, known);
    if (answers.prod) {
      // Production's answers too are settled before anything is written; prod
      // receives them and asks nothing more.
      answers = await this._resolve(answerSpecs('prod'), this.stored, answers);
    }
    if (this.stored.prod === true && answers.prod === false) {
      throw new AnswerError(
        'This project has production (docker-compose.prod.yml, compose/production, .env/.prod, .env/.prod.db): --no-prod would leave them behind without gunicorn in requirements.txt. To drop production, move those files away (keep .env/.prod.db: it holds the password of the database volume), set "prod" to false in .yo-rc.json, then run again.',
      );
    }
    const production = answerSpecs('prod').filter(spec => this.options[spec.option] !== undefined);
    if (!answers.prod && production.length > 0) {
      throw new AnswerError(
        `${production.map(spec => `--${spec.option}`).join(', ')} ${production.length > 1 ? 'apply' : 'applies'} to production, which is off: add --prod (or, in a generated project, run \`yo django-celery:prod\`).`,
      );
    }
    if (!hasAll(answers, answerSpecs('app'))) throw new AnswerError('Some answers of the project were not settled.');
    this.project = projectOf(answers);
  }

  configuring(): void {
    // Only now, with every answer valid, does anything touch the disk (Yeoman creates
    // the folder; the write removes it again if it fails before anything is in place).
    this.createdRoot = !existsSync(this.target);
    try {
      this.destinationRoot(this.target);
    } catch (error) {
      throw systemError(error, 'create the folder', this.target, 'Nothing was written.');
    }
    this.config.set(this.project.answers);
  }

  async composing(): Promise<void> {
    for (const name of SUB_GENERATORS) {
      await this._composeSibling(name, this.project);
    }
    if (this.project.answers.prod) {
      await this._composeSibling('prod', this.project);
    }
  }

  end(): void {
    const { answers } = this.project;
    const folder = this.target === this.env.cwd ? '.' : answers.projectName;
    this.log(`
Your project is ready in ${folder}. Start it with:

  cd ${folder}
  docker compose up -d --build

Django:  http://localhost:${answers.webPort}
Flower:  http://localhost:${answers.flowerPort}

Its README.md says how to run the tests and check a Celery task end to end.`);
  }
}
