import { describe, expect, it } from 'vitest';
import { runLifeboat } from '../support/cli.js';

// Each of these is refused before any AWS call or database connection (no endpoint is given).
describe('lifeboat recover, bad input', () => {
  const url = 'postgres://app@127.0.0.1:1/app';
  it.each([
    [
      ['--db', 'app-db', '--time', 'yesterday', '--live-url', url],
      '--time must be an ISO 8601 time with a zone',
    ],
    [['--db', 'app-db', '--time', '2026-11-24T09:29:00'], '--time must be an ISO 8601 time with a zone'],
    [['--db', 'app-db', '--time', '2026-11-24T09:29:00Z'], '--live-url or --live-secret is required'],
    [
      ['--db', 'app-db', '--time', '2026-11-24T09:29:00Z', '--live-url', url, '--poll-seconds', '0'],
      '--poll-seconds "0" is not a positive number of seconds',
    ],
    [
      ['--db', 'app-db', '--time', '2026-11-24T09:29:00Z', '--live-url', url, '--live-secret', 'arn:x'],
      '--live-url and --live-secret name the live database twice',
    ],
    [
      ['--db', 'app-db', '--time', '2026-11-24T09:29:00Z', '--live-url', 'ftp://x/y'],
      'unsupported database URL scheme "ftp"',
    ],
    [
      ['--db', 'app-db', '--time', '2026-11-24T09:29:00Z', '--live-url', url],
      '--password-key-secret is required',
    ],
    [
      [
        '--db',
        'app-db',
        '--time',
        '2026-11-24T09:29:00Z',
        '--live-url',
        url,
        '--password-key-secret',
        'arn:x',
        '--policy',
        'no-such.yml',
      ],
      'policy file no-such.yml: not found',
    ],
  ])('%j exits 2 naming the problem', async (args, message) => {
    // Neither may come from the environment of whoever runs the tests.
    const { LIFEBOAT_LIVE_URL: _url, LIFEBOAT_SCRATCH_PASSWORD_KEY: _key, ...env } = process.env;

    const run = await runLifeboat(['recover', ...args], env);

    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringContaining(message)]);
  });
});
