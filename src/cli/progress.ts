/**
 * What the CLI shows while a task runs, on stderr: a spinner with the status and the elapsed time on a
 * terminal, one plain line per change of status otherwise (logs, pipes, CI).
 */
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface Progress {
  status(status: string): void;
  done(line: string): void;
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)}s`;
}

export function progress(label: string, out: NodeJS.WriteStream = process.stderr, quiet = false): Progress {
  const started = Date.now();
  let current = 'SUBMITTING';
  if (quiet) return { status: () => undefined, done: () => undefined };
  if (!out.isTTY) {
    out.write(`${label}: ${current}\n`);
    return {
      status(status) {
        if (status === current) return;
        current = status;
        out.write(`${label}: ${status} after ${seconds(started)}\n`);
      },
      done: (line) => void out.write(`${line}\n`),
    };
  }
  let frame = 0;
  const draw = () => {
    frame = (frame + 1) % FRAMES.length;
    out.write(`\r\x1b[2K${FRAMES[frame]} ${label}: ${current} ${seconds(started)}`);
  };
  const timer = setInterval(draw, 100);
  draw();
  return {
    status(status) {
      current = status;
      draw();
    },
    done(line) {
      clearInterval(timer);
      out.write(`\r\x1b[2K${line}\n`);
    },
  };
}
