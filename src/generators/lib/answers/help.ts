// `--help` of every generator, laid out for an 80-column terminal: lines break between
// words only, option descriptions in a column of their own.
import { existsSync, readFileSync } from 'node:fs';

const WIDTH = 80;
/** Where option descriptions start. */
const COLUMN = 32;

/** One row of the options list: `--web-port <port>` and what it does. */
export interface HelpOption {
  flags: string;
  description: string;
}

/** A space that `wrap` never breaks a line at (a default value of several words stays on one line). */
export const KEEP_TOGETHER = '\u00a0';

/** `text` in lines of at most `width` characters, broken between words (a longer word stands alone). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/[ \t\n]+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.map(each => each.replaceAll(KEEP_TOGETHER, ' '));
}

const indent = (lines: string[], prefix: string) => lines.map(line => `${prefix}${line}`);

/** A generator's USAGE file: a one-line summary, paragraphs of description, then `Examples:` lines. */
export interface Usage {
  summary: string;
  paragraphs: string[];
  examples: string[];
}

export function readUsage(file: string): Usage {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const [body, examples = ''] = text.split(/^Examples:\s*$/m);
  const [summary = '', ...paragraphs] = body
    .split(/\n\s*\n/)
    .map(paragraph => paragraph.trim().replace(/\s+/g, ' '))
    .filter(Boolean);
  return {
    summary,
    paragraphs,
    examples: examples
      .split('\n')
      .map(line => line.trim())
      .filter(Boolean),
  };
}

export interface Help {
  /** The command as typed, without options: `create-django-celery prod`. */
  command: string;
  usage: Usage;
  options: HelpOption[];
  /** Other generators the command can run: how to run one (`yo django-celery:<name>`), and each name with its summary. */
  generators?: { command: string; list: [name: string, summary: string][] };
}

/** The help text, every line at most 80 columns unless a single word is longer. */
export function renderHelp({ command, usage, options, generators }: Help): string {
  const out = [`Usage: ${command} [options]`, ''];
  for (const paragraph of [usage.summary, ...usage.paragraphs]) {
    out.push(...wrap(paragraph, WIDTH), '');
  }
  out.push('Options:');
  for (const { flags, description } of options) {
    const lines = wrap(description, WIDTH - COLUMN);
    const label = `  ${flags}`;
    if (label.length + 2 <= COLUMN) {
      out.push(`${label.padEnd(COLUMN)}${lines[0] ?? ''}`.trimEnd(), ...indent(lines.slice(1), ' '.repeat(COLUMN)));
    } else {
      out.push(label, ...indent(lines, ' '.repeat(COLUMN)));
    }
  }
  if (generators?.list.length) {
    out.push('', ...wrap(`Generators, each run as \`${generators.command}\` inside a project:`, WIDTH));
    const width = Math.max(...generators.list.map(([name]) => name.length)) + 4;
    for (const [name, summary] of generators.list) {
      const lines = wrap(summary, WIDTH - width - 2);
      out.push(`  ${name.padEnd(width)}${lines[0] ?? ''}`, ...indent(lines.slice(1), ' '.repeat(width + 2)));
    }
  }
  if (usage.examples.length) {
    out.push('', 'Examples:', ...indent(usage.examples, '  '));
  }
  return `${out.join('\n')}\n`;
}
