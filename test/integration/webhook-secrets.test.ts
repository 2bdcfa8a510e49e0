import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookSecrets } from '../../lib/adapters/aws/webhook-secrets.js';
import { motoClientConfig, startMoto, type Moto } from '../support/moto.js';

let moto: Moto;
let secretsManager: SecretsManagerClient;
let ssm: SSMClient;

beforeAll(async () => {
  moto = await startMoto();
  secretsManager = new SecretsManagerClient(motoClientConfig(moto));
  ssm = new SSMClient(motoClientConfig(moto));
});
afterAll(() => moto.stop());

describe('WebhookSecrets', () => {
  it('reuses a URL within its TTL and reads a rotated one after it', async () => {
    await secretsManager.send(
      new CreateSecretCommand({
        Name: 'lifeboat/rotating',
        SecretString: 'https://hooks.slack.com/services/T/B/one',
      }),
    );
    let now = new Date('2026-11-24T09:00:00Z');
    const secrets = new WebhookSecrets({ secretsManager, ssm, ttlMs: 60_000, clock: () => now });

    expect(await secrets.webhookUrl('secretsmanager:lifeboat/rotating')).toBe(
      'https://hooks.slack.com/services/T/B/one',
    );
    await secretsManager.send(
      new PutSecretValueCommand({
        SecretId: 'lifeboat/rotating',
        SecretString: 'https://hooks.slack.com/services/T/B/two',
      }),
    );
    now = new Date('2026-11-24T09:00:30Z');
    expect(await secrets.webhookUrl('secretsmanager:lifeboat/rotating')).toBe(
      'https://hooks.slack.com/services/T/B/one',
    );
    now = new Date('2026-11-24T09:01:01Z');
    expect(await secrets.webhookUrl('secretsmanager:lifeboat/rotating')).toBe(
      'https://hooks.slack.com/services/T/B/two',
    );
  });

  it('refuses a plain SSM String: a webhook URL is a credential', async () => {
    await ssm.send(
      new PutParameterCommand({
        Name: '/lifeboat/plain',
        Type: 'String',
        Value: 'https://hooks.slack.com/x',
      }),
    );
    const secrets = new WebhookSecrets({ secretsManager, ssm });

    await expect(secrets.webhookUrl('ssm:/lifeboat/plain')).rejects.toThrow(
      /must be an SSM SecureString, not String/,
    );
  });

  it('names the reference, not the value, when the secret holds no URL', async () => {
    await secretsManager.send(
      new CreateSecretCommand({ Name: 'lifeboat/garbled', SecretString: 'hunter2-secret' }),
    );
    const secrets = new WebhookSecrets({ secretsManager, ssm });

    const failure = secrets.webhookUrl('secretsmanager:lifeboat/garbled');

    await expect(failure).rejects.toThrow(/webhook secretsmanager:lifeboat\/garbled does not hold a URL/);
    await expect(failure).rejects.not.toThrow(/hunter2/);
  });

  it('refuses a plain-http webhook outside loopback', async () => {
    await secretsManager.send(
      new CreateSecretCommand({ Name: 'lifeboat/http', SecretString: 'http://hooks.example.com/services/x' }),
    );
    const secrets = new WebhookSecrets({ secretsManager, ssm });

    await expect(secrets.webhookUrl('secretsmanager:lifeboat/http')).rejects.toThrow(
      /must be an https:\/\/ URL/,
    );
  });
});
