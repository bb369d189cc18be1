import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yosay from 'yosay';
import { answerSpecs, type Answers } from '../lib/answers.js';
import { AnswerError, BaseGenerator, CONFIG_KEY } from '../lib/base.js';
import { declareOptions } from '../lib/options.js';
import { hasAll, projectOf, type Project } from '../lib/project.js';
import { cannotAsk, unanswered } from '../lib/resolve.js';

const SUB_GENERATORS = ['django', 'requirements', 'env', 'local', 'project'] as const;

/** The answers of this package in `folder/.yo-rc.json`, or undefined when it holds none. */
function projectAnswers(folder: string): Record<string, unknown> | undefined {
  const file = join(folder, '.yo-rc.json');
  if (!existsSync(file)) return undefined;
  try {
    const config: unknown = JSON.parse(readFileSync(file, 'utf8'));
    const stored: unknown = typeof config === 'object' && config !== null ? Object.entries(config).find(([key]) => key === CONFIG_KEY)?.[1] : undefined;
    if (typeof stored !== 'object' || stored === null || !('projectName' in stored)) return undefined;
    return { ...stored };
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
  private stored: Record<string, unknown> = {};
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
    const inPlace = projectAnswers(here);
    let known: Partial<Answers>;
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
      known = await this._resolve([nameSpec], inPlace);
    } else {
      // Before asking anything, say every option a script would have to pass.
      const specs = this.options.prod ? [...answerSpecs('app'), ...answerSpecs('prod')] : answerSpecs('app');
      const missing = unanswered(specs, this._sources({}));
      if (missing.length > 0 && !this._canAsk()) throw cannotAsk(missing);
      known = await this._resolve([nameSpec], {});
      this.target = join(here, String(known.projectName));
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
    let answers = await this._resolve(rest, this.stored, known);
    if (answers.prod) {
      // Production's answers too are settled before anything is written; prod
      // receives them and asks nothing more.
      answers = await this._resolve(answerSpecs('prod'), this.stored, answers);
    }
    if (!hasAll(answers, answerSpecs('app'))) throw new AnswerError('Some answers of the project were not settled.');
    this.project = projectOf(answers);
  }

  configuring(): void {
    // Only now, with every answer valid, does anything touch the disk.
    this.destinationRoot(this.target);
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
