// A generated project's GitHub Actions workflow read by GitHub's own parser
// (@actions/workflow-parser), and the Compose commands its steps run.
import { convertWorkflowTemplate, isString, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { isActionStep, isJob, isRunStep } from '@actions/workflow-parser/model/type-guards';

interface WorkflowStep {
  job: string;
  name: string;
  /** The step's `if`, as GitHub reads it (`success()` when none is written). */
  condition: string;
  uses?: string;
  run?: string;
}

export interface ParsedWorkflow {
  /** What GitHub's parser and converter found wrong, one line each. */
  errors: string[];
  jobs: string[];
  steps: WorkflowStep[];
}

/** Parses and converts a workflow as GitHub does, collecting every error instead of throwing. */
export async function readWorkflow(name: string, content: string): Promise<ParsedWorkflow> {
  const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map(error => error.message);
  if (!parsed.value) return { errors: errors.length > 0 ? errors : [`${name}: nothing parsed`], jobs: [], steps: [] };
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  errors.push(...(template.errors ?? []).map(error => error.Message));
  const steps: WorkflowStep[] = [];
  const jobs: string[] = [];
  for (const job of template.jobs ?? []) {
    const id = job.id.value;
    jobs.push(id);
    if (!isJob(job)) continue;
    for (const step of job.steps) {
      const run = isRunStep(step) ? (isString(step.run) ? step.run.value : step.run.toString()) : undefined;
      const uses = isActionStep(step) ? step.uses.value : undefined;
      steps.push({
        job: id,
        name: step.name && isString(step.name) ? step.name.value : (uses ?? run ?? ''),
        condition: step.if?.expression ?? 'success()',
        uses,
        run,
      });
    }
  }
  return { errors, jobs, steps };
}

/** A shell word, or an operator that ends a simple command (`|`, `;`, `&&`, `)`, a newline...). */
type Token = { word: string } | { operator: string };

/**
 * Splits shell text into words (quotes removed, `$name` and `$(...)` kept as text) and
 * operators: enough for the plain one-line commands of a workflow's steps.
 */
function shellTokens(text: string): Token[] {
  const tokens: Token[] = [];
  let word: string | undefined;
  const end = () => {
    if (word !== undefined) tokens.push({ word });
    word = undefined;
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === "'" || char === '"') {
      const close = text.indexOf(char, i + 1);
      if (close < 0) throw new Error(`unclosed ${char} in: ${text}`);
      word = (word ?? '') + text.slice(i + 1, close);
      i = close;
    } else if (char === '$' && text[i + 1] === '(') {
      end();
      tokens.push({ operator: '$(' });
      i++;
    } else if (/[|;&()<>\n]/.test(char)) {
      end();
      const two = text.slice(i, i + 2);
      const operator = ['&&', '||', '<<', '>>'].includes(two) ? two : char;
      tokens.push({ operator });
      i += operator.length - 1;
    } else if (char === '#' && word === undefined) {
      i = text.indexOf('\n', i) < 0 ? text.length : text.indexOf('\n', i) - 1;
    } else if (/\s/.test(char)) {
      end();
    } else {
      word = (word ?? '') + char;
    }
  }
  end();
  return tokens;
}

/** `docker compose [-f FILE [-f OVERRIDE]...] SUBCOMMAND ...` as a step runs it. */
export interface ComposeCommand {
  /** The first Compose file (`-f`), the stack's, or docker-compose.yml. */
  file: string;
  /** The files given after it (`-f OVERRIDE`), merged on top of it in that order. */
  overrides: string[];
  subcommand: string;
  /** Every word after the subcommand. */
  args: string[];
}

/** The Compose commands in a step's script, in order. */
export function composeCommands(script: string): ComposeCommand[] {
  const commands: ComposeCommand[] = [];
  let words: string[] = [];
  const flush = () => {
    const start = words.findIndex((word, index) => word === 'docker' && words[index + 1] === 'compose');
    if (start >= 0) {
      const rest = words.slice(start + 2);
      const files: string[] = [];
      while (rest[0] === '-f') {
        files.push(rest[1]);
        rest.splice(0, 2);
      }
      const [file = 'docker-compose.yml', ...overrides] = files;
      commands.push({ file, overrides, subcommand: rest[0], args: rest.slice(1) });
    }
    words = [];
  };
  for (const token of shellTokens(script)) {
    if ('word' in token) words.push(token.word);
    else flush();
  }
  flush();
  return commands;
}

/** A command run inside a service of the stack (`compose run` or `compose exec`), its own options apart. */
export interface StackCommand {
  file: string;
  overrides: string[];
  service: string;
  /** `-e NAME=VALUE` given to `run` or `exec`. */
  environment: string[];
  argv: string[];
}

/** Options of `run` and `exec` that take no value (`--rm`, `-T`), and those that take one (`-e`). */
const FLAGS = new Set(['--rm', '-T', '--no-deps']);
const WITH_VALUE = new Set(['-e', '--env']);

/** The commands a Compose command runs inside a service; undefined for the other subcommands. */
export function stackCommand(command: ComposeCommand): StackCommand | undefined {
  if (command.subcommand !== 'run' && command.subcommand !== 'exec') return undefined;
  const args = [...command.args];
  const environment: string[] = [];
  while (args[0]?.startsWith('-')) {
    const option = args.shift()!;
    if (WITH_VALUE.has(option)) environment.push(args.shift()!);
    else if (!FLAGS.has(option)) throw new Error(`docker compose ${command.subcommand}: unknown option ${option}`);
  }
  const [service, ...argv] = args;
  return { file: command.file, overrides: command.overrides, service, environment, argv };
}
