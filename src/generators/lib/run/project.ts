// A project's answers and the template values computed from them, once: the app settles
// them and hands them to every generator it composes; a generator run on its own loads
// them from .yo-rc.json through the same resolution.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { answerSpecs } from '../answers/answers.js';
import { commandOf } from '../answers/command.js';
import { assertUnlocked, notOwnProject, recoverInterruptedWrite } from '../files/commit.js';
import { templateContext, type ProjectAnswers, type TemplateContext } from '../values/context.js';
import { UserFacingError } from './errors.js';
import { storedAnswers } from './yo-rc.js';
import { resolveAnswers, unanswered, type AnswerSources } from '../answers/resolve.js';
import { lstatOrNone, notOwn } from '../files/trust.js';

export interface Project {
  readonly answers: ProjectAnswers;
  readonly context: TemplateContext;
}

export function projectOf(answers: ProjectAnswers): Project {
  return { answers, context: templateContext(answers) };
}

/**
 * The project whose answers `.yo-rc.json` (`configFile`) stores, every one validated as
 * if typed; production's answers are there when stored. Fails, saying to run the app
 * first, when the project's own answers are missing.
 */
export async function loadProject(
  stored: Readonly<Record<string, unknown>>,
  configFile: string,
  warn?: (message: string) => void,
): Promise<Project> {
  const sources: AnswerSources = { options: {}, stored, defaults: false };
  const missing = unanswered(answerSpecs('app'), sources);
  if (missing.length > 0) {
    // Outside any project there is no .yo-rc.json to blame.
    const what = existsSync(configFile)
      ? `${configFile} holds no answers of this generator (missing ${missing.map(spec => spec.name).join(', ')})`
      : `${dirname(configFile)} is not in a project of this generator (no .yo-rc.json here or in a folder above)`;
    throw new UserFacingError(
      `${what}: run \`${commandOf('app')}\` first to create the project, then run this inside its folder.`,
    );
  }
  const app = await resolveAnswers(answerSpecs('app'), sources, undefined, {}, warn);
  const prod = await resolveAnswers(
    answerSpecs('prod').filter(spec => stored[spec.name] !== undefined),
    sources,
    undefined,
    app,
  );
  const answers = await resolveAnswers(
    answerSpecs('kubernetes').filter(spec => stored[spec.name] !== undefined),
    sources,
    undefined,
    prod,
  );
  return projectOf(answers);
}

/**
 * Why `folder`, holding this generator's answers, staging folder or lock, is not one the
 * generator may adopt as the running user's project; undefined when it may.
 */
export function notAdoptable(folder: string): string | undefined {
  const own = notOwnProject(folder);
  if (own) return `the folder: ${own}`;
  const config = lstatOrNone(join(folder, '.yo-rc.json'));
  const file = config && notOwn(config, 'file', false);
  return file ? `.yo-rc.json: ${file}` : undefined;
}

/** Stops the run: `folder` holds a project the running user cannot vouch for. */
export function refuseAdoption(folder: string, why: string): UserFacingError {
  return new UserFacingError(
    `${folder} holds a project of this generator, but ${why}, so the generator stopped: it works only on a project of your own. If the project is yours, make it yours alone (chown it to your user, chmod o-w); otherwise run the generator in a folder of your own.`,
  );
}

/**
 * The folder of the project that holds `start` (itself or a parent, as git finds its
 * repository), or undefined: the nearest folder whose .yo-rc.json holds this
 * generator's answers. A folder the running user does not own, or others can write,
 * stops the run. A write that a killed run left halfway there is finished first
 * (saying so through `say`), and a run still writing there stops this one. Nothing is
 * recovered in a folder that is not a project of this generator.
 */
export function findProjectRoot(start: string, say: (line: string) => void): string | undefined {
  for (let folder = start; ; folder = dirname(folder)) {
    if (adoptProject(folder, say)) {
      assertUnlocked(folder);
      return folder;
    }
    if (dirname(folder) === folder) return undefined;
  }
}

/**
 * Whether `folder` is a project of this generator (its .yo-rc.json holds its answers)
 * that the running user may work on; a write that a killed run left halfway there is
 * finished first. One the user cannot vouch for stops the run.
 */
export function adoptProject(folder: string, say: (line: string) => void): boolean {
  if (!storedAnswers(folder)) return false;
  const why = notAdoptable(folder);
  if (why) throw refuseAdoption(folder, why);
  recoverInterruptedWrite(folder, say);
  return true;
}
