// Env files as Compose reads them (`env_file:`): their values read back, and a user's
// own file given the settings it lacks.

/** A value of an env file as Compose reads it, or why it cannot be known without the shell's environment. */
export type EnvEntry = { value: string } | { unreadable: string; line: number };

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  n: '\n',
  t: '\t',
  r: '\r',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  $: '$',
};

/** `$$` is a dollar sign; `$NAME` and `${...}` take a value from the shell, which a re-run cannot know. */
function dollars(text: string): string | { unreadable: string } {
  let out = '';
  for (let i = 0; i < text.length; i += 1) {
    if (text[i] !== '$') {
      out += text[i];
    } else if (text[i + 1] === '$') {
      out += '$';
      i += 1;
    } else if (/[A-Za-z_{]/.test(text[i + 1] ?? '')) {
      // Said without the value: it may be a secret.
      return { unreadable: 'a $ followed by a letter, _ or { takes a value from the environment Compose runs in' };
    } else {
      out += '$';
    }
  }
  return out;
}

/**
 * Why the text after a closing quote (at `close`) makes Compose reject the file: only
 * blanks and a comment may follow it on its line. Undefined when it is fine.
 */
function afterQuote(text: string, close: number, line: number): { unreadable: string; line: number } | undefined {
  const end = text.indexOf('\n', close);
  const rest = text.slice(close + 1, end < 0 ? undefined : end);
  if (/^[ \t]*(#.*)?\r?$/.test(rest)) return undefined;
  const closedOn = text.slice(0, close).split('\n').length;
  return {
    unreadable: `its quote closes on line ${closedOn} with more text after it, which is no comment: Compose rejects the file (an unclosed quote, or a quote inside the value)`,
    line,
  };
}

/**
 * Reads an env file by the rules Compose applies to `env_file:` (checked against the
 * real Compose by the tools tier): `export ` before a name is allowed; a value in
 * single quotes is taken as it stands but for `\'`; one in double quotes may span lines and reads
 * `\"`, `\\`, `\n`, `\t`, `\r`, `\$` and `$$`; a bare one ends before ` #` and reads `$$`.
 */
export function readEnvFile(text: string): Map<string, EnvEntry> {
  const entries = new Map<string, EnvEntry>();
  const line = /^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*/gm;
  let match: RegExpExecArray | null;
  for (match = line.exec(text); match; match = line.exec(text)) {
    const start = line.lastIndex;
    const at = text.slice(0, match.index).split('\n').length;
    const quote = text[start];
    if (quote === "'") {
      // Taken as it stands, but for \' (a quote).
      let value = '';
      let i = start + 1;
      for (; i < text.length && text[i] !== "'"; i += 1) {
        if (text[i] === '\\' && text[i + 1] === "'") i += 1;
        value += text[i];
      }
      entries.set(
        match[1],
        i >= text.length
          ? { unreadable: 'its single quote is not closed', line: at }
          : (afterQuote(text, i, at) ?? { value }),
      );
      line.lastIndex = Math.min(i + 1, text.length);
      continue;
    }
    if (quote === '"') {
      let value = '';
      let entry: EnvEntry | undefined;
      let i = start + 1;
      for (; i < text.length && text[i] !== '"'; i += 1) {
        if (text[i] === '\\') {
          // Another backslash stays, with what follows it.
          const escaped = ESCAPES[text[i + 1]] ?? `\\${text[i + 1] ?? ''}`;
          value += escaped === '$' ? '$$' : escaped;
          i += 1;
        } else {
          value += text[i];
        }
      }
      if (i >= text.length) entry ??= { unreadable: 'its double quote is not closed', line: at };
      else entry ??= afterQuote(text, i, at);
      const read = dollars(value);
      entries.set(match[1], entry ?? (typeof read === 'string' ? { value: read } : { ...read, line: at }));
      line.lastIndex = Math.min(i + 1, text.length);
      continue;
    }
    const end = text.indexOf('\n', start);
    const raw = text
      .slice(start, end < 0 ? undefined : end)
      .replace(/\r$/, '')
      .replace(/[ \t]+#.*$/, '')
      .trim();
    const read = dollars(raw);
    entries.set(match[1], typeof read === 'string' ? { value: read } : { ...read, line: at });
  }
  return entries;
}

/**
 * The env file `own` (a person's, once it exists) with the settings of `rendered` that it
 * lacks added at its end, each with the comment lines before it; every line of `own`
 * stays as it is. `own` itself when it lacks none.
 */
export function addMissingSettings(own: string, rendered: string): string {
  const present = readEnvFile(own);
  const added: string[] = [];
  let comments: string[] = [];
  for (const line of rendered.split('\n')) {
    if (/^\s*#/.test(line)) {
      comments.push(line);
      continue;
    }
    const key = /^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*=/.exec(line)?.[1];
    if (key && !present.has(key)) added.push(...comments, line);
    comments = [];
  }
  if (added.length === 0) return own;
  return `${own}${own === '' || own.endsWith('\n') ? '' : '\n'}${added.join('\n')}\n`;
}
