#!/usr/bin/env node
// The CLI is TypeScript; tsx compiles it on the fly so `npm ci` is the only install step.
import { register } from 'tsx/esm/api';

// The SDK warns on every run under Node 20 that its releases after January 2027 need Node 22. The
// CLI runs the SDK version package-lock.json pins, so the warning says nothing to its user.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
await import('../cli/main.ts');
