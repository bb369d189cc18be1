import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yosay from 'yosay';
import { answerSpecs, type Answers } from '../lib/answers.js';
import { AnswerError, BaseGenerator, CONFIG_KEY } from '../lib/base.js';

const SUB_GENERATORS = ['django', 'requirements', 'env', 'local', 'project'] as const;

/** The answers of this package in `folder/.yo-rc.json`, or undefined when it holds none. */
function projectAnswers(folder: string): Partial<Answers> | undefined {
  const file = join(folder, '.yo-rc.json');
  if (!existsSync(file)) return undefined;
  try {
    const stored = (JSON.parse(readFileSync(file, 'utf8')) as Record<string, Partial<Answers>>)[CONFIG_KEY];
    return stored?.projectName === undefined ? undefined : stored;
  } catch {
    throw new AnswerError(`${file} is not valid JSON: fix or remove it, then run again.`);
  }
}

/**
 * `yo django-celery`: asks (or takes from options) the project's answers, stores them in
 * .yo-rc.json and composes the generators that write the project.
 */
export default class AppGenerator extends BaseGenerator {
  private target = '';
  private stored: Partial<Answers> = {};
  private answers: Partial<Answers> = {};

  constructor(args: string[], options: BaseGenerator['options']) {
    super(args, options);
    this._declareOptions('app');
    this._declareOptions('prod');
  }

  async initializing(): Promise<void> {
    this.log(yosay('A Django project with Celery, Redis, Postgres and Flower, run by Docker Compose.'));
    const [nameSpec, ...rest] = answerSpecs('app');
    const here = this.destinationRoot();
    const inPlace = projectAnswers(here);
    if (inPlace) {
      // Run inside a generated project: regenerate it from its stored answers.
      this.stored = inPlace;
      this.target = here;
      const given = this.options[nameSpec.option];
      if (given !== undefined && given !== inPlace.projectName) {
        throw new AnswerError(
          `This folder holds the project "${inPlace.projectName}"; --project-name cannot rename it. Run outside it to create "${String(given)}".`,
        );
      }
      this.answers = { projectName: inPlace.projectName };
    } else {
      // Before asking anything, say every option a script would have to pass.
      const scopes = this.options.prod ? [...answerSpecs('app'), ...answerSpecs('prod')] : answerSpecs('app');
      this._assertCanAsk(this._unanswered(scopes, {}));
      this.answers = await this._resolveAnswers([nameSpec], {}, {});
      this.target = join(here, String(this.answers.projectName));
      if (existsSync(this.target) && readdirSync(this.target).length > 0) {
        const existing = projectAnswers(this.target);
        if (!existing) {
          throw new AnswerError(
            `${this.target} already exists and is not a project of this generator: choose another --project-name, or move that folder away.`,
          );
        }
        this.stored = existing;
      }
    }
    this.answers = await this._resolveAnswers(rest, this.answers, this.stored);
    if (this.answers.prod) {
      // Production's answers too are settled before anything is written; prod finds
      // them stored and asks nothing more.
      this.answers = await this._resolveAnswers(answerSpecs('prod'), this.answers, this.stored);
    }
  }

  configuring(): void {
    // Only now, with every answer valid, does anything touch the disk.
    this.destinationRoot(this.target);
    this.config.set(this.answers);
  }

  async composing(): Promise<void> {
    for (const name of SUB_GENERATORS) {
      await this._composeSibling(name);
    }
    if (this.answers.prod) {
      await this._composeSibling('prod');
    }
  }

  end(): void {
    const folder = this.target === this.env.cwd ? '.' : String(this.answers.projectName);
    this.log(`
Your project is ready in ${folder}. Start it with:

  cd ${folder}
  docker compose up -d --build

Django:  http://localhost:${this.answers.webPort}
Flower:  http://localhost:${this.answers.flowerPort}

Its README.md says how to run the tests and check a Celery task end to end.`);
  }
}
