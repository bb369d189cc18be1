// A project's answers and the template values computed from them, once: the app settles
// them and hands them to every generator it composes; a generator run on its own loads
// them from .yo-rc.json through the same resolution.
import { answerSpecs, type AnswerName, type Answers } from './answers.js';
import { templateContext, type ProjectAnswers, type TemplateContext } from './context.js';
import { AnswerError } from './errors.js';
import { resolveAnswers, unanswered, type AnswerSources } from './resolve.js';

export interface Project {
  readonly answers: ProjectAnswers;
  readonly context: TemplateContext;
}

export function projectOf(answers: ProjectAnswers): Project {
  return { answers, context: templateContext(answers) };
}

/** Whether `answers` holds every answer of `specs`. */
export function hasAll<N extends AnswerName>(answers: Partial<Answers>, specs: readonly { name: N }[]): answers is Partial<Answers> & Pick<Answers, N> {
  return specs.every(spec => answers[spec.name] !== undefined);
}

/**
 * The project whose answers `.yo-rc.json` (`configFile`) stores, every one validated as
 * if typed; production's answers are there when stored. Fails, saying to run the app
 * first, when the project's own answers are missing.
 */
export async function loadProject(stored: Readonly<Record<string, unknown>>, configFile: string): Promise<Project> {
  const sources: AnswerSources = { options: {}, stored, defaults: false };
  const missing = unanswered(answerSpecs('app'), sources);
  if (missing.length > 0) {
    throw new AnswerError(
      `${configFile} holds no answers of this generator (missing ${missing
        .map(spec => spec.name)
        .join(', ')}): run \`yo django-celery\` first to create the project, then run this inside its folder.`,
    );
  }
  const app = await resolveAnswers(answerSpecs('app'), sources);
  const answers = await resolveAnswers(
    answerSpecs('prod').filter(spec => stored[spec.name] !== undefined),
    sources,
    undefined,
    app,
  );
  if (!hasAll(answers, answerSpecs('app'))) throw new AnswerError(`${configFile} is incomplete: run \`yo django-celery\` in this folder.`);
  return projectOf(answers);
}
