// The command line around the generators: which command the user typed (`yo
// django-celery` or this package's own `create-django-celery`), the package's version,
// and how a run stops on Ctrl-C. The entry point sets the command before it loads the
// generators; under `yo`, nothing sets it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { wrap } from './help.js';

/** The package's own entry point. */
const ENTRY_POINT = 'create-django-celery';

/** The word naming one of this package's generators on yo's command line: `django-celery`, `django-celery:prod`. */
export const YO_GENERATOR_WORD = /^(generator-)?django-celery(:[\w-]+)?$/;

/** Whether this process is the package's own entry point: which program runs, set once, before Yeoman loads. */
let entryPoint = false;

/** Called by the entry point: the user typed `create-django-celery`. */
export function useEntryPoint(): void {
  entryPoint = true;
}

/** The command that runs generator `name` (`app`, `prod`, ...), as the user types it. */
export function commandOf(name: string): string {
  if (entryPoint) return name === 'app' ? ENTRY_POINT : `${ENTRY_POINT} ${name}`;
  return name === 'app' ? 'yo django-celery' : `yo django-celery:${name}`;
}

/**
 * Whether this process is a command the user typed to run this package's generators
 * (`create-django-celery`, or `yo` naming one of them), rather than a test or another
 * generator composing them: only then does a refusal end the process itself.
 */
export function runByCommand(): boolean {
  return entryPoint || process.argv.slice(2).some(arg => YO_GENERATOR_WORD.test(arg));
}

/**
 * Earlier names of generators, each a folder that re-exports the generator it names now:
 * what users typed keeps working, and no list or help shows them.
 */
export const GENERATOR_ALIASES: Readonly<Record<string, string>> = { project: 'repo' };

/** The generator that `name` runs: itself, or the one an earlier name now stands for. */
export function generatorOf(name: string): string {
  return Object.hasOwn(GENERATOR_ALIASES, name) ? GENERATOR_ALIASES[name] : name;
}

/** The names of this package's generators (`app`, `prod`, ...): the folders beside lib/, earlier names aside. */
export function generatorNames(): string[] {
  const here = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  return readdirSync(here, { withFileTypes: true })
    .filter(entry => entry.isDirectory() && entry.name !== 'lib' && !Object.hasOwn(GENERATOR_ALIASES, entry.name))
    .map(entry => entry.name)
    .sort();
}

/** `arg` as a shell reads it back: bare when it holds nothing special, else single-quoted. */
function shellWord(arg: string): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.split("'").join(`'\\''`)}'`;
}

/** The command line that runs generator `name` with `tokens` (the words typed after its name), as typed. */
export function commandLine(name: string, tokens: readonly string[]): string {
  return [commandOf(name), ...tokens.map(shellWord)].join(' ');
}

/** This package's version, from its package.json (found above this file, built or not). */
export function packageVersion(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(folder, 'package.json'))) {
    const parent = dirname(folder);
    if (parent === folder) return 'unknown';
    folder = parent;
  }
  return String(JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')).version);
}

/** Whether colours may be printed to `stream`: a terminal, and NO_COLOR not set. */
function colorsAllowed(stream: NodeJS.WriteStream = process.stdout): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR;
}

/**
 * Makes Yeoman's logger print no line naming a failing task (the error says what is
 * wrong), and its status words (create, force, identical, ...) no escape codes where
 * colours are not allowed. Under `yo`, that logger and its colours
 * were set up by yo itself, before this package was loaded, without regard to NO_COLOR.
 */
export function plainLogger(log: {
  write: (...parts: unknown[]) => unknown;
  error: (...parts: unknown[]) => unknown;
}): void {
  // Yeoman names the failing task before the error itself is printed: a refusal stays one line.
  const error = log.error.bind(log);
  log.error = (...parts: unknown[]) =>
    typeof parts[0] === 'string' && parts[0].startsWith('An error occured while running ') ? log : error(...parts);
  if (colorsAllowed(process.stderr)) return;
  const write = log.write.bind(log);
  log.write = (...parts: unknown[]) =>
    write(...parts.map(part => (typeof part === 'string' ? stripVTControlCharacters(part) : part)));
}

/** `text` without escape codes unless colours are allowed. */
export function plain(text: string): string {
  return colorsAllowed() ? text : stripVTControlCharacters(text);
}

/** Inquirer's error for a prompt closed by Ctrl-C (or its signal). */
export function isPromptCancel(error: unknown): boolean {
  return error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError');
}

/** `text` broken between words to fit the terminal `stream` is, if it is one. */
export function fitTerminal(text: string, stream: NodeJS.WriteStream = process.stdout): string {
  return stream.isTTY && stream.columns ? wrap(text, stream.columns - 2).join('\n') : text;
}

/** Ends the run on Ctrl-C: one sentence on standard error, exit status 130 (as for SIGINT). */
export function stop(sentence: string): never {
  return end(sentence, 130);
}

/**
 * Ends a refused run: its sentence alone on standard error (no frame of Yeoman's or
 * yo's around it), exit status 1, through either entry point.
 */
export function refuse(error: Error): never {
  return end(error.message, 1);
}

function end(sentence: string, status: number): never {
  process.stderr.write(`\n${fitTerminal(sentence, process.stderr)}\n`);
  process.exit(status);
}
