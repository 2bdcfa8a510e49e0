import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  __Client,
  DescribeDBInstancesCommand,
  RDSClient,
  type RDSServiceException,
} from '@aws-sdk/client-rds';

/**
 * RDS errors as the SDK raises them, so a test breaks when the SDK changes how it reports them.
 *
 * Two builders: `rdsFault` constructs a modeled exception class the way the SDK's deserializer does
 * (`new X({ message, $metadata })`, which sets `name` and `$fault` itself); `rdsErrorResponse` runs
 * a recorded RDS Query-protocol error body through the SDK's own parser, for the codes the SDK does
 * not model (Throttling, AccessDenied, InvalidParameterValue, ...) and to check that the first
 * builder stays faithful to what arrives on the wire.
 */

interface ModeledFault<E extends RDSServiceException> {
  new (options: { message: string; $metadata: { httpStatusCode?: number; requestId?: string } }): E;
}

/** A modeled RDS exception, as the SDK builds it from a response with that status. */
export function rdsFault<E extends RDSServiceException>(
  Fault: ModeledFault<E>,
  message: string,
  httpStatusCode = 400,
): E {
  return new Fault({ message, $metadata: { httpStatusCode, requestId: REQUEST_ID } });
}

const REQUEST_ID = '5d4f3e1a-9c1b-4c2e-8f7a-2b3c4d5e6f70';

export interface RdsErrorBody {
  /** The wire code, as RDS sends it in <Code> (`Throttling`, `InvalidDBInstanceState`). */
  code: string;
  message: string;
  /** HTTP status RDS answers with; 400 for client errors (Throttling included). */
  status?: number;
  /** `Sender` for client errors, `Receiver` for server errors. */
  type?: 'Sender' | 'Receiver';
}

/**
 * The body RDS answers a failed Query-protocol request with
 * (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html).
 */
export function rdsErrorXml({ code, message, type = 'Sender' }: RdsErrorBody): string {
  return [
    '<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">',
    `  <Error><Type>${type}</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`,
    `  <RequestId>${REQUEST_ID}</RequestId>`,
    '</ErrorResponse>',
  ].join('\n');
}

/**
 * The error an RDSClient throws when RDS answers with this body: a one-request HTTP server on a free
 * loopback port answers it, retries are off, and the SDK's deserializer builds the error.
 */
export async function rdsErrorResponse(body: RdsErrorBody): Promise<RDSServiceException> {
  return rdsAnswer(body.status ?? 400, rdsErrorXml(body));
}

/**
 * The error an RDSClient throws when an answer has this status and body, whatever the body is (a
 * load balancer's HTML page, nothing at all).
 */
export async function rdsAnswer(status: number, body: string): Promise<RDSServiceException> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': REQUEST_ID });
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new RDSClient({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  });
  try {
    // aws-sdk-client-mock replaces RDSClient.prototype.send in the test files that mock RDS; the base
    // Client's send is the SDK's real path (middleware, HTTP, deserializer) that the stub shadows.
    await __Client.prototype.send.call(client, new DescribeDBInstancesCommand({}));
  } catch (error) {
    return error as RDSServiceException;
  } finally {
    client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  throw new Error(`RDS answered ${status} and the SDK raised no error`);
}

/** RDS throttling a request: an error code the SDK does not model. */
export const throttling = (): Promise<RDSServiceException> =>
  rdsErrorResponse({ code: 'Throttling', message: 'Rate exceeded' });

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
