import { RDSClient } from '@aws-sdk/client-rds';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateStateMachineCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaContext } from '../support/lambda-context.js';
import { motoClientConfig, startMoto, type Moto } from '../support/moto.js';
import { createInstance } from '../support/rds-fixtures.js';
import { POLICIES } from '../state-machines/restore-verify-fixture.js';

const context = lambdaContext('lifeboat-dev-restoreValidateInput');

type Handler = (event: unknown, context: Context) => Promise<Record<string, unknown>>;

let moto: Moto;
let stateMachineArn: string;
const saved = { ...process.env };

beforeAll(async () => {
  moto = await startMoto();
  const config = motoClientConfig(moto);
  await createInstance(new RDSClient(config), 'app-db', { 'lifeboat:policy': 'gold' });

  const key = await new SecretsManagerClient(config).send(
    new CreateSecretCommand({ Name: 'lifeboat-scratch-password-key', SecretString: 'k'.repeat(64) }),
  );
  stateMachineArn = (
    await new SFNClient(config).send(
      new CreateStateMachineCommand({
        name: 'lifeboat-dev-restore-verify',
        roleArn: 'arn:aws:iam::123456789012:role/lifeboat-restore-verify',
        definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }),
      }),
    )
  ).stateMachineArn!;

  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: 'us-east-1',
    LIFEBOAT_POLICY: JSON.stringify(POLICIES),
    LIFEBOAT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:lifeboat',
    LIFEBOAT_REPORTS_BUCKET: 'lifeboat-reports',
    LIFEBOAT_SCRATCH_PASSWORD_KEY: key.ARN,
    LIFEBOAT_RESTORE_VERIFY_ARN: stateMachineArn,
  });
});

afterAll(async () => {
  process.env = saved;
  await moto?.stop();
});

describe('restore-verify Lambda handlers', () => {
  it('validates an execution input against the databases in RDS', async () => {
    const { handler } = (await import('../../functions/restore/validate-input.js')) as { handler: Handler };

    const request = await handler(
      { input: { source: 'app-db' }, execution: 'arn:aws:states:x:run-1' },
      context,
    );

    expect(request).toMatchObject({
      mode: 'database',
      policy: 'gold',
      source: { id: 'app-db', kind: 'instance' },
    });
    await expect(
      handler({ input: { source: 'other-db' }, execution: 'run-2' }, context),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
    });
  });

  it('starts one execution per database of a scheduled policy run, once for a repeated event', async () => {
    const validate = (await import('../../functions/restore/validate-input.js')) as { handler: Handler };
    const start = (await import('../../functions/restore/start-database-verifications.js')) as {
      handler: Handler;
    };
    const event = { input: { policy: 'gold', time: '2026-03-01T03:00:00Z' }, execution: 'run-3' };

    const request = await validate.handler(event, context);
    await start.handler({ request }, context);
    await start.handler({ request }, context);

    const executions = await new SFNClient(motoClientConfig(moto)).send(
      new ListExecutionsCommand({ stateMachineArn }),
    );
    expect(executions.executions?.map((e) => e.name)).toEqual(['gold-app-db-20260301T030000Z']);
  });
});
