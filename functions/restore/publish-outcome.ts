import { topicNotifier } from './adapters/sns.js';
import { restoreStepHandler } from './deps.js';

export const handler = restoreStepHandler('PublishOutcome', [topicNotifier]);
