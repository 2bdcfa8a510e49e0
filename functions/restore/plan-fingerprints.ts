import { fingerprinterFor } from '../../lib/adapters/db/index.js';
import { restoreStepHandler } from './deps.js';

export const handler = restoreStepHandler('PlanFingerprints', { fingerprinter: fingerprinterFor });
