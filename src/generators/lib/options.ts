// The command-line options of a generator, declared from the answers table.
import type Generator from 'yeoman-generator';
import { answerSpecs, type Scope } from './answers.js';

/** Declares `--defaults`, `--interactive` and the option of every answer of `scope`. */
export function declareOptions(generator: Generator, scope: Scope): void {
  generator.option('defaults', {
    type: Boolean,
    description: 'Take the default for every answer not given as an option; ask nothing',
  });
  generator.option('interactive', {
    type: Boolean,
    description: 'Ask for missing answers even when standard input is not a terminal',
  });
  for (const spec of answerSpecs(scope)) {
    const choices = 'choices' in spec && spec.choices ? ` (${spec.choices.join(', ')})` : '';
    generator.option(spec.option, {
      type: typeof spec.default === 'boolean' ? Boolean : String,
      description: `${spec.message}${choices}; default: ${String(spec.default)}`,
    });
  }
}
