/**
 * The drill's output: one line per step, with a spinner and elapsed time while a long step runs
 * when stdout is a terminal, and plain lines otherwise (CI logs, the end-to-end test).
 */
export interface Progress {
  step<T>(
    title: string,
    work: (update: (detail: string) => void) => Promise<T>,
    done?: (result: T) => string,
  ): Promise<T>;
  info(line: string): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function createProgress(out: NodeJS.WriteStream = process.stdout): Progress {
  const live = out.isTTY === true;
  let spinning = false;
  const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
  return {
    async step(title, work, done) {
      const started = Date.now();
      let detail = '';
      let frame = 0;
      const draw = () => {
        out.write(
          `\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${title}${detail ? ` — ${detail}` : ''} (${seconds(started)})`,
        );
      };
      const timer = live ? setInterval(draw, 100) : undefined;
      spinning = live;
      if (live) draw();
      else out.write(`• ${title} ...\n`);
      const update = (text: string) => {
        detail = text;
        if (!live) out.write(`    ${text}\n`);
      };
      try {
        const result = await work(update);
        if (timer) clearInterval(timer);
        spinning = false;
        const summary = done ? done(result) : '';
        out.write(
          `${live ? '\r\x1b[2K' : ''}✔ ${title}${summary ? `: ${summary}` : ''} (${seconds(started)})\n`,
        );
        return result;
      } catch (error) {
        if (timer) clearInterval(timer);
        spinning = false;
        out.write(`${live ? '\r\x1b[2K' : ''}✘ ${title} (${seconds(started)})\n`);
        throw error;
      }
    },
    info(line) {
      // Above the spinner, which redraws itself on its next tick.
      out.write(`${spinning ? '\r\x1b[2K' : ''}${line}\n`);
    },
  };
}
