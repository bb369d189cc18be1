import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yosay from 'yosay';
import { answerSpecs, type Answers } from '../lib/answers.js';
import { AnswerError, BaseGenerator, CONFIG_KEY } from '../lib/base.js';
import { commandOf, plain } from '../lib/command.js';
import { readUsage, type Help } from '../lib/help.js';
import { declareOptions } from '../lib/options.js';
import { hasAll, projectOf, type Project } from '../lib/project.js';
import { confirm } from '../lib/prompts.js';
import { cannotAsk, unanswered } from '../lib/resolve.js';
import { summary } from '../lib/summary.js';

const SUB_GENERATORS = ['django', 'requirements', 'env', 'local', 'project'] as const;

/** Whether `folder` exists and holds something. */
const taken = (folder: string) => existsSync(folder) && readdirSync(folder).length > 0;

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
    // A greeting for a person at a terminal; a script's log gets only what concerns the project.
    if (process.stdout.isTTY) this.log(plain(yosay('A Django project with Celery, Redis, Postgres and Flower, run by Docker Compose.')));
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
      known = await this._chooseProject(here);
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

  /**
   * The project's name, and the folder it makes. A name typed at the prompt whose folder
   * is taken is refused there; one naming a project of this generator asks whether to
   * update that project, else asks the name again.
   */
  private async _chooseProject(here: string): Promise<Partial<Answers>> {
    const [nameSpec] = answerSpecs('app');
    const typed = this.options[nameSpec.option] === undefined && !this.options.defaults;
    for (;;) {
      const known = await this._resolve([nameSpec], {}, {}, name =>
        !taken(join(here, name)) || projectAnswers(join(here, name)) !== undefined || `${join(here, name)} already exists and is not a project of this generator: choose another name.`,
      );
      this.target = join(here, String(known.projectName));
      if (!taken(this.target)) return known;
      const existing = projectAnswers(this.target);
      if (!existing) {
        throw new AnswerError(
          `${this.target} already exists and is not a project of this generator: choose another --project-name, or move that folder away.`,
        );
      }
      if (!typed || !this._canAsk() || (await confirm(this.env.adapter, 'update', `${known.projectName} is a project of this generator already. Update it?`, true))) {
        this.stored = existing;
        return known;
      }
    }
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
    if (!this._written) return;
    const { answers } = this.project;
    const cd = this.target === this.env.cwd ? undefined : answers.projectName;
    this.log(summary({ report: this._written, answers, cd, stacks: { local: true, production: Boolean(answers.prod) } }));
  }

  protected override _helpGenerators(): Help['generators'] {
    const names = [...SUB_GENERATORS, 'prod'].sort();
    return {
      command: commandOf('<name>'),
      list: names.map(name => [name, readUsage(join(this.sourceRoot(), '..', '..', name, 'USAGE')).summary]),
    };
  }
}
