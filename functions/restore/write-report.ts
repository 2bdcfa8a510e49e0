import { s3Reports } from './adapters/s3.js';
import { restoreStepHandler } from './deps.js';

export const handler = restoreStepHandler('WriteReport', [s3Reports]);
