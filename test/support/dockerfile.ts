// A small Dockerfile reader, for the tools and the runtime tiers: instructions, line
// continuations, heredocs, stages (`FROM ... AS name`), and what the COPY and ADD
// instructions put into an image.
// It rejects what `docker build` would reject in our files: an unknown instruction, a
// flag COPY does not know, a FROM that is not `FROM image [AS name]`.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { DockerIgnore } from './dockerignore.js';

const INSTRUCTIONS = [
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'FROM',
  'HEALTHCHECK',
  'LABEL',
  'MAINTAINER',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
] as const;

const COPY_FLAGS: Record<string, readonly string[]> = {
  COPY: ['from', 'chown', 'chmod', 'link', 'parents', 'exclude'],
  ADD: ['chown', 'chmod', 'link', 'checksum', 'keep-git-dir', 'exclude', 'unpack'],
};

class DockerfileError extends Error {
  override name = 'DockerfileError';
}

interface Instruction {
  keyword: string;
  /** The text after the keyword, continuation lines joined. */
  args: string;
  /** The line the instruction starts on, from 1. */
  line: number;
}

interface Stage {
  /** Its `AS` name, lower-cased, if it has one. */
  name?: string;
  /** The image or earlier stage it starts from. */
  base: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  path: string;
  instructions: Instruction[];
  /** ARGs declared before the first FROM. */
  globalArgs: Instruction[];
  stages: Stage[];
}

