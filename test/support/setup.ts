import { expect } from 'vitest';
import { allCustomMatcher } from 'aws-sdk-client-mock-vitest';
import '../../lib/polyfills/promise-with-resolvers.js';

expect.extend(allCustomMatcher);
