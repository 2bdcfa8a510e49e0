import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerRestore } from '../../cli/commands/restore.js';
import {
  runRestoreVerifyLocally,
  type LocalExecutionEvent,
  type LocalRunOptions,
} from '../../lib/adapters/local-state-machine.js';
import { createRestoreVerifyTasks } from '../../lib/core/use-cases/restore-verify/tasks.js';
import { describedExecution, executionHistory, serveExecution } from '../support/execution-history.js';
import { INSTANCE, useRestoreVerifyServers } from './restore-verify-fixture.js';

/*
 * `lifeboat restore --wait` reads an execution of the deployed machine through DescribeExecution and
 * GetExecutionHistory. Here the execution is the real ASL run locally with the real handlers; its
 * event log is served in the documented GetExecutionHistory shape (test/support/execution-history.ts),
 * in pages, while the execution is still running and after it ended.
 */

const STATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:lifeboat-dev-restore-verify';
const EXECUTION =
  'arn:aws:states:us-east-1:123456789012:execution:lifeboat-dev-restore-verify:restore-app-db';
const ROLE = 'arn:aws:iam::123456789012:role/lifeboat-dev-restore-verify';

const sfn = mockClient(SFNClient);
const live = useRestoreVerifyServers();
afterEach(() => sfn.reset());

/** Runs restore-verify locally and serves that execution to the CLI's SFN client. */
async function serveLocalRun(tasks: LocalRunOptions['tasks'] = {}) {
  const input = { source: INSTANCE };
  const events: LocalExecutionEvent[] = [];
  const startDate = new Date();
  const run = await runRestoreVerifyLocally(input, live.fixture.deps, {
    tasks,
    executionId: EXECUTION,
    onEvent: (event) => events.push(event),
  });
  const history = executionHistory(events, {
    roleArn: ROLE,
    functionArn: (state) => `arn:aws:lambda:us-east-1:123456789012:function:lifeboat-dev-${state}`,
  });
  const final = describedExecution(run, {
    executionArn: EXECUTION,
    stateMachineArn: STATE_MACHINE,
    input,
    startDate,
    stopDate: new Date(),
  });
  const served = serveExecution(sfn, { final, history, runningPolls: 1, pageSize: 7 });
  return { run, history, ...served };
}

/** `lifeboat restore ...` in this process, so its SFN client is the mocked one; stdout by line. */
async function lifeboatRestore(...args: string[]): Promise<{ stdout: string[]; error?: Error }> {
  const program = new Command().exitOverride();
  registerRestore(program);
  const stdout: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => {
    stdout.push(parts.join(' '));
  });
  try {
    await program.parseAsync(['restore', ...args], { from: 'user' });
    return { stdout };
  } catch (error) {
    return { stdout, error: error as Error };
  } finally {
    log.mockRestore();
  }
}

const entered = (stdout: string[]) =>
  stdout.flatMap((line) => {
    const match = /→ (\w+)$/.exec(line);
    return match ? [match[1]] : [];
  });

describe('lifeboat restore --wait on an execution of the real restore-verify machine', () => {
  it('prints every state the execution entered, once and in order, then the comparison and report', async () => {
    const { run, history, historyRequests } = await serveLocalRun();
    expect(run.status).toBe('SUCCEEDED');

    const result = await lifeboatRestore(
      '--db',
      INSTANCE,
      '--wait',
      '--poll-seconds',
      '0.05',
      '--region',
      'us-east-1',
      '--state-machine-arn',
      STATE_MACHINE,
    );

    expect(result.error).toBeUndefined();
    expect(entered(result.stdout)).toEqual(run.states);
    const output = run.output as {
      comparison: { summary: string };
      report: { key: string; verdict: string };
    };
    expect(result.stdout).toContain(`Comparison: ${output.comparison.summary}`);
    expect(result.stdout).toContain(`Report: ${output.report.key} (passed)`);
    expect(result.stdout.at(-1)).toBe('Verified.');
    // The history was read in pages, each asked for with a token the page before it gave.
    expect(historyRequests.filter((r) => r.nextToken !== undefined).length).toBeGreaterThan(1);
    for (const [i, request] of historyRequests.entries()) {
      if (request.nextToken === undefined) continue;
      expect(Number(request.nextToken) - Number(historyRequests[i - 1]?.nextToken ?? 0)).toBe(7);
    }
    expect(history.filter((e) => e.type === 'LambdaFunctionSucceeded').length).toBeGreaterThan(0);
  });

  it('prints the failed task with its error, and fails naming the error, when the execution fails', async () => {
    const real = createRestoreVerifyTasks(live.fixture.deps);
    const { run } = await serveLocalRun({
      FingerprintDatabase: async (input: unknown) => {
        await real.FingerprintDatabase!(input);
        throw Object.assign(new Error('connection reset while fingerprinting public.orders'), {
          name: 'FingerprintFailed',
        });
      },
    });
    expect(run.status).toBe('FAILED');

    const result = await lifeboatRestore(
      '--db',
      INSTANCE,
      '--wait',
      '--poll-seconds',
      '0.05',
      '--region',
      'us-east-1',
      '--state-machine-arn',
      STATE_MACHINE,
    );

    expect(entered(result.stdout)).toEqual(run.states);
    expect(entered(result.stdout).slice(-4)).toEqual(['DeleteScratch', 'PublishOutcome', 'Passed', 'Failed']);
    expect(result.stdout).toContainEqual(
      expect.stringMatching(/ {2}✗ FingerprintFailed: connection reset while fingerprinting public\.orders$/),
    );
    expect(result.error).toMatchObject({ name: 'VerificationFailedError' });
    expect(result.error?.message).toMatch(
      /^restore-verify failed: FingerprintFailed: connection reset while fingerprinting public\.orders/,
    );
    expect(result.stdout).not.toContain('Verified.');
  });
});
