// .yo-rc.json, where Yeoman keeps each generator's answers: this package's keys in it,
// and the one reader of it. (The app stores its answers through Yeoman's this.config.)
import { join } from 'node:path';
import { readRegularFile } from '../files/trust.js';
import { UserFacingError } from './errors.js';

export const CONFIG_FILE = '.yo-rc.json';

/** The key under which `.yo-rc.json` stores this package's answers. */
const CONFIG_KEY = 'generator-django-celery';

/** The key under which `.yo-rc.json` records digests of the files the generator wrote. */
const FILES_KEY = `${CONFIG_KEY}:files`;

/** The text of `file` (a .yo-rc.json) as its object, or an error naming what is wrong and the fix. */
export function parseConfig(text: string, file: string): Record<string, unknown> {
  if (text.startsWith('\uFEFF'))
    throw new UserFacingError(
      `${file} starts with a byte-order mark, which JSON does not allow: save it as UTF-8 without one, then run again.`,
    );
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch {
    throw new UserFacingError(`${file} is not valid JSON: fix or remove it, then run again.`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new UserFacingError(
      `${file} must hold a JSON object (it holds ${JSON.stringify(config)}): fix or remove it, then run again.`,
    );
  }
  return config as Record<string, unknown>;
}

/** `folder/.yo-rc.json` as its object; undefined when there is none. */
export function readConfig(folder: string): Record<string, unknown> | undefined {
  const file = join(folder, CONFIG_FILE);
  const text = readRegularFile(file);
  return text === undefined ? undefined : parseConfig(text, file);
}

/**
 * The answers of this package that `folder/.yo-rc.json` stores, or undefined when it
 * holds none (no file, or only other generators' answers).
 */
export function storedAnswers(folder: string): Record<string, unknown> | undefined {
  const file = join(folder, CONFIG_FILE);
  const config = readConfig(folder);
  if (config === undefined) return undefined;
  const stored: unknown = Object.entries(config).find(([key]) => key === CONFIG_KEY)?.[1];
  if (stored === undefined) return undefined;
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) {
    throw new UserFacingError(
      `${file}: "${CONFIG_KEY}" must be an object of answers (it is ${JSON.stringify(stored)}): fix or remove it, then run again.`,
    );
  }
  return 'projectName' in stored ? { ...stored } : undefined;
}

/** The digests `config` records, by path relative to the project. */
export function recordedDigests(config: Record<string, unknown>): Record<string, string> {
  const record = config[FILES_KEY];
  if (typeof record !== 'object' || record === null) return {};
  return Object.fromEntries(
    Object.entries(record).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

/** `config` recording `digests`, rewritten whole in path order, so the record does not depend on the order of runs. */
export function withDigests(config: Record<string, unknown>, digests: Record<string, string>): Record<string, unknown> {
  return { ...config, [FILES_KEY]: Object.fromEntries(Object.entries(digests).sort(([a], [b]) => (a < b ? -1 : 1))) };
}
