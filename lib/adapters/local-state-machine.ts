import '../polyfills/promise-with-resolvers.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { createRestoreVerifyTasks, type RestoreVerifyTask } from '../core/use-cases/restore-verify/tasks.js';
import type { RestoreVerifyDeps } from '../core/use-cases/restore-verify/types.js';

export const RESTORE_VERIFY_ASL = fileURLToPath(
  new URL('../../state-machines/restore-verify.asl.json', import.meta.url),
);

export interface LocalRunOptions {
  /** Keep the Wait and Retry intervals of the ASL (default: zeroed, so a run takes no idle time). */
  realIntervals?: boolean;
  /** Replace or wrap some task functions (fault injection in tests, a drill's own step). */
  tasks?: Partial<Record<string, RestoreVerifyTask>>;
  /** The execution id the steps see as `$$.Execution.Id` (tags, reports). */
  executionId?: string;
  /** Called with each state as it is entered, for a drill's progress output. */
  onStateEntered?: (name: string) => void;
  /** Called with every event of the run as aws-local-stepfunctions logs it (tests read its history). */
  onEvent?: (event: LocalExecutionEvent) => void;
}

/** One event of a local run: execution, state, Map iteration, with its time in epoch ms. */
export type LocalExecutionEvent =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

export interface LocalRunResult {
  status: 'SUCCEEDED' | 'FAILED';
  /** The final output on success. */
  output?: unknown;
  /** Error name and cause on failure (the Fail state's ErrorPath/CausePath). */
  error?: { name: string; cause: string };
  /** Names of the states entered, in order; Map iterations appear as their inner states. */
  states: string[];
}

type Definition = StateMachineDefinition & { States: Record<string, Record<string, unknown>> };

export function loadRestoreVerifyDefinition(path = RESTORE_VERIFY_ASL): Definition {
  return JSON.parse(readFileSync(path, 'utf8')) as Definition;
}

function walkStates(
  definition: { States: Record<string, Record<string, unknown>> },
  visit: (name: string, state: Record<string, unknown>) => void,
) {
  for (const [name, state] of Object.entries(definition.States)) {
    visit(name, state);
    const inner = (state.ItemProcessor ?? state.Iterator) as Definition | undefined;
    if (inner) walkStates(inner, visit);
    for (const branch of (state.Branches as Definition[] | undefined) ?? []) walkStates(branch, visit);
  }
}

/**
 * Runs state-machines/restore-verify.asl.json with aws-local-stepfunctions, every Task state bound
 * to the restore-verify task functions over `deps`. Used by `lifeboat drill` and the state machine
 * tests. A scheduled policy run's child executions run here too, one after the other, unless
 * `deps.starter` is given.
 */
export async function runRestoreVerifyLocally(
  input: unknown,
  deps: RestoreVerifyDeps,
  options: LocalRunOptions = {},
): Promise<LocalRunResult> {
  const definition = loadRestoreVerifyDefinition();
  const executionId =
    options.executionId ?? `arn:aws:states:local:000000000000:execution:restore-verify:local-${Date.now()}`;

  const bound: RestoreVerifyDeps = deps.starter
    ? deps
    : {
        ...deps,
        starter: {
          start: async (name, childInput) => {
            const child = `arn:aws:states:local:000000000000:execution:restore-verify:${name}`;
            await runRestoreVerifyLocally(childInput, deps, { ...options, executionId: child });
            return { executionId: child };
          },
        },
      };
  const tasks = { ...createRestoreVerifyTasks(bound), ...options.tasks } as Record<string, RestoreVerifyTask>;

  const waitTimeOverrides: Record<string, number> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  if (!options.realIntervals) {
    walkStates(definition, (name, state) => {
      if (state.Type === 'Wait') waitTimeOverrides[name] = 0;
      if (Array.isArray(state.Retry)) retryIntervalOverrides[name] = 0;
    });
  }

  // Resource fields hold Fn::GetAtt for CloudFormation; locally every Task is overridden.
  const machine = new StateMachine(definition, { validationOptions: { checkArn: false } });
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: tasks, waitTimeOverrides, retryIntervalOverrides },
    context: { Execution: { Id: executionId, Name: executionId.split(':').pop() } },
  });

  const states: string[] = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs) {
      options.onEvent?.(event);
      if (event.type === 'StateEntered') {
        states.push(event.state.name);
        options.onStateEntered?.(event.state.name);
      }
    }
  })();

  try {
    const output = await execution.result;
    await collecting;
    return { status: 'SUCCEEDED', output, states };
  } catch (error) {
    await collecting;
    if (error instanceof ExecutionError) {
      const cause = error.cause as { name?: string; message?: string } | undefined;
      return {
        status: 'FAILED',
        error: { name: cause?.name ?? error.name, cause: cause?.message ?? error.message },
        states,
      };
    }
    throw error;
  }
}
