// What every generator of this package shares: declaring the answers as options,
// resolving them (option, stored answer, default, prompt, in that order), and
// writing a template tree whose layout is the output's layout.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import Generator from 'yeoman-generator';
import { templateContext } from './context.js';
import { readEnvFile } from './quoting.js';
import { randomSecret } from './secrets.js';
import { ANSWERS, answerSpecs, type AnswerSpec, type AnswerValue, type Answers, type AppAnswers, type ProdAnswers } from './answers.js';

/** The key under which `.yo-rc.json` stores this package's answers. */
export const CONFIG_KEY = 'generator-django-celery';

/** The key under which `.yo-rc.json` records digests of the files the generator wrote. */
const FILES_KEY = `${CONFIG_KEY}:files`;

type MemFsFile = { path: string; contents: Buffer | null };

const digest = (contents: Buffer) => createHash('sha256').update(contents).digest('hex').slice(0, 16);

/** An answer that cannot be used; its message names the problem and the fix. */
export class AnswerError extends Error {
  override name = 'AnswerError';
}

export type SecretSource = (name: string) => string;

interface CommonOptions {
  defaults?: boolean;
  interactive?: boolean;
  secretSource?: SecretSource;
}

export abstract class BaseGenerator extends Generator {
  declare options: Generator['options'] & CommonOptions & Record<string, unknown>;

  constructor(args: string[], options: Generator['options'], features?: Generator['features']) {
    super(args, options, features);
    this.queueTask({
      method: () => this._guardUserEdits(),
      taskName: 'guardUserEdits',
      queueName: 'transform',
      once: true,
    });
  }

  /**
   * Tells the files the user edited from those the generator wrote and nobody touched
   * since, by the digests of what it wrote, recorded in `.yo-rc.json`. Untouched files
   * are rewritten without a question; Yeoman asks about edited ones. Without a terminal
   * nobody can answer, so the run stops before writing anything and names them
   * (`--force` overwrites them).
   */
  private _guardUserEdits(): void {
    const record = this.createStorage(this.destinationPath('.yo-rc.json'), { name: FILES_KEY });
    const recorded = record.getAll() as Record<string, string>;
    const written: Record<string, string> = { ...recorded };
    const edited: string[] = [];
    for (const file of this.env.sharedFs.all() as (MemFsFile & { state?: string; conflicter?: string })[]) {
      const path = relative(this.destinationRoot(), file.path).split(sep).join('/');
      if (file.state !== 'modified' || !file.contents || path.startsWith('..') || path === '.yo-rc.json') continue;
      written[path] = digest(file.contents);
      if (!existsSync(file.path)) continue;
      const disk = readFileSync(file.path);
      if (disk.equals(file.contents)) continue;
      if (recorded[path] === digest(disk)) file.conflicter = 'force';
      else edited.push(path);
    }
    if (edited.length > 0 && !process.stdin.isTTY && !this.options.interactive && !this.options.force) {
      throw new AnswerError(
        `You changed ${edited.join(', ')} since the generator wrote ${edited.length > 1 ? 'them' : 'it'}. Standard input is not a terminal, so nothing can ask whether to overwrite: pass --force to overwrite, or run in a terminal to decide file by file.`,
      );
    }
    // Rewritten whole, in path order, so the record does not depend on the order of runs.
    for (const path of Object.keys(recorded)) record.delete(path);
    record.set(Object.fromEntries(Object.entries(written).sort(([a], [b]) => (a < b ? -1 : 1))));
  }

  /** Declares the options of every answer of a scope, plus the common ones. */
  protected _declareOptions(scope: AnswerSpec['scope']): void {
    this.option('defaults', {
      type: Boolean,
      description: 'Take the default for every answer not given as an option; ask nothing',
    });
    this.option('interactive', {
      type: Boolean,
      description: 'Ask for missing answers even when standard input is not a terminal',
    });
    for (const spec of answerSpecs(scope)) {
      const choices = spec.choices ? ` (${spec.choices.join(', ')})` : '';
      this.option(spec.option, {
        type: spec.kind === 'confirm' ? Boolean : String,
        description: `${spec.message}${choices}; default: ${String(spec.default({}))}`,
      });
    }
  }

