// Asking one answer at the terminal, with the validator of its declaration.
import type Generator from 'yeoman-generator';
import type { AnswerSpec, Answers, Validator } from './answers.js';
import { fitTerminal, isPromptCancel, stop } from './command.js';

type Adapter = Generator['env']['adapter'];

/** Asks through Yeoman's adapter; Ctrl-C ends the run, saying nothing was written (questions come before any write). */
export async function prompt<T extends Record<string, unknown>>(adapter: Adapter, questions: Parameters<Adapter['prompt']>[0]): Promise<T> {
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
export async function ask(adapter: Adapter, spec: AnswerSpec, known: Partial<Answers>, check?: Validator): Promise<string> {
  const fallback = String(spec.default);
  if (spec.kind === 'confirm') {
    const reply = await prompt(adapter, [{ type: 'confirm', name: spec.name, message: spec.message, default: spec.default === true }]);
    return String(Boolean(reply[spec.name]));
  }
  // A password prompt shows no default, so an empty reply stands for it.
  const secret = spec.kind === 'password';
  const valueOf = (input: unknown) => (input === undefined || input === '' ? fallback : String(input));
  const reply = await prompt(adapter, [
    {
      type: secret ? 'password' : 'input',
      name: spec.name,
      message: secret ? `${spec.message} (leave empty for the default)` : spec.message,
      default: secret ? undefined : fallback,
      mask: secret ? '*' : undefined,
      validate: (input: unknown) => {
        const verdict = spec.validate(valueOf(input), known);
        const judged = verdict === true && check ? check(valueOf(input), known) : verdict;
        return judged === true || fitTerminal(judged);
      },
    },
  ]);
  return valueOf(reply[spec.name]);
}

/** Asks a yes-or-no question. */
export async function confirm(adapter: Adapter, name: string, message: string, fallback: boolean): Promise<boolean> {
  const reply = await prompt(adapter, [{ type: 'confirm', name, message, default: fallback }]);
  return Boolean(reply[name]);
}
