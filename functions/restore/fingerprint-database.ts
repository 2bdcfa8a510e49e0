import { databaseFingerprints } from './adapters/databases.js';
import { rdsSites } from './adapters/rds.js';
import { s3Reports } from './adapters/s3.js';
import { scratchPasswords } from './adapters/secrets-manager.js';
import { restoreStepHandler } from './deps.js';

export const handler = restoreStepHandler('FingerprintDatabase', [
  rdsSites,
  scratchPasswords,
  s3Reports,
  databaseFingerprints,
]);
