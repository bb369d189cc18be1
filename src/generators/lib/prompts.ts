// Asking one answer at the terminal, with the validator of its declaration.
import type Generator from 'yeoman-generator';
import type { AnswerSpec, Answers } from './answers.js';

/** Asks `spec` through Yeoman's adapter; returns the text typed, or the default's. */
type Adapter = Generator['env']['adapter'];

export async function ask(adapter: Adapter, spec: AnswerSpec, known: Partial<Answers>): Promise<string> {
  const fallback = String(spec.default);
  if (spec.kind === 'confirm') {
    const reply = await adapter.prompt([{ type: 'confirm', name: spec.name, message: spec.message, default: spec.default === true }]);
    return String(Boolean(reply[spec.name]));
  }
  // A password prompt shows no default, so an empty reply stands for it.
  const secret = spec.kind === 'password';
  const reply = await adapter.prompt([
    {
      type: secret ? 'password' : 'input',
      name: spec.name,
      message: secret ? `${spec.message} (leave empty for the default)` : spec.message,
      default: secret ? undefined : fallback,
      mask: secret ? '*' : undefined,
      validate: (input: unknown) => (secret && input === '') || spec.validate(String(input ?? ''), known),
    },
  ]);
  const raw = String(reply[spec.name] ?? '');
  return secret && raw === '' ? fallback : raw;
}
