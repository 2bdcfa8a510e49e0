import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  StartExecutionCommand,
  type DescribeExecutionCommandOutput,
  type HistoryEvent,
  type HistoryEventType,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import type { LocalExecutionEvent, LocalRunResult } from '../../lib/adapters/local-state-machine.js';

/**
 * A local run of the real ASL (aws-local-stepfunctions' event log) told as Step Functions tells
 * it: the HistoryEvent list of GetExecutionHistory
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html,
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html). Every
 * Task of restore-verify names a Lambda function ARN directly, so a task runs as
 * LambdaFunctionScheduled, LambdaFunctionStarted, then LambdaFunctionSucceeded or
 * LambdaFunctionFailed between its TaskStateEntered and TaskStateExited. A Fail state has no
 * Exited event: ExecutionFailed follows it.
 */
export function executionHistory(
  events: readonly LocalExecutionEvent[],
  options: { roleArn: string; functionArn: (state: string) => string },
): HistoryEvent[] {
  const history: HistoryEvent[] = [];
  const add = (
    at: number,
    type: HistoryEventType,
    details: Omit<HistoryEvent, 'id' | 'timestamp' | 'type'>,
  ) =>
    history.push({
      id: history.length + 1,
      previousEventId: history.length,
      timestamp: new Date(at),
      type,
      ...details,
    });
  const json = (value: unknown) => JSON.stringify(value ?? null);

  for (const event of events) {
    const at = event.timestamp;
    switch (event.type) {
      case 'ExecutionStarted':
        add(at, 'ExecutionStarted', {
          executionStartedEventDetails: { input: json(event.input), roleArn: options.roleArn },
        });
        break;
      case 'StateEntered': {
        const { name, type, input } = event.state;
        add(at, `${type}StateEntered` as HistoryEventType, {
          stateEnteredEventDetails: { name, input: json(input) },
        });
        if (type === 'Task') {
          add(at, 'LambdaFunctionScheduled', {
            lambdaFunctionScheduledEventDetails: { resource: options.functionArn(name), input: json(input) },
          });
          add(at, 'LambdaFunctionStarted', {});
        }
        if (type === 'Map') add(at, 'MapStateStarted', { mapStateStartedEventDetails: {} });
        break;
      }
      case 'StateExited': {
        const { name, type, output } = event.state;
        if (type === 'Task') {
          // A caught task failure already ended the Lambda call with LambdaFunctionFailed.
          if (history.at(-1)?.type !== 'LambdaFunctionFailed') {
            add(at, 'LambdaFunctionSucceeded', {
              lambdaFunctionSucceededEventDetails: { output: json(output) },
            });
          }
        }
        if (type === 'Map')
          add(at, history.at(-1)?.type === 'MapStateFailed' ? 'MapStateFailed' : 'MapStateSucceeded', {});
        add(at, `${type}StateExited` as HistoryEventType, {
          stateExitedEventDetails: { name, output: json(output) },
        });
        break;
      }
      case 'StateFailed': {
        const cause = typeof event.Cause === 'string' ? event.Cause : json(event.Cause);
        if (event.state.type === 'Task') {
          add(at, 'LambdaFunctionFailed', {
            lambdaFunctionFailedEventDetails: { error: event.Error, cause },
          });
        }
        if (event.state.type === 'Map') add(at, 'MapStateFailed', {});
        break;
      }
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        const details = { name: event.parentState.name, index: event.index };
        if (event.type === 'MapIterationStarted')
          add(at, event.type, { mapIterationStartedEventDetails: details });
        if (event.type === 'MapIterationSucceeded')
          add(at, event.type, { mapIterationSucceededEventDetails: details });
        if (event.type === 'MapIterationFailed')
          add(at, event.type, { mapIterationFailedEventDetails: details });
        break;
      }
      case 'ExecutionSucceeded':
        add(at, 'ExecutionSucceeded', { executionSucceededEventDetails: { output: json(event.output) } });
        break;
      case 'ExecutionFailed': {
        const cause = typeof event.Cause === 'string' ? event.Cause : json(event.Cause);
        add(at, 'ExecutionFailed', { executionFailedEventDetails: { error: event.Error, cause } });
        break;
      }
      default:
        // StateRetried and StateCaught have no event of their own in Step Functions' history.
        break;
    }
  }
  return history;
}

/** DescribeExecution's answer once a local run has ended. */
export function describedExecution(
  run: LocalRunResult,
  ids: { executionArn: string; stateMachineArn: string; input: unknown; startDate: Date; stopDate: Date },
): DescribeExecutionCommandOutput {
  return {
    $metadata: {},
    executionArn: ids.executionArn,
    stateMachineArn: ids.stateMachineArn,
    status: run.status,
    startDate: ids.startDate,
    stopDate: ids.stopDate,
    input: JSON.stringify(ids.input),
    ...(run.status === 'SUCCEEDED' ? { output: JSON.stringify(run.output) } : {}),
    ...(run.error ? { error: run.error.name, cause: run.error.cause } : {}),
  };
}

/**
 * Answers StartExecution, DescribeExecution and GetExecutionHistory as Step Functions would for an
 * execution that is RUNNING for the first `runningPolls` describes, with the history written up to
 * then, and has ended after. History comes in pages of `pageSize` with a nextToken, fewer than the
 * maxResults asked for, as the API allows ("the actual number of results returned per call might
 * be fewer than the specified maximum").
 */
export function serveExecution(
  sfn: AwsClientStub<SFNClient>,
  execution: {
    final: DescribeExecutionCommandOutput;
    history: HistoryEvent[];
    runningPolls: number;
    pageSize: number;
  },
): { historyRequests: Array<{ nextToken?: string; maxResults?: number }> } {
  const { final, history, runningPolls, pageSize } = execution;
  let describes = 0;
  const historyRequests: Array<{ nextToken?: string; maxResults?: number }> = [];
  sfn.on(StartExecutionCommand).resolves({ executionArn: final.executionArn, startDate: final.startDate });
  sfn.on(DescribeExecutionCommand).callsFake(() => {
    describes += 1;
    if (describes > runningPolls) return final;
    return {
      ...final,
      status: 'RUNNING',
      stopDate: undefined,
      output: undefined,
      error: undefined,
      cause: undefined,
    };
  });
  sfn.on(GetExecutionHistoryCommand).callsFake((input: { nextToken?: string; maxResults?: number }) => {
    historyRequests.push({ nextToken: input.nextToken, maxResults: input.maxResults });
    // While running, the history written so far: the first half, then the whole.
    const written = describes > runningPolls ? history : history.slice(0, Math.ceil(history.length / 2));
    const from = input.nextToken ? Number(input.nextToken) : 0;
    const to = Math.min(from + pageSize, written.length);
    return {
      events: written.slice(from, to),
      ...(to < written.length ? { nextToken: String(to) } : {}),
    };
  });
  return { historyRequests };
}
