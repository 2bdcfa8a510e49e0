import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { VerificationStarter } from '../../core/ports.js';

/**
 * Starts restore-verify executions. The name is derived from the policy, the source and the
 * scheduled time, so a schedule event delivered twice finds the first execution: Step Functions
 * answers a repeated name with the same input by returning it, and a finished one with
 * ExecutionAlreadyExists, which means the work was done.
 */
export class SfnVerificationStarter implements VerificationStarter {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(name: string, input: Record<string, unknown>): Promise<{ executionId: string }> {
    const executionArn = `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    try {
      const answer = await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name,
          input: JSON.stringify(input),
        }),
      );
      return { executionId: answer.executionArn ?? executionArn };
    } catch (error) {
      if ((error as { name?: string }).name === 'ExecutionAlreadyExists')
        return { executionId: executionArn };
      throw error;
    }
  }
}
