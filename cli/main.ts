import { Command, CommanderError } from 'commander';
import { registerCompare } from './commands/compare.js';
import { registerDiff } from './commands/diff.js';
import { registerRecover } from './commands/recover.js';
import { registerDrill } from './commands/drill.js';
import { registerEvidence } from './commands/evidence.js';
import { registerFailover } from './commands/failover.js';
import { registerFingerprint } from './commands/fingerprint.js';
import { registerPlan } from './commands/plan.js';
import { registerRestore } from './commands/restore.js';
import { registerRunbook } from './commands/runbook.js';
import { registerSnapshot } from './commands/snapshot.js';
import { registerStatus } from './commands/status.js';
import { EXIT, exitCodeOf } from './exit.js';

const program = new Command()
  .name('lifeboat')
  .description('Backup, DR copy, retention and verified restore for Amazon RDS and Aurora.')
  .showHelpAfterError()
  .exitOverride();

// Each command lives in cli/commands/<name>.ts and registers itself here.
const commands: Array<(program: Command) => void> = [
  registerDrill,
  registerDiff,
  registerRecover,
  registerPlan,
  registerRestore,
  registerFingerprint,
  registerCompare,
  registerStatus,
  registerSnapshot,
  registerFailover,
  registerRunbook,
  registerEvidence,
];
for (const register of commands) register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitCodeFor(error);
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  // An operator gets one line naming the problem, not a stack trace.
  const message = error instanceof Error ? error.message : String(error);
  console.error(`lifeboat: ${message}`);
  return exitCodeOf(error);
}
