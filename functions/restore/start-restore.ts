import { rdsSites } from './adapters/rds.js';
import { restoreStepHandler } from './deps.js';

export const handler = restoreStepHandler('StartRestore', [rdsSites]);