  /** The answers stored in `.yo-rc.json` of the destination, if any. */
  protected _storedAnswers(): Partial<Answers> {
    return (this.config.getAll() ?? {}) as Partial<Answers>;
  }

  /**
   * Resolves answers. A value given as an option wins, then a stored answer, then (with
   * --defaults) the default, then a prompt. Every value, whatever its source, passes the
   * same validator; an invalid option fails the run before anything is written.
   */
  protected async _resolveAnswers(
    specs: readonly AnswerSpec[],
    known: Partial<Answers>,
    stored: Partial<Answers>,
  ): Promise<Partial<Answers>> {
    const answers: Partial<Answers> = { ...known };
    const missing = this._unanswered(specs, stored);
    for (const spec of specs) {
      const given = this.options[spec.option];
      if (missing.includes(spec)) continue;
      if (given !== undefined) {
        this._assign(answers, spec, String(given), `--${spec.option}`);
      } else if (stored[spec.name] !== undefined) {
        this._assign(answers, spec, String(stored[spec.name]), `The stored answer "${spec.name}" in .yo-rc.json`);
      } else {
        // A default can clash with an answer given (two ports alike): it is checked too.
        this._assign(answers, spec, String(spec.default(answers)), `The default of --${spec.option}`);
      }
    }
    this._assertCanAsk(missing);
    for (const spec of missing) {
      (answers as Record<string, AnswerValue>)[spec.name] = await this._ask(spec, answers);
    }
    return answers;
  }

  /** The options this package declares, to hand on to the generators it composes. */
  protected _forwardedOptions(): Record<string, unknown> {
    const names = ['defaults', 'interactive', 'force', 'secretSource', ...ANSWERS.map(spec => spec.option)];
    return Object.fromEntries(names.filter(name => this.options[name] !== undefined).map(name => [name, this.options[name]]));
  }

  /** Fails fast, naming the options to pass, when answers are missing and nobody can type them. */
  protected _assertCanAsk(missing: readonly AnswerSpec[]): void {
    if (missing.length === 0 || this.options.interactive || process.stdin.isTTY) return;
    const flags = missing.map(spec => `--${spec.option}`).join(', ');
    throw new AnswerError(
      `Standard input is not a terminal, so nothing can be asked. Pass ${flags}, or --defaults to take the default of every answer not given.`,
    );
  }

  /** The answers that neither an option, a stored answer nor --defaults gives. */
  protected _unanswered(specs: readonly AnswerSpec[], stored: Partial<Answers>): AnswerSpec[] {
    return specs.filter(
      spec => this.options[spec.option] === undefined && stored[spec.name] === undefined && !this.options.defaults && spec.kind !== 'option',
    );
  }

  private _assign(answers: Partial<Answers>, spec: AnswerSpec, raw: string, source: string): void {
    const verdict = spec.validate(raw, answers);
    if (verdict !== true) {
      throw new AnswerError(`${source}: ${verdict}`);
    }
    (answers as Record<string, AnswerValue>)[spec.name] = spec.parse(raw);
  }

  private async _ask(spec: AnswerSpec, answers: Partial<Answers>): Promise<AnswerValue> {
    const fallback = spec.default(answers);
    if (spec.kind === 'confirm') {
      const reply = await this.env.adapter.prompt([
        { type: 'confirm', name: spec.name, message: spec.message, default: Boolean(fallback) },
      ]);
      return Boolean(reply[spec.name]);
    }
    // A password prompt shows no default, so an empty reply stands for it.
    const secret = spec.kind === 'password';
    const reply = await this.env.adapter.prompt([
      {
        type: secret ? 'password' : 'input',
        name: spec.name,
        message: secret ? `${spec.message} (leave empty for the default)` : spec.message,
        default: secret ? undefined : String(fallback),
        mask: secret ? '*' : undefined,
        validate: (input: unknown) => (secret && input === '') || spec.validate(String(input ?? ''), answers),
      },
    ]);
    const raw = String(reply[spec.name] ?? '');
    return secret && raw === '' ? fallback : spec.parse(raw);
  }

