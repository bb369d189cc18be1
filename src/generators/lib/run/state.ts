// A run's state: made by the generator the user started, handed to every generator it
// composes, and gone with the run, so that two runs in one process share nothing.
import type Generator from 'yeoman-generator';
import type { WriteReport } from '../files/write.js';

export class RunState {
  /** Files that hold production secrets, by absolute path: written readable by their owner only. */
  readonly privateFiles = new Set<string>();
  /** Files whose content is never shown (no diff, no editor): they hold a secret. */
  readonly secretFiles = new Set<string>();
  /** The settings of this run that a file of the user's did not take (`KEY=value`), by file. */
  readonly unapplied = new Map<string, string[]>();
  /** What the run did to each file, once written. */
  report?: WriteReport;
  /** The project's folder, once the run holds its lock (lib/files/commit: holdLock). */
  root?: string;
  /** The words typed after the generator's name, read once (lib/answers/flags: commandLineTokens). */
  tokens: readonly string[] = [];

  /** `starter`: the generator the user started, which writes every file of the run. */
  constructor(readonly starter: Generator) {}

  /** The file at `path` holds secrets: mode 0600, and its content is never shown. */
  markPrivate(path: string): void {
    this.privateFiles.add(path);
    this.secretFiles.add(path);
  }

  /** The file at `path` holds a secret (the development password): its content is never shown. */
  markSecret(path: string): void {
    this.secretFiles.add(path);
  }
}
