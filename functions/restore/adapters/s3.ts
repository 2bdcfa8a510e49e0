import { S3Client } from '@aws-sdk/client-s3';
import { S3ReportStore } from '../../../lib/adapters/aws/s3-reports.js';
import { requireEnv } from '../../../lib/config/env.js';
import type { StepAdapter } from '../deps.js';

/** The reports bucket: plans, fingerprints, comparisons and reports. */
export const s3Reports: StepAdapter = ({ region, env }) => ({
  reports: new S3ReportStore({
    client: new S3Client({ region }),
    bucket: requireEnv('LIFEBOAT_REPORTS_BUCKET', env),
  }),
});
