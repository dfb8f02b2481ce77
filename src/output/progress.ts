/**
 * The hunt's progress on stderr: files done of all, megabytes read, detections so far, redrawn in place at most
 * every `intervalMs`. Only a terminal gets a bar; a file or a pipe gets nothing, so logs stay clean.
 */
import { truncateToWidth } from "./terminal.js";

export interface ProgressState {
  /** Files to read (0 while they are still being found). */
  readonly files: number;
  readonly filesDone: number;
  readonly bytes: number;
  /** Detections so far. */
  readonly matches: number;
}

/** What the progress needs of a stream: `process.stderr` is one. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface Progress {
  /** Takes the latest state; draws it now, or when the interval since the last drawing has passed. */
  update(state: ProgressState): void;
  /** Writes a line (a problem, a warning) above the bar, which is redrawn under it. */
  print(line: string): void;
  /** Clears the bar; later updates are ignored. */
  stop(): void;
}

export interface ProgressOptions {
  /** Least time between two drawings. Default 100 ms. */
  readonly intervalMs?: number;
  /** Clock, for tests. */
  readonly now?: () => number;
}

const BAR_WIDTH = 24;
/** Erase from the cursor to the end of the line (ECMA-48 EL). */
const CLEAR_LINE = "\x1b[K";

export function createProgress(stream: ProgressStream, enabled = true, options: ProgressOptions = {}): Progress {
  if (!enabled || stream.isTTY !== true) {
    return {
      update() {},
      print(line) {
        stream.write(line.endsWith("\n") ? line : `${line}\n`);
      },
      stop() {},
    };
  }
  const interval = options.intervalMs ?? 100;
  const now = options.now ?? (() => performance.now());
  let state: ProgressState | null = null;
  let drawn = false;
  let stopped = false;
  let lastDraw = -Infinity;
  let timer: NodeJS.Timeout | null = null;

  const draw = (): void => {
    timer = null;
    if (stopped || state === null) return;
    lastDraw = now();
    const width = Math.max(20, (stream.columns ?? 80) - 1);
    // \r then erase: the line is rewritten whole, and never wider than the terminal (a wrapped line would stay).
    stream.write(`\r${truncateToWidth(progressLine(state), width)}${CLEAR_LINE}`);
    drawn = true;
  };
  const clear = (): void => {
    if (drawn) stream.write(`\r${CLEAR_LINE}`);
    drawn = false;
  };

  return {
    update(next) {
      if (stopped) return;
      state = next;
      const wait = lastDraw + interval - now();
      if (wait <= 0) draw();
      else if (timer === null) {
        timer = setTimeout(draw, wait);
        timer.unref();
      }
    },
    print(line) {
      const wasDrawn = drawn;
      clear();
      stream.write(line.endsWith("\n") ? line : `${line}\n`);
      if (wasDrawn) draw();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      clear();
    },
  };
}

/** `[██████░░░░…] 3/12 files  456.7 MB  12 detections` (no bar while the number of files is not known). */
export function progressLine(state: ProgressState): string {
  const mb = `${(state.bytes / 1e6).toFixed(1)} MB`;
  const found = `${state.matches.toLocaleString("en-US")} ${state.matches === 1 ? "detection" : "detections"}`;
  if (state.files <= 0) return `${state.filesDone.toLocaleString("en-US")} files  ${mb}  ${found}`;
  const done = Math.min(1, Math.max(0, state.filesDone / state.files));
  const filled = Math.round(done * BAR_WIDTH);
  const bar = `[${"█".repeat(filled)}${"░".repeat(BAR_WIDTH - filled)}]`;
  const files = `${state.filesDone.toLocaleString("en-US")}/${state.files.toLocaleString("en-US")} files`;
  return `${bar} ${files}  ${mb}  ${found}`;
}
