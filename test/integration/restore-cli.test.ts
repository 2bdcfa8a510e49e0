import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMoto, motoClientConfig, type Moto } from '../support/moto.js';

const CLI = fileURLToPath(new URL('../../bin/lifeboat.mjs', import.meta.url));
const ROLE = 'arn:aws:iam::123456789012:role/lifeboat-restore-verify';

/**
 * A stand-in for the deployed state machine that moto can execute (it runs no Lambda): these tests
 * check what `lifeboat restore` starts. What `--wait` prints is tested on executions of the real
 * ASL in test/state-machines/restore-cli-history.test.ts.
 */
const PASSING = {
  StartAt: 'ValidateInput',
  States: { ValidateInput: { Type: 'Pass', End: true } },
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('lifeboat restore against moto', { timeout: 120_000 }, () => {
  let moto: Moto;
  let sfn: SFNClient;
  let passing: string;

  const run = (...args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [CLI, 'restore', ...args],
        {
          env: {
            ...process.env,
            AWS_ACCESS_KEY_ID: 'testing',
            AWS_SECRET_ACCESS_KEY: 'testing',
            AWS_SESSION_TOKEN: 'testing',
            AWS_REGION: 'us-east-1',
            AWS_ENDPOINT_URL: '',
          },
          timeout: 60_000,
        },
        (error, stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  const executions = async (stateMachineArn: string) =>
    (await sfn.send(new ListExecutionsCommand({ stateMachineArn }))).executions ?? [];

  beforeAll(async () => {
    moto = await startMoto();
    sfn = new SFNClient(motoClientConfig(moto));
  });
  afterAll(async () => {
    await moto?.stop();
  });
  beforeEach(async () => {
    await moto.reset();
    // moto only records executions unless told to run their definitions.
    await fetch(`${moto.endpoint}/moto-api/config`, {
      method: 'POST',
      body: JSON.stringify({ stepfunctions: { execute_state_machine: true } }),
    });
    const create = async (name: string, definition: object) =>
      (
        await sfn.send(
          new CreateStateMachineCommand({ name, definition: JSON.stringify(definition), roleArn: ROLE }),
        )
      ).stateMachineArn!;
    passing = await create('lifeboat-dev-restore-verify', PASSING);
  });

  it('starts one execution with the snapshot and target as its input', async () => {
    const result = await run(
      '--db',
      'shop',
      '--snapshot',
      'lifeboat-shop-20261124t0600',
      '--target',
      'primary',
      '--state-machine-arn',
      passing,
      '--endpoint-url',
      moto.endpoint,
    );

    expect(result.stderr).not.toContain('lifeboat:');
    expect(result.code).toBe(0);
    const started = await executions(passing);
    expect(started).toHaveLength(1);
    expect(result.stdout).toContain(started[0]!.executionArn);
    const described = await sfn.send(
      new DescribeExecutionCommand({ executionArn: started[0]!.executionArn }),
    );
    expect(JSON.parse(described.input!)).toEqual({
      source: 'shop',
      snapshot: 'lifeboat-shop-20261124t0600',
      target: 'primary',
    });
  });

  it('finds the state machine by name and passes a point in time in UTC', async () => {
    const result = await run(
      '--db',
      'shop',
      '--time',
      '2026-11-24T10:30:00+01:00',
      '--endpoint-url',
      moto.endpoint,
    );

    expect(result.code).toBe(0);
    const started = await executions(passing);
    expect(started).toHaveLength(1);
    const described = await sfn.send(
      new DescribeExecutionCommand({ executionArn: started[0]!.executionArn }),
    );
    expect(JSON.parse(described.input!)).toEqual({ source: 'shop', pointInTime: '2026-11-24T09:30:00.000Z' });
  });

  it('passes --time latest as it is, for the target to resolve from its replicated backups', async () => {
    const result = await run(
      '--db',
      'shop',
      '--time',
      'latest',
      '--target',
      'eu-west-1',
      '--endpoint-url',
      moto.endpoint,
    );

    expect(result.code).toBe(0);
    const started = await executions(passing);
    const described = await sfn.send(
      new DescribeExecutionCommand({ executionArn: started[0]!.executionArn }),
    );
    expect(JSON.parse(described.input!)).toEqual({
      source: 'shop',
      pointInTime: 'latest',
      target: 'eu-west-1',
    });
  });

  it('refuses --snapshot with --time: exit 2, one line, nothing started', async () => {
    const result = await run(
      '--db',
      'shop',
      '--snapshot',
      's1',
      '--time',
      '2026-11-24T09:30:00Z',
      '--state-machine-arn',
      passing,
      '--endpoint-url',
      moto.endpoint,
    );

    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('--snapshot and --time are exclusive');
    expect(await executions(passing)).toHaveLength(0);
  });

  it('refuses a time that is not ISO 8601 with a zone: exit 2, nothing started', async () => {
    const result = await run(
      '--db',
      'shop',
      '--time',
      '24/11/2026 09:30',
      '--state-machine-arn',
      passing,
      '--endpoint-url',
      moto.endpoint,
    );

    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(/^lifeboat: --time "24\/11\/2026 09:30" is not an ISO 8601 time/);
    expect(await executions(passing)).toHaveLength(0);
  });

  it('refuses a target that is not primary, a region or account/region, before starting', async () => {
    const result = await run(
      '--db',
      'shop',
      '--target',
      'Mars',
      '--state-machine-arn',
      passing,
      '--endpoint-url',
      moto.endpoint,
    );

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('target');
    expect(await executions(passing)).toHaveLength(0);
  });
});
