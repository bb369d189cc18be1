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
 * A scalar in a Compose YAML file: single-quoted (only `'` needs doubling there) with
 * `$` doubled against Compose's interpolation.
 */
export function composeYamlValue(value: string): string {
  return `'${value.replace(/'/g, "''").replace(/\$/g, '$$$$')}'`;
}
