// Where each answer comes from, written once: an option given, then the answer stored in
// .yo-rc.json, then the default (with --defaults, or for an answer that is an option
// only), and else a prompt. Every value, whatever its source, passes the same
// validator, in the table's order, against the answers settled before it.
import { ANSWERS, type AnswerSpec, type Answers, type AnswerValue, applies, type Validator } from './answers.js';
import { UserFacingError } from '../run/errors.js';

export interface AnswerSources {
  /** Values given as options, by option name (`web-port`), as the command line gave them. */
  readonly options: Readonly<Record<string, unknown>>;
  /** Answers stored in .yo-rc.json, by answer name. */
  readonly stored: Readonly<Record<string, unknown>>;
  /** --defaults: the default of every answer that no option and no stored answer gives. */
  readonly defaults: boolean;
}

/** Whether .yo-rc.json holds answers of `spec`'s scope (a project made before `spec` existed, when it lacks `spec`). */
function storedScope(spec: AnswerSpec, sources: AnswerSources): boolean {
  return ANSWERS.some(
    other => other.scope === spec.scope && other !== spec && sources.stored[other.name] !== undefined,
  );
}

/** The text an answer takes from its sources, and where it came from (for messages); undefined when it must be asked. */
export function sourceOf(
  spec: AnswerSpec,
  sources: AnswerSources,
): { raw: string; from: string; stored?: true; fallback?: true } | undefined {
  const given = sources.options[spec.option];
  if (given !== undefined) return { raw: String(given), from: `--${spec.option}` };
  // An answer for one run only is never taken from .yo-rc.json, even if someone wrote it there.
  const stored = 'once' in spec ? undefined : sources.stored[spec.name];
  if (stored !== undefined) {
    const from = `The stored answer "${spec.name}" in .yo-rc.json`;
    // .yo-rc.json keeps each answer as the value its parser gives: a number for a port, true or false for a yes-or-no.
    if (typeof stored !== typeof spec.default) {
      throw new UserFacingError(
        `${from}: ${JSON.stringify(stored)} is not a ${typeof spec.default} (for example ${JSON.stringify(spec.default)}). Fix it, or remove it to be asked again.`,
      );
    }
    return { raw: String(stored), from, stored: true };
  }
  // A project whose answers were stored before this answer existed keeps how it was made.
  const predating = 'predating' in spec ? spec.predating : undefined;
  if (predating !== undefined && storedScope(spec, sources)) {
    return { raw: String(predating), from: `A project stored before --${spec.option} existed` };
  }
  if (sources.defaults || spec.kind === 'option')
    return { raw: String(spec.default), from: `The default of --${spec.option}`, fallback: true };
  return undefined;
}

/**
 * The default to offer for `spec`, given the answers settled so far: its declared one
 * when valid, else the nearest valid one after it (a port above the taken ones, a name
 * with `_2`, `_3`, ...), so that a default offered is never refused. `check` judges a
 * candidate further (whether a project name's folder is free).
 */
export function defaultOf(spec: AnswerSpec, known: Partial<Answers>, check?: Validator): string {
  const valid = (raw: string) => spec.validate(raw, known) === true && (check ? check(raw, known) === true : true);
  const declared = spec.default;
  if (valid(String(declared))) return String(declared);
  if (typeof declared === 'number') {
    for (let port = declared + 1; port <= 65535; port += 1) if (valid(String(port))) return String(port);
  } else if (typeof declared === 'string') {
    for (let index = 2; index < 100; index += 1) if (valid(`${declared}_${index}`)) return `${declared}_${index}`;
  }
  return String(declared);
}

/** The answers of `specs` that no source gives: they must be asked. */
export function unanswered<S extends AnswerSpec>(specs: readonly S[], sources: AnswerSources): S[] {
  // What the sources give, as far as it is valid: whether an answer that depends on others applies.
  const known: Record<string, AnswerValue> = {};
  for (const spec of specs) {
    const source = sourceOf(spec, sources);
    if (source && spec.validate(source.raw, known) === true) known[spec.name] = spec.parse(source.raw);
  }
  return specs.filter(spec => sourceOf(spec, sources) === undefined && applies(spec, known));
}

/** Sets one answer; the one place a parsed value enters the answers. */
function set<N extends keyof Answers>(answers: Partial<Answers>, name: N, value: Answers[N]): void {
  answers[name] = value;
}

/** Asks one answer, given those settled so far; returns the text typed (already valid). */
export type Ask = (spec: AnswerSpec, known: Partial<Answers>) => Promise<string>;

/** The message of a run that would have to ask, but cannot. */
/** Why nobody can answer a question: no terminal to type into, or none to show it. */
export function noTerminal(): string {
  return process.stdin.isTTY
    ? 'Standard output is not a terminal (a question would not be seen)'
    : 'Standard input is not a terminal';
}

/** The refusal of an option given for an answer that does not apply: its declaration says why, and what to do. */
function doesNotApply(spec: AnswerSpec, known: Partial<Answers>): string {
  const why = ('unless' in spec ? spec.unless : undefined) ?? 'it does not apply to the other answers. Leave it out.';
  const https = known.https === undefined ? '' : ` (HTTPS is "${known.https}" here)`;
  return `--${spec.option}${https}: ${why}`;
}

