// What every generator of this package shares: its options, resolving answers through
// lib/answers/resolve, the project it writes (settled once by the app, or loaded from
// .yo-rc.json), composing its siblings, and writing through lib/write.
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import Generator from 'yeoman-generator';
import { ANSWERS, answerSpecs, type AnswerSpec, type Answers, type Validator } from '../answers/answers.js';
import {
  commandLine,
  commandOf,
  generatorNames,
  isPromptCancel,
  packageVersion,
  plainLogger,
  refuse,
  runByCommand,
  stop,
} from '../answers/command.js';
import { UserFacingError } from './errors.js';
import { holdLock } from '../files/commit.js';
import { commandLineTokens, readCommandLine, strayWord, type DeclaredOption } from '../answers/flags.js';
import { generatorHelp } from '../answers/help-page.js';
import { declareOptions, ownFlags } from '../answers/options.js';
import { OWN_FLAGS } from '../answers/own-flags.js';
import { adoptProject, findProjectRoot, loadProject, projectOf, type Project } from './project.js';
import { ask } from '../answers/prompts.js';
import { PARTIALS, STACK_TEMPLATES, renderTree } from '../files/render.js';
import { resolveAnswers, type AnswerSources } from '../answers/resolve.js';
import type { SecretSource } from '../values/secrets.js';
import type { ProjectAnswers } from '../values/context.js';
import { summary, type Summary } from './summary.js';
import { writeProject, type WriteReport } from '../files/write.js';
import { RunState } from './state.js';
import { storedAnswers } from './yo-rc.js';

export { UserFacingError } from './errors.js';

interface CommonOptions {
  /** `yo django-celery --version` (the entry point answers it before loading any generator). */
  version?: boolean;
  defaults?: boolean;
  interactive?: boolean;
  force?: boolean;
  /** Where secrets come from: random unless a test gives its own. */
  secretSource?: SecretSource;
  /** The project the app settled, handed to the generators it composes. */
  project?: Project;
  /** The run's state, handed on by the generator the user started. */
  runState?: RunState;
}

/**
 * Rethrows `error`, unless it is a refusal (a message naming the problem and its fix)
 * in a command the user typed: that ends the process with the message alone.
 */
function refused(error: unknown): never {
  if (error instanceof UserFacingError && runByCommand()) refuse(error);
  throw error;
}

export abstract class BaseGenerator extends Generator {
  declare options: Generator['options'] & CommonOptions & Record<string, unknown>;

  /** Whether this run created the project's folder (the write removes it again when it fails). */
  protected createdRoot = false;

  /** The run's state: the generator the user started makes it, and hands it to those it composes. */
  declare protected readonly runState: RunState;

  /** The generator the user started writes every file of the run, once, through lib/write. */
  override readonly customFeatures = this._claimWriting();

  /** What the run did to each file, once written; on the generator the user started only. */
  protected get _written(): WriteReport | undefined {
    return this.runState.starter === this ? this.runState.report : undefined;
  }

  /** Set once the questions are over and the files are being written. */
  private _writingFiles = false;

  private _claimWriting(): Generator['features'] {
    const handed = this.options.runState;
    Object.defineProperty(this, 'runState', { value: handed ?? new RunState(this), enumerable: false });
    if (handed) return {};
    plainLogger(this.env.adapter.log);
    // Ctrl-C at a question aborts Yeoman's adapter, which ends the run at once (yo exits
    // on it, printing its own frame): the sentence and the status are given here, first.
    const signal = this.env.adapter.signal;
    signal?.addEventListener('abort', () => {
      if (!runByCommand() || !isPromptCancel(signal.reason)) return;
      // lib/files/commit replaces the files all at once, after every question: nothing was written yet.
      if (this._writingFiles)
        stop(
          `Stopped before writing anything: run \`${commandLine(this._name(), this.runState.tokens)}\` again to write the project.`,
        );
      stop('Cancelled: nothing was written.');
    });
    return {
      // Nothing to write for --version; the project is Python: no npm install after writing.
      customCommitTask: this.options.version ? true : () => this._write(),
      customInstallTask: true,
    };
  }

  constructor(args: string[], options: Generator['options'], features?: Generator['features']) {
    // Yeoman reads .yo-rc.json while it builds the generator: a broken one is named here
    // first, and a write a killed run left halfway is finished first, so that the answers
    // read are the ones it put in place.
    const folder = typeof options.destinationRoot === 'string' ? options.destinationRoot : options.env?.cwd;
    try {
      if (folder) adoptProject(folder, line => options.env?.adapter.log(line));
    } catch (error) {
      refused(error);
    }
    super(args, options, features);
    declareOptions(this, this._name());
    this.queueTask({ method: () => this._readCommandLine(), taskName: 'readCommandLine', queueName: 'initializing' });
  }

  /** Every task of this generator: a refusal it throws ends the command with its sentence alone. */
  override queueTask(task: Parameters<Generator['queueTask']>[0]): void {
    const { method } = task;
    super.queueTask({
      ...task,
      method: async (...args: unknown[]) => {
        try {
          return await method.apply(this, args);
        } catch (error) {
          refused(error);
        }
      },
    });
  }

