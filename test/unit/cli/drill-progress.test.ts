import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgress } from '../../../cli/drill/progress.js';

/** A stream that keeps what is written; a terminal when given columns. */
class Screen extends Writable {
  written = '';
  isTTY: boolean;
  columns: number | undefined;
  constructor(terminal?: { columns: number }) {
    super();
    this.isTTY = terminal !== undefined;
    this.columns = terminal?.columns;
  }
  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    this.written += chunk.toString();
    // A spinner that clears lines without end fails the test instead of hanging it.
    callback();
    if (this.written.length > 1_000_000) throw new Error('runaway output');
  }
  cursorTo(x: number): boolean {
    return this.write(`\x1b[${x + 1}G`);
  }
  moveCursor(_dx: number, dy: number): boolean {
    return this.write(`\x1b[${-dy}A`);
  }
  clearLine(): boolean {
    return this.write('\x1b[0K');
  }
}

const asStream = (screen: Screen) => screen as unknown as NodeJS.WriteStream;
const elapsed = String.raw`\(\d+\.\d s\)`;

afterEach(() => vi.unstubAllEnvs());

describe('createProgress', () => {
  it('writes plain lines, one per detail, when the output is not a terminal', async () => {
    const screen = new Screen();
    const progress = createProgress(asStream(screen));

    const result = await progress.step(
      'Copy to the DR account',
      async (update) => {
        update('copying');
        progress.info('    chat (info): copied');
        return 'copied';
      },
      (outcome) => outcome,
    );
    await expect(progress.step('Prune', () => Promise.reject(new Error('listing failed')))).rejects.toThrow(
      'listing failed',
    );

    expect(result).toBe('copied');
    expect(screen.written).toMatch(
      new RegExp(
        [
          '• Copy to the DR account \\.\\.\\.',
          '    copying',
          '    chat \\(info\\): copied',
          `✔ Copy to the DR account: copied ${elapsed}`,
          '• Prune \\.\\.\\.',
          `✘ Prune ${elapsed}`,
          '',
        ].join('\n'),
      ),
    );
  });

  it('writes plain lines on a terminal of no size, where a spinner would clear lines without end', async () => {
    vi.stubEnv('CI', undefined);
    const screen = new Screen({ columns: 0 });

    await createProgress(asStream(screen)).step('Load sample database', async () => 'loaded');

    expect(screen.written).toMatch(
      new RegExp(`^• Load sample database \\.\\.\\.\n✔ Load sample database ${elapsed}\n$`),
    );
  });

  it('spins on an interactive terminal and leaves one line per step with its elapsed time', async () => {
    vi.stubEnv('CI', undefined);
    vi.stubEnv('TERM', 'xterm-256color');
    const screen = new Screen({ columns: 120 });
    const progress = createProgress(asStream(screen));

    await progress.step(
      'Restore-verify at the primary',
      async (update) => {
        update('FingerprintDatabases');
        await new Promise((resolve) => setTimeout(resolve, 250));
        return 'passed';
      },
      (verdict) => verdict,
    );

    expect(screen.written).toMatch(
      /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏].*Restore-verify at the primary — FingerprintDatabases \(\d+\.\d s\)/,
    );
    expect(screen.written).toMatch(new RegExp(`✔ Restore-verify at the primary: passed ${elapsed}\n`));
    expect(screen.written).not.toContain('• Restore-verify');
  });
});
