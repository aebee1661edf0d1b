/** Where a command writes; tests pass buffers, main passes the process streams. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export const EXIT_OK = 0;
export const EXIT_DENIED = 1;
export const EXIT_BAD_INPUT = 2;

export function writeJson(io: CliIo, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Control characters (C0, DEL, C1) and the bidirectional overrides, which a terminal would obey:
 * an object named with `ESC ] 0 ;` retitles the window, one with an ANSI colour hides what follows.
 */
const UNPRINTABLE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Text for a terminal: every control character but the newline shown as a \u escape instead. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