export function cannotAsk(missing: readonly AnswerSpec[]): UserFacingError {
  const flags = missing.map(spec => `--${spec.option}`).join(', ');
  return new UserFacingError(
    `${noTerminal()}, so nothing can be asked. Pass ${flags}, or --defaults to take the default of every answer not given.`,
  );
}

/**
 * Resolves the answers of `specs` on top of `known`. An invalid value from any source
 * fails with its source named, before anything is asked; answers no source gives are
 * asked with `ask`, or, without it, the run fails naming the options to pass.
 */
export async function resolveAnswers<S extends AnswerSpec, K extends Partial<Answers> = Partial<Answers>>(
  specs: readonly S[],
  sources: AnswerSources,
  ask?: Ask,
  known: K = {} as K,
  warn?: (message: string) => void,
): Promise<K & Pick<Answers, S['name']>> {
  const answers: Partial<Answers> = { ...known };
  /** The text of each answer validated here, and where it came from, for the last judgement. */
  const settled = new Map<string, { raw: string; from: string }>();
  const settle = (spec: AnswerSpec, raw: string, from: string, stored = false) => {
    const retiredValues = 'retired' in spec ? spec.retired : undefined;
    const retired = stored && retiredValues && Object.hasOwn(retiredValues, raw) ? retiredValues[raw] : undefined;
    if (retired !== undefined) {
      warn?.(
        `Warning: ${from} is ${raw}, which new projects can no longer choose: ${retired}. It is kept; pass --${spec.option} to move on.`,
      );
      set(answers, spec.name, spec.parse(raw));
      return;
    }
    const verdict = spec.validate(raw, answers);
    if (verdict !== true) throw new UserFacingError(`${from}: ${verdict}`);
    set(answers, spec.name, spec.parse(raw));
    settled.set(spec.name, { raw, from });
  };
  const missing: AnswerSpec[] = [];
  const defaulted: AnswerSpec[] = [];
  // An answer that applies only given others (`when`) is settled once they are.
  const conditional: AnswerSpec[] = [];
  for (const spec of specs) {
    const source = sourceOf(spec, sources);
    if ('when' in spec) conditional.push(spec);
    else if (source?.fallback) defaulted.push(spec);
    else if (source) settle(spec, source.raw, source.from, source.stored);
    else missing.push(spec);
  }
  // Defaults come after every answer given, so that a default never takes a port given to another answer.
  for (const spec of defaulted) settle(spec, defaultOf(spec, answers), `The default of --${spec.option}`);
  if (missing.length > 0 && !ask) {
    // Named with them: those that depend on others and apply as far as the answers go.
    const alsoMissing = conditional.filter(spec => sourceOf(spec, sources) === undefined && applies(spec, answers));
    throw cannotAsk(specs.filter(spec => missing.includes(spec) || alsoMissing.includes(spec)));
  }
  const unasked = new Set<string>();
  // Asked in the table's order, and each answer that depends on others once they are settled.
  for (const spec of specs.filter(each => missing.includes(each) || conditional.includes(each))) {
    if (missing.includes(spec)) {
      settle(spec, await (ask as Ask)(spec, answers), `The answer to "${spec.message}"`);
      continue;
    }
    const source = sourceOf(spec, sources);
    if (!applies(spec, answers)) {
      if (source && !source.fallback && !source.stored) throw new UserFacingError(doesNotApply(spec, answers));
      // A stored value is kept as it is, for when the answer applies again; it counts for no other answer.
      set(answers, spec.name, (source?.stored ? spec.parse(source.raw) : spec.default) as never);
      unasked.add(spec.name);
    } else if (source) {
      settle(spec, source.fallback ? defaultOf(spec, answers) : source.raw, source.from, source.stored);
    } else if (!ask) {
      throw cannotAsk([spec]);
    } else {
      settle(spec, await ask(spec, answers), `The answer to "${spec.message}"`);
    }
  }
  // Each value judged again against all the others, wherever they came from: an answer
  // given as an option before one asked after it (the host names, then the HTTPS mode).
  // An answer that does not apply counts for none of the others (nginx's port, unpublished, takes no port).
  const applying = Object.fromEntries(Object.entries(answers).filter(([name]) => !unasked.has(name)));
  for (const [name, { raw, from }] of settled) {
    const spec = specs.find(candidate => candidate.name === name);
    const verdict = spec ? spec.validate(raw, applying) : true;
    if (verdict !== true) throw new UserFacingError(`${from}: ${verdict}`);
  }
  // In the table's order, whatever order they were settled in (.yo-rc.json keeps it).
  const ordered: Partial<Answers> = { ...known };
  for (const spec of specs) if (spec.name in answers) set(ordered, spec.name, answers[spec.name] as never);
  // Every spec is settled by now: from its source, its default or the prompt, else one of the errors above.
  return ordered as K & Pick<Answers, S['name']>;
}