  /**
   * The generator the user started reads the command line strictly (lib/answers/flags) before
   * anything else, and takes each option's value from it, so that `yo` and
   * `create-django-celery` give every option the same meaning.
   */
  private _readCommandLine(): void {
    // `--version` through yo: the generator prints the version and runs nothing else.
    if (this.runState.starter !== this || this.options.version) return;
    // Yeoman's own options (--skip-cache, ...) and this generator's; the own flags from their table.
    const declared: DeclaredOption[] = [
      ...Object.values(this._options)
        .filter(option => !OWN_FLAGS.some(flag => flag.name === option.name))
        .map(option => ({
          name: option.name,
          type: option.type === Boolean ? ('boolean' as const) : ('string' as const),
          alias: option.alias,
        })),
      ...ownFlags(this._name()).map(flag => ({ name: flag.name, type: 'boolean' as const, alias: flag.alias })),
    ];
    this.runState.tokens = commandLineTokens(this._args);
    const given = readCommandLine(this.runState.tokens, declared, word => strayWord(word, generatorNames(), commandOf));
    if (given.interactive === true && !process.stdin.isTTY) {
      throw new UserFacingError(
        '--interactive needs a terminal on standard input: piped answers cannot be told apart one question from the next. Give the answers as options (see --help), or run in a terminal.',
      );
    }
    for (const [name, value] of Object.entries(given)) {
      // An answer's option has one spelling, its own (`web-port`); Yeoman reads its own
      // options (`--skip-install`) in camelCase, so those get the strict value under both.
      const answer = ANSWERS.some(spec => spec.option === name);
      const camel = name.replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
      Object.assign(this.options, answer ? { [name]: value } : { [name]: value, [camel]: value });
    }
  }

  /**
   * Holds the project's lock from now to the end of the run (or its failure), so that a
   * second run on the same project stops at once instead of writing over this one.
   */
  protected _holdLock(root: string): void {
    // Once per run: the generators it composes work on the same project.
    if (this.runState.root === root) return;
    const release = holdLock(root);
    this.runState.root = root;
    this.env.once('end', release);
    this.env.once('error', release);
  }

  /** Writes the run's files; Ctrl-C at the question whether to overwrite a changed file stops it, saying what to run again. */
  private async _write(): Promise<void> {
    this._writingFiles = true;
    try {
      this.runState.report = await writeProject(this, {
        root: this.destinationRoot(),
        createdRoot: this.createdRoot,
        canAsk: this._canAsk(),
        force: Boolean(this.options.force),
        privateFiles: this.runState.privateFiles,
        secretFiles: this.runState.secretFiles,
      });
    } catch (error) {
      // lib/files/commit replaces the files all at once, after every question: nothing was written yet.
      if (isPromptCancel(error))
        stop(
          `Stopped before writing anything: run \`${commandLine(this._name(), this.runState.tokens)}\` again to write the project.`,
        );
      refused(error);
    }
  }

  /** Notes that `file`, the user's once written, did not take `settings` (`KEY=value`) of this run: the summary says so. */
  protected _noteUnapplied(file: string, settings: string[]): void {
    if (settings.length > 0) this.runState.unapplied.set(file, settings);
  }

  /** Prints the summary of the run, with what `_noteUnapplied` noted. */
  protected _logSummary(parts: Omit<Summary, 'unapplied'>): void {
    this.log(summary({ ...parts, unapplied: this.runState.unapplied.size > 0 ? this.runState.unapplied : undefined }));
  }

  /** The project's folder as typed from where the user ran the command (`..` from `polls/`), or undefined when it is that one. */
  protected _cd(): string | undefined {
    return relative(this.env.cwd, this.destinationRoot()) || undefined;
  }

  /** This generator's name: `app`, `prod`, ... */
  protected _name(): string {
    return (
      String(this.options.namespace ?? 'django-celery:app')
        .split(':')
        .pop() ?? 'app'
    );
  }

  override async queueTasks(): Promise<void> {
    if (!this.options.version) return super.queueTasks();
    // `yo django-celery --version`: yo hands the flag to the generator, which only answers it.
    if (this.runState.starter === this) process.stdout.write(`${packageVersion()}\n`);
  }

  /** `--help`: the command as the user typed it, this generator's options, wrapped at 80 columns. */
  override help(): string {
    return generatorHelp(this._name());
  }

  /** Whether someone can answer a prompt. */
  protected _canAsk(): boolean {
    // A question nobody sees would wait forever: both ends must be a terminal, unless --interactive says it is seen.
    return Boolean(this.options.interactive || (process.stdin.isTTY && process.stdout.isTTY));
  }

  /** The answer sources of this run: its options, the given stored answers, --defaults. */
  protected _sources(stored: Readonly<Record<string, unknown>>): AnswerSources {
    return { options: this.options, stored, defaults: Boolean(this.options.defaults) };
  }

  /** The answers stored in `.yo-rc.json` of the destination, if any, through its one reader (lib/run/yo-rc). */
  protected _storedAnswers(): Record<string, unknown> {
    return storedAnswers(this.destinationRoot()) ?? {};
  }

