import type { Command } from 'commander';
import { ConfigError } from '../lib/core/errors.js';

/** The options every command that talks to a deployed stack takes, as commander parses them. */
export interface AwsOptions {
  region?: string;
  profile?: string;
  endpointUrl?: string;
}

/** Adds --region, --profile and --endpoint-url; the standard AWS chain fills in what is not given. */
export function withAwsOptions(command: Command): Command {
  return command
    .option('--region <region>', 'AWS region (default: AWS_REGION or the profile)')
    .option('--profile <profile>', 'AWS profile from ~/.aws/config')
    .option(
      '--endpoint-url <url>',
      'another endpoint for every AWS call, e.g. a moto server (or AWS_ENDPOINT_URL)',
    );
}

/**
 * Client config for any SDK v3 client. Only what the operator set is passed, so the SDK's own
 * chain (environment, profile, SSO, instance role) decides the rest.
 */
export function awsClientConfig(options: AwsOptions): {
  region?: string;
  profile?: string;
  endpoint?: string;
} {
  const endpoint = options.endpointUrl ?? process.env.AWS_ENDPOINT_URL;
  if (endpoint !== undefined && !URL.canParse(endpoint)) {
    throw new ConfigError(`--endpoint-url "${endpoint}" is not a URL`);
  }
  return {
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(endpoint ? { endpoint } : {}),
  };
}

/** The region a client will use, or a usage error that says how to set one. */
export async function regionOf(client: { config: { region: () => Promise<string> } }): Promise<string> {
  try {
    return await client.config.region();
  } catch (error) {
    throw new ConfigError('no AWS region: pass --region or set AWS_REGION', { cause: error });
  }
}
