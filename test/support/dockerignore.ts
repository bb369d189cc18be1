// What `docker build` leaves out of the build context: the .dockerignore rules of
// moby/patternmatcher, small enough to read and enough for the patterns we generate.
import { existsSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';

interface Rule {
  text: string;
  exclusion: boolean;
  regex: RegExp;
}

/** One pattern as a regular expression: `*` and `?` stay inside a path segment, `**` crosses them. */
function compile(pattern: string): RegExp {
  let source = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (i + 1 === pattern.length) source += '.*';
        else if (pattern[i + 1] === '/') {
          // `**/` matches zero or more whole folders.
          source += '(.*/)?';
          i++;
        } else source += '.*';
      } else source += '[^/]*';
    } else if (ch === '?') source += '[^/]';
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) throw new Error(`.dockerignore pattern "${pattern}" has an unclosed [`);
      const body = pattern.slice(i + 1, end);
      source += `[${body}]`;
      i = end;
    } else if (ch === '\\') {
      i++;
      source += (pattern[i] ?? '').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else source += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`${source}$`);
}

/** Like Go's filepath.Clean on a slash path, without a leading slash. */
function clean(path: string): string {
  const normal = posix.normalize(path).replace(/\/+$/, '');
  return normal.replace(/^\/+/, '') || '.';
}

export class DockerIgnore {
  private readonly rules: Rule[];

  constructor(text: string) {
    this.rules = [];
    for (const line of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
      if (line.startsWith('#')) continue;
      let pattern = line.trim();
      if (pattern === '') continue;
      const exclusion = pattern.startsWith('!');
      if (exclusion) pattern = pattern.slice(1).trim();
      pattern = clean(pattern);
      this.rules.push({ text: line, exclusion, regex: compile(pattern) });
    }
  }

  /** The rules of the context's .dockerignore, or none (or those of `<Dockerfile>.dockerignore`, which wins). */
  static forBuild(context: string, dockerfile: string): DockerIgnore {
    for (const file of [`${dockerfile}.dockerignore`, posix.join(context, '.dockerignore')]) {
      if (existsSync(file)) return new DockerIgnore(readFileSync(file, 'utf8'));
    }
    return new DockerIgnore('');
  }

  /**
   * Whether `path` (relative to the context) is left out: the last rule that matches the
   * path or one of its parent folders decides; a `!` rule takes it back in.
   */
  excludes(path: string): boolean {
    const file = clean(path);
    if (file === '.') return false;
    const parents = file.split('/').slice(0, -1);
    let excluded = false;
    for (const rule of this.rules) {
      // As in moby: an inclusion only matters once excluded, an exclusion only before.
      if (rule.exclusion !== excluded) continue;
      let match = rule.regex.test(file);
      for (let i = 1; !match && i <= parents.length; i++) {
        match = rule.regex.test(parents.slice(0, i).join('/'));
      }
      if (match) excluded = !rule.exclusion;
    }
    return excluded;
  }
}
