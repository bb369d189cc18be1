import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { answerSpec, answerSpecs, storable, type Answers } from '../lib/answers/answers.js';
import { UserFacingError, BaseGenerator } from '../lib/run/base.js';
import { commandOf, plain } from '../lib/answers/command.js';
import {
  assertUnlocked,
  LOCK,
  onlyLeftovers,
  recoverInterruptedWrite,
  STAGING,
  systemError,
} from '../lib/files/commit.js';
import { findProjectRoot, notAdoptable, projectOf, refuseAdoption, type Project } from '../lib/run/project.js';
import { storedAnswers } from '../lib/run/yo-rc.js';
import { confirm } from '../lib/answers/prompts.js';
import { cannotAsk, unanswered } from '../lib/answers/resolve.js';
import { lstatOrNone } from '../lib/files/trust.js';
import { settlePostgresMajor } from '../lib/run/upgrade.js';

const SUB_GENERATORS = ['django', 'requirements', 'env', 'local', 'repo'] as const;

/**
 * `yo django-celery`: asks (or takes from options) the project's answers, stores them in
 * .yo-rc.json and composes the generators that write the project.
 */
export default class AppGenerator extends BaseGenerator {
  private target = '';
  private stored: Record<string, unknown> = {};
  protected override createdRoot = false;
  private project!: Project;
  /** Whether the project's folder did not exist when its name was chosen. */
  private fresh = false;

  /** The project's name, once settled (the stored answers' folder with it). */
  private known!: Pick<Answers, 'projectName'>;

  /** Named steps: greet, find the project (or choose a new one), settle every answer, check production's. */
  get initializing() {
    return {
      greet: async () => {
        // A greeting for a person at a terminal; a script's log gets only what concerns the
        // project (and its run does not load the greeting's module).
        if (!process.stdout.isTTY) return;
        const { default: yosay } = await import('yosay');
        this.log(plain(yosay('A Django project with Celery, Redis, Postgres and Flower, run by Docker Compose.')));
      },
      findProject: () => this._findProject(),
      settleAnswers: () => this._settleAnswers(),
    };
  }

  /** Regenerates the project this folder is in, from its stored answers; else chooses a new project's name and folder. */
  private async _findProject(): Promise<void> {
    const nameSpec = answerSpec('projectName');
    const here = this.destinationRoot();
    const root = findProjectRoot(here, line => this.log(line));
    const inPlace = root && storedAnswers(root);
    if (root && inPlace) {
      // Run inside a generated project (or one of its folders): regenerate it from its stored answers.
      if (root !== here) this.log(`Regenerating the project in ${relative(here, root)} (${root}).`);
      this._holdLock(root);
      this.stored = inPlace;
      this.target = root;
      const given = this.options[nameSpec.option];
      if (given !== undefined && given !== inPlace.projectName) {
        throw new UserFacingError(
          `This folder holds the project "${inPlace.projectName}"; --project-name cannot rename it. Run outside it to create "${String(given)}".`,
        );
      }
      this.known = await this._resolve([nameSpec], inPlace);
      return;
    }
    // Before asking anything, say every option a script would have to pass.
    const specs = [
      ...answerSpecs('app'),
      ...(this.options.prod ? answerSpecs('prod') : []),
      ...(this.options.prod && this.options.kubernetes ? answerSpecs('kubernetes') : []),
    ];
    const missing = unanswered(specs, this._sources({}));
    if (missing.length > 0 && !this._canAsk()) throw cannotAsk(missing);
    this.known = await this._chooseProject(here);
  }

  /** Every other answer, production's included, settled before anything is written; a change they cannot make stops here. */
  private async _settleAnswers(): Promise<void> {
    const rest = answerSpecs('app').filter(spec => spec.name !== 'projectName');
    // A change of Postgres major stops here, before anything is written, unless --postgres-upgrade asks for it.
    let answers = settlePostgresMajor(
      this.stored,
      await this._resolve(rest, this.stored, this.known),
      this.options['postgres-volume-per-major'] === false,
    );
    if (answers.prod) {
      // Production's answers too are settled before anything is written; prod
      // receives them and asks nothing more.
      answers = await this._resolve(answerSpecs('prod'), this.stored, answers);
    }
    if (this.stored.prod === true && answers.prod === false) {
      throw new UserFacingError(
        'This project has production (docker-compose.prod.yml, requirements-prod.txt, compose/production, .env/.prod, .env/.prod.db): --no-prod would leave them behind. To drop production, move those files away (keep .env/.prod.db: it holds the password of the database volume), set "prod" to false in .yo-rc.json, then run again.',
      );
    }
    const production = answerSpecs('prod').filter(spec => this.options[spec.option] !== undefined);
    if (!answers.prod && production.length > 0) {
      throw new UserFacingError(
        `${production.map(spec => `--${spec.option}`).join(', ')} ${production.length > 1 ? 'apply' : 'applies'} to production, which is off: add --prod (or, in a generated project, run \`${commandOf('prod')}\`).`,
      );
    }
    if (this.stored.kubernetes === true && answers.kubernetes === false) {
      throw new UserFacingError(
        'This project has Kubernetes manifests (k8s/): --no-kubernetes would leave them behind. To drop them, move k8s/ away, set "kubernetes" to false in .yo-rc.json, then run again.',
      );
    }
    const cluster = answerSpecs('kubernetes').filter(spec => this.options[spec.option] !== undefined);
    if (!answers.kubernetes && cluster.length > 0) {
      throw new UserFacingError(
        `${cluster.map(spec => `--${spec.option}`).join(', ')} ${cluster.length > 1 ? 'apply' : 'applies'} to the Kubernetes manifests, which are off: add --kubernetes (or, in a generated project, run \`${commandOf('kubernetes')}\`).`,
      );
    }
    if (answers.kubernetes) {
      answers = await this._resolve(answerSpecs('kubernetes'), this.stored, answers);
    }
    this.project = projectOf(answers);
  }

