// A real terminal for the interactive cases: tmux runs the command in a pane of a
// private server; the test types into it and reads the screen, as a user would.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { runSync } from '../support/run.js';
import { recordOutput } from './commands.js';

/** `text` with every run of white space as one space. */
export const flat = (text: string) => text.replace(/\s+/g, ' ').trim();

/** The last paragraph of `screen`, as one line. */
export const lastParagraph = (screen: string) => flat(screen.split(/\n\s*\n/).at(-1) ?? '');

const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

export interface TerminalOptions {
  cwd: string;
  /** Variables added to the test's environment. */
  env?: Record<string, string>;
  columns?: number;
}

/** Marks the end of the command on the screen, with its exit status. */
const EXIT = /\[exit (\d+)\]/;

export class Terminal {
  private readonly socket = `e2e-${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly cwd: string;
  private readonly command: string;

  /** Starts `command` in a new terminal of `columns` columns (80 unless given). */
  constructor(command: readonly string[], { cwd, env = {}, columns = 80 }: TerminalOptions) {
    this.cwd = cwd;
    this.command = command.join(' ');
    // The pane's shell prints the exit status, then keeps the pane open to be read.
    // A user's terminal: no CI (which turns colours off) and no colour setting unless given.
    const unset = ['CI', 'FORCE_COLOR', 'NO_COLOR'].filter(name => !(name in env)).map(name => `-u ${name}`);
    const assignments = Object.entries({ ...env, TERM: 'xterm-256color' }).map(
      ([name, value]) => `${name}=${quote(value)}`,
    );
    const line = `env ${[...unset, ...assignments].join(' ')} ${command.map(quote).join(' ')}; echo "[exit $?]"; sleep 3600`;
    this.tmux('new-session', '-d', '-s', 'test', '-x', String(columns), '-y', '50', '-c', cwd, line);
  }

  private tmux(...args: string[]): string {
    const run = runSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { timeoutMs: 10_000 });
    if (run.status !== 0) throw new Error(`tmux ${args[0]} failed: ${run.stderr}`);
    return run.stdout;
  }

  /** Everything the terminal shows, scrollback included, lines the terminal wrapped joined, trailing blank lines dropped. */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-J', '-S', '-', '-t', 'test').replace(/\s+$/, '');
  }

  /** The screen as the terminal shows it, wrapped lines apart. */
  rows(): string[] {
    return this.tmux('capture-pane', '-p', '-S', '-', '-t', 'test').replace(/\s+$/, '').split('\n');
  }

  /** The screen with its colours and attributes as escape codes. */
  screenWithEscapes(): string {
    return this.tmux('capture-pane', '-p', '-e', '-S', '-', '-t', 'test');
  }

  /** Waits until the screen shows `what` (text, wherever lines break in it; a pattern; or what a test of the screen accepts); fails with the screen after `timeoutMs`. */
  async waitFor(what: string | RegExp | ((screen: string) => boolean), timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.screen();
      const shown =
        typeof what === 'string'
          ? flat(screen).includes(flat(what))
          : typeof what === 'function'
            ? what(screen)
            : what.test(screen);
      if (shown) return screen;
      if (Date.now() > deadline) throw new Error(`The terminal never showed ${String(what)}. It shows:\n${screen}`);
      await sleep(100);
    }
  }

  /** Types `text` as it is. */
  type(text: string): void {
    this.tmux('send-keys', '-t', 'test', '-l', text);
  }

  /** Erases the line at the prompt, types `text` and presses Enter: a reply in place of what the prompt offers. */
  replyWith(text: string): void {
    this.press('C-u');
    this.type(text);
    this.press('Enter');
  }

  /** Presses keys by tmux's names: `Enter`, `C-c`, `BSpace`. */
  press(...keys: string[]): void {
    this.tmux('send-keys', '-t', 'test', ...keys);
  }

  /** Waits for the command to end; its exit status, and the screen. */
  async exit(timeoutMs = 30_000): Promise<{ status: number; screen: string }> {
    const screen = await this.waitFor(EXIT, timeoutMs);
    return { status: Number(EXIT.exec(screen)![1]), screen: screen.replace(EXIT, '').trimEnd() };
  }

  close(): void {
    // What the terminal showed joins the check that no output holds a secret.
    try {
      recordOutput(this.command, this.screen(), this.cwd, this.command.split(' '));
    } catch {
      // The terminal is gone already.
    }
    runSync('tmux', ['-L', this.socket, 'kill-server'], { timeoutMs: 10_000 });
  }
}

/** Fails, saying how to install it, when tmux is missing. */
export function requireTmux(): void {
  runSync('tmux', ['-V']);
}

/** The questions after Flower's port, in order. */
export const AFTER_FLOWER = [
  'Host port of the mail catcher',
  'Postgres database name',
  'Postgres user',
  'Postgres password',
  'Add the production variant',
];

/** Every question of a first run, in order. */
export const FIRST_RUN_QUESTIONS = ['Project name', 'Host port of the Django', 'Host port of Flower', ...AFTER_FLOWER];

/** Presses Enter at each of `prompts` in turn, as they appear (the first within `firstTimeoutMs`). */
export async function acceptDefaults(terminal: Terminal, prompts: string[], firstTimeoutMs = 20_000): Promise<void> {
  for (const [index, prompt] of prompts.entries()) {
    await terminal.waitFor(`? ${prompt}`, index === 0 ? firstTimeoutMs : 20_000);
    terminal.press('Enter');
  }
}
