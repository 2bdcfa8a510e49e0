import { RDSClient, type RDSClientConfig } from '@aws-sdk/client-rds';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';

/** Seen in CloudTrail of the DR account: every copy Lifeboat makes there carries this name. */
export const COPY_SESSION_NAME = 'lifeboat-copy';

/** Temporary credentials, in the shape every SDK v3 client's `credentials` provider returns. */
export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

// Renew this long before expiry, so a request signed now is not refused halfway.
const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * Credentials of a role in another account, from STS AssumeRole, fetched on first use and renewed
 * before they expire (a Lambda container lives longer than one session).
 */
export function assumedRoleCredentials(options: {
  sts: STSClient;
  roleArn: string;
  /** Sent when the role's trust policy asks for one (it keeps others from borrowing the role). */
  externalId?: string;
  sessionName?: string;
  now?: () => number;
}): () => Promise<TemporaryCredentials> {
  const now = options.now ?? Date.now;
  let current: TemporaryCredentials | undefined;
  return async () => {
    if (current && (!current.expiration || current.expiration.getTime() - REFRESH_MARGIN_MS > now())) {
      return current;
    }
    const answer = await options.sts.send(
      new AssumeRoleCommand({
        RoleArn: options.roleArn,
        RoleSessionName: options.sessionName ?? COPY_SESSION_NAME,
        ...(options.externalId ? { ExternalId: options.externalId } : {}),
      }),
    );
    const credentials = answer.Credentials;
    if (!credentials?.AccessKeyId || !credentials.SecretAccessKey) {
      throw new Error(`STS AssumeRole of ${options.roleArn} returned no credentials`);
    }
    current = {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      ...(credentials.SessionToken ? { sessionToken: credentials.SessionToken } : {}),
      ...(credentials.Expiration ? { expiration: credentials.Expiration } : {}),
    };
    return current;
  };
}

/**
 * An RDS client for another region, and for a DR account when `roleArn` is given (credentials from
 * AssumeRole with the caller's STS client). `base` carries shared settings such as a test endpoint.
 */
export function rdsClientFor(options: {
  region: string;
  base?: RDSClientConfig;
  roleArn?: string;
  externalId?: string;
  sts?: STSClient;
}): RDSClient {
  const { region, base = {}, roleArn, externalId } = options;
  if (!roleArn) return new RDSClient({ ...base, region });
  const sts = options.sts ?? new STSClient({ region, ...stsConfigFrom(base) });
  const credentials = assumedRoleCredentials({ sts, roleArn, ...(externalId ? { externalId } : {}) });
  return new RDSClient({ ...base, region, credentials });
}

function stsConfigFrom(base: RDSClientConfig) {
  return {
    ...(base.endpoint ? { endpoint: base.endpoint } : {}),
    ...(base.credentials ? { credentials: base.credentials } : {}),
  } as ConstructorParameters<typeof STSClient>[0];
}