  /** The secret named `name`: from the injected source in tests, otherwise random. */
  protected _secret(name: string, random: () => string): string {
    return this.options.secretSource ? this.options.secretSource(name) : random();
  }

  /** The value of `key` in the destination's env file `file`, if it holds one. */
  protected _envFileValue(file: string, key: string): string | undefined {
    const text = this.fs.read(this.destinationPath(file), { defaults: '' }) ?? '';
    return readEnvFile(text).get(key) || undefined;
  }

  /** A secret that an existing env file already holds, or a new one: a re-run keeps it. */
  protected _keptSecret(file: string, key: string): string {
    return this._envFileValue(file, key) ?? this._secret(key, randomSecret);
  }

  /** Composes another generator of this package, handing on the options given to this one. */
  protected async _composeSibling(name: string): Promise<void> {
    // `.ts` when run from the sources (the unit tier), `.js` once built.
    const extension = import.meta.url.slice(import.meta.url.lastIndexOf('.'));
    await this.composeWith(fileURLToPath(new URL(`../${name}/index${extension}`, import.meta.url)), {
      generatorOptions: this._forwardedOptions(),
    });
  }

  /**
   * Renders every file under this generator's templates/ into the destination, at the
   * same relative path: `.ejs` is dropped, a leading `_` on a name becomes a dot
   * (`_gitignore` writes `.gitignore`), and a folder named `__project__` takes the
   * project name.
   */
  protected _renderTemplates(context: Record<string, unknown>, projectName: string): void {
    const root = this.templatePath();
    for (const file of listFiles(root)) {
      const target = relative(root, file)
        .split(sep)
        .map(part => (part === '__project__' ? projectName : part.replace(/^_(?!_)/, '.')))
        .join('/')
        .replace(/\.ejs$/, '');
      this.fs.copyTpl(file, this.destinationPath(target), context);
    }
  }
}

function listFiles(folder: string): string[] {
  return readdirSync(folder)
    .sort()
    .flatMap(name => {
      const path = join(folder, name);
      return statSync(path).isDirectory() ? listFiles(path) : [path];
    });
}

/**
 * A generator that writes part of an existing project from the answers stored in its
 * `.yo-rc.json` (by `yo django-celery`); composed by `app`, or run on its own.
 */
export abstract class ProjectGenerator extends BaseGenerator {
  constructor(args: string[], options: Generator['options']) {
    // Composed more than once (by `app` and by `prod`), it still runs once.
    super(args, options, { unique: 'namespace', inheritTasks: true });
  }

  /** Renders this generator's templates from the stored answers. */
  writing(): void {
    const answers = this._answers();
    this._renderTemplates(templateContext(answers), answers.projectName);
  }

  /** The stored answers, complete and valid, or an error saying how to get them. */
  protected _answers(): AppAnswers & Partial<ProdAnswers> {
    const stored = this._storedAnswers();
    const missing = answerSpecs('app').filter(spec => stored[spec.name] === undefined && spec.kind !== 'option');
    if (missing.length > 0) {
      throw new AnswerError(
        `${this.destinationPath('.yo-rc.json')} holds no answers of this generator (missing ${missing
          .map(spec => spec.name)
          .join(', ')}): run \`yo django-celery\` first to create the project, then run this inside its folder.`,
      );
    }
    const answers: Partial<Answers> = {};
    for (const spec of ANSWERS) {
      const value = stored[spec.name];
      if (value === undefined) {
        if (spec.scope === 'app') (answers as Record<string, AnswerValue>)[spec.name] = spec.default(answers);
        continue;
      }
      const verdict = spec.validate(String(value), answers);
      if (verdict !== true) throw new AnswerError(`The stored answer "${spec.name}" in .yo-rc.json: ${verdict}`);
      (answers as Record<string, AnswerValue>)[spec.name] = spec.parse(String(value));
    }
    return answers as AppAnswers & Partial<ProdAnswers>;
  }
}
