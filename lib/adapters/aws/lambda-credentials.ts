import { fromContainerMetadata, fromEnv } from '@aws-sdk/credential-providers';

/**
 * The function's own credentials, as the Lambda runtime hands them over: in AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN ("Defined runtime environment variables",
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime),
 * or, where a runtime serves them from a container credentials endpoint instead, from
 * AWS_CONTAINER_CREDENTIALS_FULL_URI or _RELATIVE_URI.
 *
 * The packaged functions get this in place of the SDK's default chain
 * (@aws-sdk/credential-provider-node, swapped by the `alias` in serverless.yml): every client's
 * runtime config imports that chain, and its profile, SSO, login and web-identity providers with
 * their own STS, SSO and sign-in clients were a sixth of each bundle, parsed at every cold start and
 * never used in Lambda. The CLI and the tests keep the SDK's chain.
 */
export function defaultProvider(): ReturnType<typeof fromEnv> {
  const env = process.env;
  const container =
    !env.AWS_ACCESS_KEY_ID &&
    Boolean(env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI);
  // fromEnv fails with "Unable to find environment variable credentials" when neither is there.
  return container ? fromContainerMetadata() : fromEnv();
}
