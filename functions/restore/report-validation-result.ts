import { restoreStepHandler } from './deps.js';

export const handler = restoreStepHandler('ReportValidationResult');
