import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { assumedRoleCredentials, rdsClientFor } from '../../../lib/adapters/aws/sts-credentials.js';

const sts = mockClient(STSClient);
afterEach(() => sts.reset());

const ROLE = 'arn:aws:iam::222222222222:role/lifeboat-dr-copy';

function session(n: number, expiration: Date) {
  return {
    Credentials: {
      AccessKeyId: `AKIA${n}`,
      SecretAccessKey: `secret-${n}`,
      SessionToken: `token-${n}`,
      Expiration: expiration,
    },
  };
}

describe('assumedRoleCredentials', () => {
  it('assumes the role once as lifeboat-copy, and again only when the session nears its end', async () => {
    let now = Date.parse('2026-11-24T12:00:00Z');
    sts
      .on(AssumeRoleCommand)
      .resolvesOnce(session(1, new Date('2026-11-24T13:00:00Z')))
      .resolvesOnce(session(2, new Date('2026-11-24T14:00:00Z')));
    const credentials = assumedRoleCredentials({ sts: new STSClient({}), roleArn: ROLE, now: () => now });

    const first = await credentials();
    now = Date.parse('2026-11-24T12:50:00Z');
    const cached = await credentials();
    now = Date.parse('2026-11-24T12:56:00Z');
    const renewed = await credentials();

    expect([first.accessKeyId, cached.accessKeyId, renewed.accessKeyId]).toEqual(['AKIA1', 'AKIA1', 'AKIA2']);
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: ROLE,
      RoleSessionName: 'lifeboat-copy',
    });
  });

  it('fails naming the role when STS returns no credentials', async () => {
    sts.on(AssumeRoleCommand).resolves({});

    await expect(assumedRoleCredentials({ sts: new STSClient({}), roleArn: ROLE })()).rejects.toThrow(
      `STS AssumeRole of ${ROLE} returned no credentials`,
    );
  });

  it('presents the external id the DR role trusts, when one is set', async () => {
    sts.on(AssumeRoleCommand).resolves(session(1, new Date(Date.now() + 3_600_000)));

    await assumedRoleCredentials({
      sts: new STSClient({}),
      roleArn: ROLE,
      externalId: 'lifeboat-prod-7f3a',
    })();
    await assumedRoleCredentials({ sts: new STSClient({}), roleArn: ROLE })();

    const calls = sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input);
    expect(calls[0]).toMatchObject({ RoleArn: ROLE, ExternalId: 'lifeboat-prod-7f3a' });
    expect(calls[1]).not.toHaveProperty('ExternalId');
  });

  it('gives an RDS client of a DR account credentials of the role, assumed with the external id', async () => {
    sts.on(AssumeRoleCommand).resolves(session(3, new Date(Date.now() + 3_600_000)));
    const client = rdsClientFor({
      region: 'eu-west-1',
      roleArn: ROLE,
      externalId: 'lifeboat-prod-7f3a',
      sts: new STSClient({}),
    });

    const credentials = await client.config.credentials();

    expect(credentials.accessKeyId).toBe('AKIA3');
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: ROLE,
      ExternalId: 'lifeboat-prod-7f3a',
    });
  });
});