/** Splits on blanks, honouring '...' and "..." and the escape character, as ENV and FROM read words. */
export function words(text: string, escapeChar = '\\'): string[] {
  const result: string[] = [];
  let word = '';
  let started = false;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === quote) quote = '';
      else if (ch === escapeChar && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      started = true;
    } else if (ch === escapeChar && i + 1 < text.length) {
      word += text[++i];
      started = true;
    } else if (/\s/.test(ch)) {
      if (started) result.push(word);
      word = '';
      started = false;
    } else {
      word += ch;
      started = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote in: ${text}`);
  if (started) result.push(word);
  return result;
}

/** The exec form `["a", "b"]` as its strings, or undefined for the shell form. */
function execForm(args: string): string[] | undefined {
  if (!args.trim().startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(args);
    if (Array.isArray(parsed) && parsed.every(item => typeof item === 'string')) return parsed as string[];
  } catch {
    // Docker runs text that is not a JSON array of strings in the shell form.
  }
  return undefined;
}

export function parseDockerfile(text: string, path: string): Dockerfile {
  const lines = text.split('\n').map(line => line.replace(/\r$/, ''));
  const fail = (line: number, message: string): never => {
    throw new DockerfileError(`${path}:${line}: ${message}`);
  };

  // Parser directives (`# escape=`` `) may only open the file.
  let escapeChar = '\\';
  let index = 0;
  for (; index < lines.length; index++) {
    const directive = /^#\s*([A-Za-z]+)\s*=\s*(\S*)\s*$/.exec(lines[index]);
    if (!directive) break;
    if (directive[1].toLowerCase() === 'escape') {
      if (directive[2] !== '\\' && directive[2] !== '`') fail(index + 1, `invalid escape directive "${directive[2]}"`);
      escapeChar = directive[2];
    }
  }

  const continued = new RegExp(`${escapeChar === '\\' ? '\\\\' : '`'}[ \\t]*$`);
  const instructions: Instruction[] = [];
  while (index < lines.length) {
    const start = index;
    let logical = lines[index++];
    if (/^\s*(#|$)/.test(logical)) continue;
    while (continued.test(logical)) {
      logical = logical.replace(continued, '');
      // Comment and empty lines inside a continuation are dropped, as Docker does.
      while (index < lines.length && /^\s*(#|$)/.test(lines[index])) index++;
      if (index >= lines.length) fail(start + 1, 'the file ends inside a line continuation');
      logical += lines[index++];
    }
    const match = /^\s*([A-Za-z]+)(\s+(.*))?$/.exec(logical);
    if (!match) fail(start + 1, `cannot read "${logical.trim()}" as an instruction`);
    const keyword = match![1].toUpperCase();
    const args = (match![3] ?? '').trim();
    checkKeyword(keyword, args, start + 1, fail);
    if (['RUN', 'COPY', 'ADD'].includes(keyword)) {
      // The lines of a heredoc (`<<EOF`) are its body, not instructions: skip to its end.
      for (const doc of args.matchAll(/<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g)) {
        const strip = doc[1] === '-';
        for (;;) {
          if (index >= lines.length) fail(start + 1, `the heredoc ${doc[3]} is never closed`);
          const line = lines[index++];
          if ((strip ? line.replace(/^\t+/, '') : line) === doc[3]) break;
        }
      }
    }
    instructions.push({ keyword, args, line: start + 1 });
  }

  const globalArgs: Instruction[] = [];
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const from = words(instruction.args).filter(word => !word.startsWith('--platform='));
      if (from.length !== 1 && !(from.length === 3 && from[1].toUpperCase() === 'AS')) {
        fail(instruction.line, `FROM takes "image [AS name]", not "${instruction.args}"`);
      }
      const name = from[2]?.toLowerCase();
      if (name !== undefined && !/^[a-z][a-z0-9_.-]*$/.test(name))
        fail(instruction.line, `"${from[2]}" is not a valid stage name`);
      if (name !== undefined && stages.some(stage => stage.name === name))
        fail(instruction.line, `the stage name "${name}" is used twice`);
      stages.push({ name, base: substitute(from[0], argDefaults(globalArgs)), instructions: [instruction] });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG')
        fail(instruction.line, `${instruction.keyword} before the first FROM (only ARG may come before it)`);
      globalArgs.push(instruction);
    } else {
      stages.at(-1)!.instructions.push(instruction);
      // A bare name in COPY --from= or RUN --mount=from= must be an earlier stage: Docker
      // would take a misspelt stage name for an image to pull.
      const froms = [
        ...(instruction.keyword === 'COPY' || instruction.keyword === 'ADD'
          ? [copySpec(instruction, path).flags.get('from')]
          : []),
        ...(instruction.keyword === 'RUN'
          ? [...instruction.args.matchAll(/--mount=\S*\bfrom=([^,\s]+)/g)].map(match => match[1])
          : []),
      ];
      for (const from of froms) {
        if (typeof from !== 'string' || /^\d+$/.test(from) || /[:/]/.test(from)) continue;
        if (!stages.slice(0, -1).some(stage => stage.name === from.toLowerCase())) {
          fail(instruction.line, `${instruction.keyword} takes files from "${from}", which names no earlier stage`);
        }
      }
    }
  }
  if (stages.length === 0) fail(lines.length, 'no FROM instruction');
  return { path, instructions, globalArgs, stages };
}

function checkKeyword(
  keyword: string,
  args: string,
  line: number,
  fail: (line: number, message: string) => never,
): void {
  if (!(INSTRUCTIONS as readonly string[]).includes(keyword)) {
    fail(line, `unknown instruction ${keyword}`);
  }
  if (args === '') fail(line, `${keyword} needs arguments`);
  if (keyword === 'ONBUILD') {
    const inner = /^([A-Za-z]+)\s*(.*)$/.exec(args);
    if (!inner || ['ONBUILD', 'FROM', 'MAINTAINER'].includes(inner[1].toUpperCase()))
      fail(line, `ONBUILD cannot run "${args}"`);
    checkKeyword(inner![1].toUpperCase(), inner![2], line, fail);
  }
}

interface CopySpec {
  flags: Map<string, string | true>;
  sources: string[];
  destination: string;
}

/** The flags, sources and destination of a COPY or ADD. */
function copySpec(instruction: Instruction, path = 'Dockerfile'): CopySpec {
  const flags = new Map<string, string | true>();
  let rest = instruction.args;
  for (let flag = /^--([a-z-]+)(=(\S*))?\s+/.exec(rest); flag; flag = /^--([a-z-]+)(=(\S*))?\s+/.exec(rest)) {
    if (!COPY_FLAGS[instruction.keyword].includes(flag[1])) {
      throw new DockerfileError(`${path}:${instruction.line}: ${instruction.keyword} has no flag --${flag[1]}`);
    }
    flags.set(flag[1], flag[3] ?? true);
    rest = rest.slice(flag[0].length);
  }
  // The shell form of COPY splits on blanks only; it does not read quotes.
  const parts = execForm(rest) ?? rest.trim().split(/\s+/);
  if (parts.length < 2) {
    throw new DockerfileError(`${path}:${instruction.line}: ${instruction.keyword} needs a source and a destination`);
  }
  return { flags, sources: parts.slice(0, -1), destination: parts.at(-1)! };
}

/** Replaces $NAME, ${NAME}, ${NAME:-default} and ${NAME:+alternative} as Docker does. */
function substitute(text: string, variables: ReadonlyMap<string, string>): string {
  return text.replace(
    /\\\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, braced, op, word, bare) => {
      if (whole === '\\$') return '$';
      const name = braced ?? bare;
      const value = variables.get(name);
      if (op === '-') return value ? value : word;
      if (op === '+') return value ? word : '';
      return value ?? '';
    },
  );
}

function argDefaults(args: readonly Instruction[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const arg of args) {
    for (const word of words(arg.args)) {
      const [name, ...value] = word.split('=');
      if (value.length > 0) values.set(name, value.join('='));
    }
  }
  return values;
}

/** A file that a build puts into the image, and where it comes from. */
interface ImageFile {
  /** Its path in the build context. */
  source: string;
  /** The instruction that copies it. */
  line: number;
  /** Whether it can run: executable in the context, or given +x by --chmod or a later RUN chmod. */
  executable: boolean;
  /** Whether it came with a whole folder (`COPY . /app`) rather than by its own name. */
  fromFolder: boolean;
}

export interface Build {
  /** Every file that COPY and ADD (not --from another stage) put into the target stage, by image path. */
  files: Map<string, ImageFile>;
  /** COPY or ADD sources that are missing from the context or left out by .dockerignore. */
  problems: string[];
  entrypoint?: string[];
  cmd?: string[];
  /** The WORKDIR the target stage ends with (where its programs start). */
  workdir: string;
}

function filesUnder(folder: string, prefix = ''): string[] {
  return readdirSync(join(folder, prefix))
    .sort()
    .flatMap(name => {
      const path = prefix ? `${prefix}/${name}` : name;
      return statSync(join(folder, path)).isDirectory() ? filesUnder(folder, path) : [path];
    });
}

function programOf(args: string): string[] {
  return execForm(args) ?? ['/bin/sh', '-c', args];
}

/**
 * What building `target` (or the last stage) of `dockerfile` with `context` puts into the
 * image from the context, following its stage back to the first.
 */
export function buildFromContext(dockerfile: Dockerfile, context: string, target?: string): Build {
  const ignore = DockerIgnore.forBuild(context, dockerfile.path);
  const chain: Stage[] = [];
  let stage: Stage | undefined = target
    ? dockerfile.stages.find(s => s.name === target.toLowerCase())
    : dockerfile.stages.at(-1);
  if (!stage) throw new DockerfileError(`${dockerfile.path}: no stage named ${target}`);
  while (stage) {
    chain.unshift(stage);
    const base = stage.base.toLowerCase();
    stage = dockerfile.stages.slice(0, dockerfile.stages.indexOf(stage)).find(s => s.name === base);
  }

  const globals = argDefaults(dockerfile.globalArgs);
  const build: Build = { files: new Map(), problems: [], workdir: '/' };
  const variables = new Map<string, string>();
  let workdir = '/';
  const contextFiles = filesUnder(context).filter(file => !ignore.excludes(file));

  for (const current of chain) {
    for (const instruction of current.instructions) {
      const { keyword, args } = instruction;
      if (keyword === 'ARG') {
        for (const word of words(args)) {
          const [name, ...value] = word.split('=');
          const fallback = value.length > 0 ? value.join('=') : globals.get(name);
          if (fallback !== undefined) variables.set(name, substitute(fallback, variables));
        }
      } else if (keyword === 'ENV') {
        const parts = words(args);
        if (parts.length > 0 && !parts[0].includes('=')) {
          variables.set(parts[0], substitute(parts.slice(1).join(' '), variables));
        } else {
          for (const part of parts) {
            const [name, ...value] = part.split('=');
            variables.set(name, substitute(value.join('='), variables));
          }
        }
      } else if (keyword === 'WORKDIR') {
        workdir = posix.resolve(workdir, substitute(args, variables));
        build.workdir = workdir;
      } else if (keyword === 'ENTRYPOINT') {
        build.entrypoint = programOf(args);
        build.cmd = undefined;
      } else if (keyword === 'CMD') {
        build.cmd = programOf(args);
      } else if (keyword === 'RUN') {
        // `chmod +x /start` or `chmod 755 /start`, alone or among other commands.
        for (const command of args.split(/&&|\|\||;/)) {
          const tokens = command.trim().split(/\s+/);
          if (
            tokens[0] !== 'chmod' ||
            !tokens.slice(1).some(token => /^([ugoa]*\+[rw]*x|[0-7]?[1357][0-7]{2})$/.test(token))
          )
            continue;
          for (const token of tokens.slice(1)) {
            const file = build.files.get(posix.resolve(workdir, substitute(token, variables)));
            if (file) file.executable = true;
          }
        }
      } else if (keyword === 'COPY' || keyword === 'ADD') {
        const spec = copySpec(instruction, dockerfile.path);
        if (spec.flags.has('from')) continue;
        const destination = posix.resolve(workdir, substitute(spec.destination, variables));
        const intoFolder = spec.destination.endsWith('/') || spec.sources.length > 1;
        const chmod = spec.flags.get('chmod');
        const chmodX = typeof chmod === 'string' && /[1357]/.test(chmod);
        for (const raw of spec.sources) {
          if (raw.startsWith('<<') || /^(https?|git):\/\//.test(raw)) continue;
          const source =
            posix
              .normalize(substitute(raw, variables))
              .replace(/^(\.\/|\/)+/, '')
              .replace(/\/+$/, '') || '.';
          if (source.startsWith('..')) {
            build.problems.push(`${dockerfile.path}:${instruction.line}: ${raw} is outside the build context`);
            continue;
          }
          const absolute = join(context, source);
          const glob = /[*?[]/.test(source);
          const matched = glob ? contextFiles.filter(file => new DockerIgnore(source).excludes(file)) : [];
          if (!glob && !existsSync(absolute)) {
            build.problems.push(
              `${dockerfile.path}:${instruction.line}: ${raw} does not exist in the build context ${context}`,
            );
            continue;
          }
          if (glob && matched.length === 0) {
            build.problems.push(
              `${dockerfile.path}:${instruction.line}: ${raw} matches no file of the build context that .dockerignore keeps`,
            );
            continue;
          }
          if (!glob && ignore.excludes(source)) {
            build.problems.push(
              `${dockerfile.path}:${instruction.line}: ${raw} is left out of the build context by .dockerignore`,
            );
            continue;
          }
          const add = (file: string, imagePath: string, fromFolder: boolean) => {
            const executable = chmodX || (statSync(join(context, file)).mode & 0o111) !== 0;
            build.files.set(imagePath, { source: file, line: instruction.line, executable, fromFolder });
          };
          if (!glob && statSync(absolute).isDirectory()) {
            // A folder's content (not the folder itself) goes into the destination.
            for (const file of contextFiles.filter(f => source === '.' || f.startsWith(`${source}/`))) {
              add(file, posix.join(destination, source === '.' ? file : file.slice(source.length + 1)), true);
            }
          } else {
            for (const file of glob ? matched : [source]) {
              add(file, intoFolder || glob ? posix.join(destination, posix.basename(file)) : destination, glob);
            }
          }
        }
      }
    }
  }
  return build;
}

export function readDockerfile(path: string): Dockerfile {
  return parseDockerfile(readFileSync(path, 'utf8'), path);
}
