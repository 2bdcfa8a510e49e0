import ora from 'ora';

/**
 * The drill's output: one line per step, with a spinner and elapsed time while a long step runs
 * when stdout is an interactive terminal, and plain lines otherwise (CI logs, the end-to-end test).
 */
export interface Progress {
  step<T>(
    title: string,
    work: (update: (detail: string) => void) => Promise<T>,
    done?: (result: T) => string,
  ): Promise<T>;
  info(line: string): void;
}

export function createProgress(out: NodeJS.WriteStream = process.stdout): Progress {
  const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
  return {
    async step(title, work, done) {
      const started = Date.now();
      // ora spins only on an interactive terminal (a TTY, TERM not dumb, CI unset) and drops text
      // updates otherwise; there the drill writes its own plain lines, one per detail, as a log wants.
      const spinner = ora({
        text: title,
        stream: out,
        discardStdin: false,
        suffixText: () => `(${seconds(started)})`,
        // A terminal of no size (a pty from `script` or `docker run -t` with no window) reports
        // isTTY but 0 columns; ora 9.4 divides by them and clears lines without end.
        ...(out.isTTY && !out.columns ? { isEnabled: false } : {}),
      });
      const live = spinner.isEnabled;
      if (live) spinner.start();
      else out.write(`• ${title} ...\n`);
      const update = (detail: string) => {
        if (live) spinner.text = `${title} — ${detail}`;
        else out.write(`    ${detail}\n`);
      };
      const end = (symbol: '✔' | '✘', summary = '') => {
        const line = `${title}${summary ? `: ${summary}` : ''}`;
        if (live) spinner.stopAndPersist({ symbol, text: line, suffixText: `(${seconds(started)})` });
        else out.write(`${symbol} ${line} (${seconds(started)})\n`);
      };
      try {
        const result = await work(update);
        end('✔', done ? done(result) : '');
        return result;
      } catch (error) {
        end('✘');
        throw error;
      }
    },
    info(line) {
      // While a step spins, ora holds the stream: it clears the spinner, lets the line through and
      // draws the spinner again below it.
      out.write(`${line}\n`);
    },
  };
}
