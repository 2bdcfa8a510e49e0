import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SfnVerificationStarter } from '../../../lib/adapters/aws/sfn-starter.js';
import { sfnErrorResponse } from '../../support/sdk-errors.js';

const sfn = mockClient(SFNClient);
afterEach(() => sfn.reset());

const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:lifeboat-dev-restore-verify';
const starter = () => new SfnVerificationStarter(new SFNClient({ region: 'us-east-1' }), MACHINE);

describe('SfnVerificationStarter', () => {
  it('takes a finished execution of the same name as this one, started by the first delivery', async () => {
    // "The execution has the same name as another execution (but a different input)", or the
    // same name as a closed one (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
    const exists = await sfnErrorResponse({
      type: 'ExecutionAlreadyExists',
      message: `Execution Already Exists: '${MACHINE.replace(':stateMachine:', ':execution:')}:gold-app-db-20261124t0300'`,
    });
    expect(exists).toBeInstanceOf(ExecutionAlreadyExists);
    sfn.on(StartExecutionCommand).rejects(exists);

    const started = await starter().start('gold-app-db-20261124t0300', { source: 'app-db' });

    expect(started).toEqual({
      executionId:
        'arn:aws:states:us-east-1:123456789012:execution:lifeboat-dev-restore-verify:gold-app-db-20261124t0300',
    });
  });

  it('fails on any other refusal, such as too many executions open', async () => {
    const limit = await sfnErrorResponse({
      type: 'ExecutionLimitExceeded',
      message: 'The maximum number of running executions has been reached.',
    });
    sfn.on(StartExecutionCommand).rejects(limit);

    await expect(starter().start('gold-app-db-20261124t0300', { source: 'app-db' })).rejects.toBe(limit);
  });
});
