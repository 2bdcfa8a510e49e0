import { RDSClient, type RDSClientConfig } from '@aws-sdk/client-rds';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';

/** Seen in CloudTrail of the DR account: every copy Lifeboat makes there carries this name. */
export const COPY_SESSION_NAME = 'lifeboat-copy';

/**
 * Where, and as whom, STS is asked for a role's credentials: the home region and the function's
 * own credentials unless given (a test endpoint, a CLI profile).
 */
export type StsSettings = Pick<RDSClientConfig, 'region' | 'endpoint' | 'profile' | 'credentials'>;

/**
 * Credentials of a role in another account, from STS AssumeRole. The provider asks STS on every
 * call; the SDK client it is given to keeps the session and renews it when it is within 5 minutes
 * of expiry (a Lambda container lives longer than one session), so hand it to a client rather than
 * call it yourself.
 */
export function assumedRoleCredentials(options: {
  roleArn: string;
  /** Sent when the role's trust policy asks for one (it keeps others from borrowing the role). */
  externalId?: string;
  sessionName?: string;
  sts?: StsSettings;
}): ReturnType<typeof fromTemporaryCredentials> {
  return fromTemporaryCredentials({
    params: {
      RoleArn: options.roleArn,
      RoleSessionName: options.sessionName ?? COPY_SESSION_NAME,
      ...(options.externalId ? { ExternalId: options.externalId } : {}),
    },
    ...(options.sts ? { clientConfig: options.sts } : {}),
  });
}

/**
 * An RDS client for another region, and for a DR account when `roleArn` is given (credentials from
 * AssumeRole, asked of STS with `sts`, else with `base`'s endpoint and credentials in the client's
 * region). `base` carries shared settings such as a test endpoint.
 */
export function rdsClientFor(options: {
  region: string;
  base?: RDSClientConfig;
  roleArn?: string;
  externalId?: string;
  sts?: StsSettings;
}): RDSClient {
  const { region, base = {}, roleArn, externalId } = options;
  if (!roleArn) return new RDSClient({ ...base, region });
  const credentials = assumedRoleCredentials({
    roleArn,
    ...(externalId ? { externalId } : {}),
    sts: options.sts ?? { ...stsSettingsFrom(base), region },
  });
  return new RDSClient({ ...base, region, credentials });
}

/** The settings of `config` that STS needs too: a test endpoint, a profile, the caller's credentials. */
export function stsSettingsFrom(config: RDSClientConfig): StsSettings {
  return {
    ...(config.region ? { region: config.region } : {}),
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.profile ? { profile: config.profile } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
  };
}