  /** Resolves `specs` (lib/answers/resolve), asking at the terminal when someone can answer (a typed answer also passing `check`). */
  protected _resolve<S extends AnswerSpec, K extends Partial<Answers> = Partial<Answers>>(
    specs: readonly S[],
    stored: Readonly<Record<string, unknown>>,
    known: K = {} as K,
    check?: Validator,
  ): Promise<K & Pick<Answers, S['name']>> {
    const prompt = this._canAsk()
      ? (spec: AnswerSpec, so: Partial<Answers>) => ask(this.env.adapter, spec, so, check)
      : undefined;
    return resolveAnswers(specs, this._sources(stored), prompt, known, message => this.log(message));
  }

  /** The project to write: the one the app handed on, or the one .yo-rc.json stores. */
  protected _project(): Promise<Project> {
    // Settled once: the summary at the end reads the same project.
    this.loaded ??= this._loadProject();
    return this.loaded;
  }

  private loaded?: Promise<Project>;

  private async _loadProject(): Promise<Project> {
    if (this.options.project) return this.options.project;
    // Run on its own in a folder of a project: work on that project, as git would.
    const root = findProjectRoot(this.destinationRoot(), line => this.log(line));
    if (root && root !== this.destinationRoot()) {
      this.log(`Working on the project in ${root}.`);
      this.destinationRoot(root);
    }
    if (root) this._holdLock(root);
    return loadProject(this._storedAnswers(), this.destinationPath('.yo-rc.json'), message => this.log(message));
  }

  /**
   * The project with the answers of `scope` (a variant it adds) settled: the one the app
   * handed on, or the stored one with them resolved on top, unless `refuse` says why the
   * stored project cannot take the variant. Outside a project this fails before anything
   * is asked or written.
   */
  protected async _projectWith(
    scope: 'prod' | 'kubernetes',
    refuse: (known: ProjectAnswers) => string | undefined = () => undefined,
  ): Promise<Project> {
    if (this.options.project) return this.options.project;
    const { answers: known } = await this._project();
    const why = refuse(known);
    if (why) throw new UserFacingError(why);
    const on: Partial<Answers> = scope === 'prod' ? { prod: true } : { kubernetes: true };
    return projectOf(await this._resolve(answerSpecs(scope), this._storedAnswers(), { ...known, ...on }));
  }

  /** Composes another generator of this package with `project`, handing on the options that matter to it. */
  protected async _composeSibling(name: string, project: Project): Promise<void> {
    // `.ts` when run from the sources (the unit tier), `.js` once built.
    const extension = import.meta.url.slice(import.meta.url.lastIndexOf('.'));
    const handed = Object.fromEntries(
      ['force', 'secretSource'].filter(key => this.options[key] !== undefined).map(key => [key, this.options[key]]),
    );
    await this.composeWith<BaseGenerator>(fileURLToPath(new URL(`../../${name}/index${extension}`, import.meta.url)), {
      generatorOptions: { ...handed, project, runState: this.runState },
    });
  }

  /** Renders this generator's templates (and, for a stack, the templates both stacks share). */
  /** Renders this generator's templates (and a stack's common ones); `skip` leaves out the targets it names. */
  protected _render(
    project: Project,
    extra: object = {},
    stack?: 'local' | 'production',
    skip?: (target: string) => boolean,
  ): void {
    const context = {
      ...project.context,
      partials: PARTIALS,
      ...(stack ? { stack: project.context.stacks[stack] } : {}),
      ...extra,
    };
    const names = { package: project.answers.projectName, stack };
    renderTree(this, this.templatePath(), context, names, skip);
    if (stack) renderTree(this, STACK_TEMPLATES, context, names, skip);
    const { privateFiles = [], secretFiles = [] } = this.constructor as FilesOfSecrets;
    for (const file of privateFiles) this.runState.markPrivate(this.destinationPath(file));
    for (const file of secretFiles) this.runState.markSecret(this.destinationPath(file));
  }
}

/**
 * What a generator declares, beside its templates, of the files it writes that hold
 * secrets: `privateFiles` (mode 0600; never shown, compared or digested) and
 * `secretFiles` (never shown).
 */
interface FilesOfSecrets {
  privateFiles?: readonly string[];
  secretFiles?: readonly string[];
}

/**
 * A generator that writes part of a project from its answers; composed by `app`, or run
 * on its own inside a project.
 */
export abstract class ProjectGenerator extends BaseGenerator {
  constructor(args: string[], options: Generator['options']) {
    // Composed more than once (by `app` and by `prod`), it still runs once.
    super(args, options, { unique: 'namespace', inheritTasks: true });
  }

  async writing(): Promise<void> {
    this._render(await this._project());
  }

  /** Run on its own: what it wrote, and how to start the stack. */
  async end(): Promise<void> {
    if (!this._written) return;
    const { answers } = await this._project();
    this._logSummary({ report: this._written, answers, cd: this._cd(), stacks: { local: true, production: false } });
  }
}
