import { rdsSites } from './adapters/rds.js';
import { scratchPasswords } from './adapters/secrets-manager.js';
import { restoreStepHandler } from './deps.js';

export const handler = restoreStepHandler('ObtainCredentials', [rdsSites, scratchPasswords]);
