import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  __Client,
  DescribeDBInstancesCommand,
  RDSClient,
  type RDSServiceException,
} from '@aws-sdk/client-rds';
import { __Client as S3Base, PutObjectCommand, S3Client, type S3ServiceException } from '@aws-sdk/client-s3';
import {
  __Client as SfnBase,
  SFNClient,
  StartExecutionCommand,
  type SFNServiceException,
} from '@aws-sdk/client-sfn';

/**
 * RDS errors as the SDK raises them, so a test breaks when the SDK changes how it reports them.
 *
 * For RDS, two builders: `rdsFault` constructs a modeled exception class the way the SDK's deserializer does
 * (`new X({ message, $metadata })`, which sets `name` and `$fault` itself); `rdsErrorResponse` runs
 * a recorded RDS Query-protocol error body through the SDK's own parser, for the codes the SDK does
 * not model (Throttling, AccessDenied, InvalidParameterValue, ...) and to check that the first
 * builder stays faithful to what arrives on the wire. For S3, `s3ErrorResponse` does the same
 * through the S3 REST-XML parser.
 */

export interface ModeledFault<E extends RDSServiceException> {
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
  return errorFromAnswer(status, body, async (endpoint) => {
    const client = new RDSClient({ region: 'us-east-1', endpoint, credentials: FAKE, maxAttempts: 1 });
    try {
      // aws-sdk-client-mock replaces RDSClient.prototype.send in the test files that mock RDS; the
      // base Client's send is the SDK's real path (middleware, HTTP, deserializer) the stub shadows.
      await realSend(__Client).call(client, new DescribeDBInstancesCommand({}));
    } finally {
      client.destroy();
    }
  });
}

export interface S3ErrorBody {
  code: string;
  message: string;
  status: number;
}

/**
 * The error an S3Client throws for PutObject when S3 answers with this REST-XML error body
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
 */
export async function s3ErrorResponse({ code, message, status }: S3ErrorBody): Promise<S3ServiceException> {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message><RequestId>${REQUEST_ID}</RequestId><HostId>aG9zdA==</HostId></Error>`;
  return errorFromAnswer(status, body, async (endpoint) => {
    const client = new S3Client({
      region: 'us-east-1',
      endpoint,
      forcePathStyle: true,
      credentials: FAKE,
      maxAttempts: 1,
    });
    try {
      await realSend(S3Base).call(
        client,
        new PutObjectCommand({ Bucket: 'deliveries', Key: 'probe.json', Body: '{}' }),
      );
    } finally {
      client.destroy();
    }
  });
}

/** The base Client's `send`, one overload: the promise one. */
function realSend(Base: { prototype: { send: unknown } }) {
  return Base.prototype.send as (this: object, command: object) => Promise<unknown>;
}

/**
 * The error an SFNClient throws for StartExecution when Step Functions answers with this JSON 1.0
 * error body (https://docs.aws.amazon.com/step-functions/latest/apireference/CommonErrors.html).
 */
export async function sfnErrorResponse({
  type,
  message,
  status = 400,
}: {
  type: string;
  message: string;
  status?: number;
}): Promise<SFNServiceException> {
  const body = JSON.stringify({ __type: `com.amazonaws.swf.service.v2.model#${type}`, message });
  return errorFromAnswer(
    status,
    body,
    async (endpoint) => {
      const client = new SFNClient({ region: 'us-east-1', endpoint, credentials: FAKE, maxAttempts: 1 });
      try {
        await realSend(SfnBase).call(
          client,
          new StartExecutionCommand({
            stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:probe',
            name: 'probe',
          }),
        );
      } finally {
        client.destroy();
      }
    },
    'application/x-amz-json-1.0',
  );
}

const FAKE = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** Serves one answer on a free loopback port and returns what the SDK raised for it. */
async function errorFromAnswer<E>(
  status: number,
  body: string,
  request: (endpoint: string) => Promise<void>,
  contentType = 'text/xml',
): Promise<E> {
  const server = createServer((incoming, response) => {
    incoming.resume();
    incoming.on('end', () => {
      response.writeHead(status, {
        'content-type': contentType,
        'x-amzn-requestid': REQUEST_ID,
        'x-amz-request-id': REQUEST_ID,
      });
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await request(`http://127.0.0.1:${port}`);
  } catch (error) {
    return error as E;
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  throw new Error(`the service answered ${status} and the SDK raised no error`);
}

/** RDS throttling a request: an error code the SDK does not model. */
export const throttling = (): Promise<RDSServiceException> =>
  rdsErrorResponse({ code: 'Throttling', message: 'Rate exceeded' });

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
