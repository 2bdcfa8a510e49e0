import { CreateQueueCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import type { CfnTemplate } from './template.js';

type Handler<E> = (event: E, context: Context) => Promise<unknown>;

/** The on-failure record Lambda sends to an SQS destination (the fields Lambda documents). */
export interface InvocationRecord<E> {
  version: '1.0';
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetriesExhausted';
    approximateInvokeCount: number;
  };
  requestPayload: E;
  responseContext: { statusCode: 200; executedVersion: string; functionError: 'Unhandled' };
  responsePayload: { errorType: string; errorMessage: string; trace: string[] };
}

export interface AsyncInvocation<E> {
  /** A fresh handler module per attempt: Lambda promises no container reuse between retries. */
  load: () => Promise<Handler<E>>;
  event: E;
  context: Context;
  sqs: SQSClient;
}

const ref = (value: unknown): string | undefined => {
  const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] } | undefined;
  return v?.Ref ?? v?.['Fn::GetAtt']?.[0];
};

/**
 * Lambda's asynchronous invocation of one packaged function
 * (docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html): the first attempt,
 * then the retries its EventInvokeConfig allows, and after the last failure the invocation record
 * to its on-failure destination. The retry count and the destination queue (created on moto with
 * the template's properties) come from the packaged template, so a test sees what deploys; the
 * record's error is the one the real handler threw, as the Node.js runtime reports it.
 */
export async function invokeAsynchronously<E>(
  template: CfnTemplate,
  functionId: string,
  invocation: AsyncInvocation<E>,
): Promise<{ attempts: number; destinationUrl?: string }> {
  const [, config] =
    Object.entries(template.Resources).find(
      ([, resource]) =>
        resource.Type === 'AWS::Lambda::EventInvokeConfig' &&
        ref(resource.Properties?.FunctionName) === functionId,
    ) ?? [];
  if (!config) throw new Error(`${functionId} has no EventInvokeConfig in the packaged template`);
  const retries = Number(config.Properties?.MaximumRetryAttempts ?? 2);
  const destination = ref(
    (config.Properties?.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)?.OnFailure
      ?.Destination,
  );

  let error: unknown;
  let attempts = 0;
  for (; attempts <= retries;) {
    const handler = await invocation.load();
    attempts++;
    try {
      await handler(invocation.event, invocation.context);
      return { attempts };
    } catch (caught) {
      error = caught;
    }
  }
  if (!destination) return { attempts };

  const queue = template.Resources[destination];
  if (queue?.Type !== 'AWS::SQS::Queue') throw new Error(`${destination} is not an SQS queue`);
  const attributes = Object.fromEntries(
    Object.entries(queue.Properties ?? {})
      .filter(([, value]) => typeof value !== 'object')
      .map(([name, value]) => [name, String(value)]),
  );
  const { QueueUrl } = await invocation.sqs.send(
    new CreateQueueCommand({ QueueName: destination, Attributes: attributes }),
  );
  const thrown = error instanceof Error ? error : new Error(String(error));
  const record: InvocationRecord<E> = {
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: {
      requestId: invocation.context.awsRequestId,
      functionArn: `${invocation.context.invokedFunctionArn}:$LATEST`,
      condition: 'RetriesExhausted',
      approximateInvokeCount: attempts,
    },
    requestPayload: invocation.event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: {
      errorType: thrown.name,
      errorMessage: thrown.message,
      trace: (thrown.stack ?? '').split('\n'),
    },
  };
  await invocation.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify(record) }));
  return { attempts, destinationUrl: QueueUrl! };
}
