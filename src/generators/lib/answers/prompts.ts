// Asking one answer at the terminal, with the validator of its declaration.
import type Generator from 'yeoman-generator';
import type { AnswerSpec, Answers, Validator } from './answers.js';
import { fitTerminal, isPromptCancel, stop } from './command.js';
import { defaultOf } from './resolve.js';

type Adapter = Generator['env']['adapter'];

/** Asks through Yeoman's adapter; Ctrl-C ends the run, saying nothing was written (questions come before any write). */
async function prompt<T extends Record<string, unknown>>(
  adapter: Adapter,
  questions: Parameters<Adapter['prompt']>[0],
): Promise<T> {
  try {
    return (await adapter.prompt(questions)) as T;
  } catch (error) {
    if (isPromptCancel(error)) stop('Cancelled: nothing was written.');
    throw error;
  }
}

/**
 * Asks `spec` through Yeoman's adapter; returns the text typed, or the default's. An
 * empty reply (the default erased) takes the default. `check`, when given, judges a
 * valid reply further (whether its folder is free, for the project's name).
 */
export async function ask(
  adapter: Adapter,
  spec: AnswerSpec,
  known: Partial<Answers>,
  check?: Validator,
): Promise<string> {
  const paste = watchPastes();
  try {
    return await askOnce(adapter, spec, known, check, paste);
  } finally {
    paste.stop();
  }
}

/** What the terminal sent: whether a chunk held a line break with more text after it (a paste, never typing). */
interface PasteWatch {
  /** Whether a paste with a line break inside came since the last call. */
  taken(): boolean;
  stop(): void;
}

/** Watches standard input, before the prompt reads it, for a pasted line break. */
function watchPastes(): PasteWatch {
  let pasted = false;
  const listener = (chunk: Buffer | string) => {
    // Enter typed is a chunk of its own, or ends one; a paste sends the lines after it too.
    if (/[\r\n][^\r\n]/.test(String(chunk).replace(/\u001b\[20[01]~/g, ''))) pasted = true;
  };
  const input = process.stdin;
  if (input.isTTY) input.prependListener('data', listener);
  return {
    taken: () => {
      const was = pasted;
      pasted = false;
      return was;
    },
    stop: () => {
      input.removeListener('data', listener);
    },
  };
}

/** The refusal of an answer pasted with a line break inside: the rest of the paste is dropped, not taken for the next question. */
const PASTED_LINE_BREAK =
  'The text pasted holds a line break, so only its first line would be taken (and the rest would answer the next question): paste it on one line.';

async function askOnce(
  adapter: Adapter,
  spec: AnswerSpec,
  known: Partial<Answers>,
  check: Validator | undefined,
  paste: PasteWatch,
): Promise<string> {
  // The default offered is one this prompt accepts, given the answers so far.
  const fallback = defaultOf(spec, known, check);
  if (spec.kind === 'confirm') {
    const reply = await prompt(adapter, [
      { type: 'confirm', name: spec.name, message: spec.message, default: spec.default === true },
    ]);
    return String(Boolean(reply[spec.name]));
  }
  if (spec.kind === 'select') {
    const labels: Readonly<Record<string, string>> = ('labels' in spec ? spec.labels : undefined) ?? {};
    const choices = (('choices' in spec ? spec.choices : undefined) ?? []).map(value => ({
      name: labels[value] ? `${value}: ${labels[value]}` : value,
      value,
    }));
    const reply = await prompt(adapter, [
      { type: 'select', name: spec.name, message: spec.message, choices, default: fallback },
    ]);
    return String(reply[spec.name]);
  }
  // A password prompt shows no default, so an empty reply stands for it.
  const secret = spec.kind === 'password';
  const answerOf = (input: unknown) => (input === undefined || input === '' ? fallback : String(input));
  const reply = await prompt(adapter, [
    {
      type: secret ? 'password' : 'input',
      name: spec.name,
      message: secret ? `${spec.message} (leave empty for the default)` : spec.message,
      default: secret ? undefined : fallback,
      mask: secret ? '*' : undefined,
      validate: (input: unknown) => {
        if (paste.taken()) return fitTerminal(PASTED_LINE_BREAK);
        const verdict = spec.validate(answerOf(input), known);
        const judged = verdict === true && check ? check(answerOf(input), known) : verdict;
        return judged === true || fitTerminal(judged);
      },
    },
  ]);
  return answerOf(reply[spec.name]);
}

/** Asks a yes-or-no question. */
export async function confirm(adapter: Adapter, name: string, message: string, fallback: boolean): Promise<boolean> {
  const reply = await prompt(adapter, [{ type: 'confirm', name, message, default: fallback }]);
  return Boolean(reply[name]);
}