  /**
   * The project's name, and the folder it makes. A name typed at the prompt whose folder
   * is taken is refused there; one naming a project of this generator asks whether to
   * update that project, else asks the name again.
   */
  private async _chooseProject(here: string): Promise<Pick<Answers, 'projectName'>> {
    const nameSpec = answerSpec('projectName');
    const typed = this.options[nameSpec.option] === undefined && !this.options.defaults;
    /** Projects the user chose not to update: asked again, the name is another one. */
    const declined = new Set<string>();
    /** At the prompt: true when the folder of `name` can hold the project, or why not. */
    const free = (name: string) => {
      const folder = join(here, name);
      if (declined.has(name)) return `You chose not to update ${name}: choose another name.`;
      if (lstatOrNone(folder)?.isSymbolicLink())
        return `${folder} is a symbolic link: the generator does not write through links. Choose another name.`;
      if (!existsSync(folder)) return true;
      if (!statSync(folder).isDirectory()) return `${folder} is a file, not a folder: choose another name.`;
      return (
        onlyLeftovers(folder) ||
        storedAnswers(folder) !== undefined ||
        `${folder} already exists and is not a project of this generator: choose another name.`
      );
    };
    for (;;) {
      const known = await this._resolve([nameSpec], {}, {}, free);
      this.target = join(here, String(known.projectName));
      if (lstatOrNone(this.target)?.isSymbolicLink()) {
        throw new UserFacingError(
          `${this.target} is a symbolic link: the generator does not write through links. Choose another --project-name, or replace the link with a real folder.`,
        );
      }
      if (existsSync(this.target) && !statSync(this.target).isDirectory()) {
        throw new UserFacingError(
          `${this.target} is a file, not a folder: choose another --project-name, or move that file away.`,
        );
      }
      if (existsSync(this.target)) {
        const marks = ['.yo-rc.json', STAGING, LOCK].filter(name => lstatOrNone(join(this.target, name)));
        const why = marks.length > 0 ? notAdoptable(this.target) : undefined;
        if (why) throw refuseAdoption(this.target, why);
        recoverInterruptedWrite(this.target, line => this.log(line));
        assertUnlocked(this.target);
      }
      if (!existsSync(this.target)) {
        this.fresh = true;
        return known;
      }
      if (onlyLeftovers(this.target)) return known;
      const existing = storedAnswers(this.target);
      if (!existing) {
        throw new UserFacingError(
          `${this.target} already exists and is not a project of this generator: choose another --project-name, or move that folder away.`,
        );
      }
      if (
        !typed ||
        !this._canAsk() ||
        (await confirm(
          this.env.adapter,
          'update',
          `${known.projectName} is a project of this generator already. Update it?`,
          true,
        ))
      ) {
        this.stored = existing;
        return known;
      }
      declined.add(String(known.projectName));
    }
  }

  configuring(): void {
    // Only now, with every answer valid, does anything touch the disk (Yeoman creates
    // the folder; the write removes it again if it fails before anything is in place).
    // A new project is claimed now, even if its folder appeared while the questions were asked.
    if (this.fresh) this._claim();
    this.createdRoot = this.fresh;
    try {
      this.destinationRoot(this.target);
    } catch (error) {
      throw systemError(error, 'create the folder', this.target, 'Nothing was written.');
    }
    // An answer for this run only (--postgres-upgrade) is not kept: the next run is guarded again.
    this.config.set(storable(this.project.answers));
  }

  /**
   * Claims the new project's folder for this run, at once: of two runs creating it, the
   * one that creates the folder takes its lock, and the other stops here, having
   * written nothing (its answers never replace the first one's, nor its secrets).
   */
  private _claim(): void {
    try {
      mkdirSync(this.target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
        throw systemError(error, 'create the folder', this.target, 'Nothing was written.');
      throw new UserFacingError(
        `Another run of the generator holds ${this.target}, which it created after this run began: this run stopped without writing anything. When that run ends, run again in ${this.target} to update the project.`,
      );
    }
    this._holdLock(this.target);
  }

  async composing(): Promise<void> {
    for (const name of SUB_GENERATORS) {
      await this._composeSibling(name, this.project);
    }
    if (this.project.answers.customUser) {
      await this._composeSibling('users', this.project);
    }
    if (this.project.answers.prod) {
      await this._composeSibling('prod', this.project);
    }
    if (this.project.answers.kubernetes) {
      await this._composeSibling('kubernetes', this.project);
    }
  }

  end(): void {
    if (!this._written) return;
    const { answers } = this.project;
    const cd = relative(this.env.cwd, this.target) || undefined;
    this._logSummary({
      report: this._written,
      answers,
      cd,
      stacks: { local: true, production: Boolean(answers.prod), kubernetes: Boolean(answers.kubernetes) },
    });
  }
}
