// Values written into files that other tools parse: each function returns the text
// that the tool reads back as exactly the given value.

const BARE_ENV_VALUE = /^[A-Za-z0-9_./:@+-]+$/;

/**
 * A value for a Compose env file (`env_file:`). Plain values stay bare; anything else is
 * double-quoted with `\` and `"` escaped and `$` doubled, since Compose interpolates
 * variables inside double quotes and reads `$$` as a literal `$`.
 */
export function envValue(value: string): string {
  if (BARE_ENV_VALUE.test(value)) return value;
  return `"${value.replace(/[\\"]/g, match => `\\${match}`).replace(/\$/g, '$$$$')}"`;
}

/**
 * Reads back one value written by envValue, with the rules Compose applies to what
 * envValue writes. Used to keep secrets that an env file already holds.
 */
export function readEnvValue(text: string): string {
  const raw = text.trim();
  if (!raw.startsWith('"')) return raw.replace(/\s+#.*$/, '');
  const body = raw.slice(1, raw.lastIndexOf('"'));
  return body.replace(/\\(.)|\$\$/g, (_match, escaped: string | undefined) => escaped ?? '$');
}

/** Reads `KEY=value` lines of an env file written by this package. */
export function readEnvFile(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) values.set(match[1], readEnvValue(match[2]));
  }
  return values;
}

/**
 * A scalar in a Compose YAML file: single-quoted (only `'` needs doubling there) with
 * `$` doubled against Compose's interpolation.
 */
export function composeYamlValue(value: string): string {
  return `'${value.replace(/'/g, "''").replace(/\$/g, '$$$$')}'`;
}

