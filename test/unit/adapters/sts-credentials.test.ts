// fromTemporaryCredentials asks STS through the SDK's own STS client in @aws-sdk/nested-clients,
// not the one of @aws-sdk/client-sts: that is the class to mock.
import { AssumeRoleCommand, STSClient } from '@aws-sdk/nested-clients/sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { assumedRoleCredentials, rdsClientFor } from '../../../lib/adapters/aws/sts-credentials.js';

const sts = mockClient(STSClient);
afterEach(() => {
  sts.reset();
  vi.useRealTimers();
});

const ROLE = 'arn:aws:iam::222222222222:role/lifeboat-dr-copy';
const STS_AT = { region: 'us-east-1', credentials: { accessKeyId: 'home', secretAccessKey: 'home' } };

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

describe('rdsClientFor', () => {
  it('assumes the role once as lifeboat-copy, and again only when the session nears its end', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-24T12:00:00Z'));
    sts
      .on(AssumeRoleCommand)
      .resolvesOnce(session(1, new Date('2026-11-24T13:00:00Z')))
      .resolvesOnce(session(2, new Date('2026-11-24T14:00:00Z')));
    const client = rdsClientFor({ region: 'eu-west-1', roleArn: ROLE, sts: STS_AT });

    const first = await client.config.credentials();
    vi.setSystemTime(new Date('2026-11-24T12:50:00Z'));
    const cached = await client.config.credentials();
    vi.setSystemTime(new Date('2026-11-24T12:56:00Z'));
    const renewed = await client.config.credentials();

    expect([first.accessKeyId, cached.accessKeyId, renewed.accessKeyId]).toEqual(['AKIA1', 'AKIA1', 'AKIA2']);
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: ROLE,
      RoleSessionName: 'lifeboat-copy',
    });
  });

  it('gives an RDS client of a DR account credentials of the role, assumed with the external id', async () => {
    sts.on(AssumeRoleCommand).resolves(session(3, new Date(Date.now() + 3_600_000)));
    const client = rdsClientFor({
      region: 'eu-west-1',
      roleArn: ROLE,
      externalId: 'lifeboat-prod-7f3a',
      sts: STS_AT,
    });

    const credentials = await client.config.credentials();

    expect(credentials.accessKeyId).toBe('AKIA3');
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: ROLE,
      ExternalId: 'lifeboat-prod-7f3a',
    });
  });

  it('uses its own credentials, assuming nothing, for a target in the same account', async () => {
    const client = rdsClientFor({
      region: 'eu-west-1',
      base: { credentials: { accessKeyId: 'own', secretAccessKey: 'own' } },
    });

    expect((await client.config.credentials()).accessKeyId).toBe('own');
    expect(await client.config.region()).toBe('eu-west-1');
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 0);
  });
});

describe('assumedRoleCredentials', () => {
  it('fails naming the role when STS returns no credentials', async () => {
    sts.on(AssumeRoleCommand).resolves({});

    await expect(assumedRoleCredentials({ roleArn: ROLE, sts: STS_AT })()).rejects.toThrow(ROLE);
  });

  it('presents the external id the DR role trusts, when one is set', async () => {
    sts.on(AssumeRoleCommand).resolves(session(1, new Date(Date.now() + 3_600_000)));

    await assumedRoleCredentials({ roleArn: ROLE, externalId: 'lifeboat-prod-7f3a', sts: STS_AT })();
    await assumedRoleCredentials({ roleArn: ROLE, sts: STS_AT })();

    const calls = sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input);
    expect(calls[0]).toMatchObject({ RoleArn: ROLE, ExternalId: 'lifeboat-prod-7f3a' });
    expect(calls[1]).not.toHaveProperty('ExternalId');
  });
});
