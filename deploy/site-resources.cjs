// CloudFormation resources that tie a primary to its DR sites: the primary replicates its
// restore-verify reports into each DR site's reports bucket (S3 replication, cross-account where
// the DR site is in another account), so that a DR site compares its restore of a copy with the
// primary's report of the same snapshot even while the primary is unreachable.
const tsx = require('tsx/cjs/api');

const { isDrSite, siteAccount } = tsx.require('../lib/core/policy/site.ts', __filename);
const { drSiteBucketName, drSiteReportsKeyAlias, reportsReplicationRoleName } = tsx.require(
  '../lib/core/naming/dr-site.ts',
  __filename,
);

// Only the reports are replicated: fingerprints, comparisons and the monitor's state are the
// primary's own working files.
const REPORTS_PREFIX = 'reports/';

function plainError(message) {
  const plain = new Error(message);
  plain.stack = plain.message;
  return plain;
}

function bucketOf(site, stage) {
  const bucket = site.bucket || drSiteBucketName(stage, site.account, site.region);
  if (bucket.length > 63) {
    throw plainError(
      `drSites ${site.account}/${site.region}: the bucket name ${bucket} is over S3's 63 characters: set drSites[].bucket (and the DR site's stage shorter)`,
    );
  }
  return bucket;
}

/** The primary's side: its replication role and one replication rule per DR site. */
function primaryResources(file, { stage, region }) {
  const sites = file.drSites || [];
  if (sites.length === 0) return {};
  const partition = '${AWS::Partition}';
  const destinations = sites.map((site, index) => ({
    site,
    bucketArn: `arn:aws:s3:::${bucketOf(site, stage)}`,
    // "Key ARN or Alias ARN" of the destination's key
    // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_EncryptionConfiguration.html): an alias
    // ARN names its account, so it resolves to the DR site's key, not one of this (the requester's)
    // account, which a bare alias name would. The alias is the DR site's; its key ARN is not known here.
    keyAlias: `arn:aws:kms:${site.region}:${site.account}:${drSiteReportsKeyAlias(stage)}`,
    otherAccount: `ReportsReplicaDrSite${index + 1}InOtherAccount`,
  }));
  return {
    // AccessControlTranslation is for "a cross-account scenario (where source and destination
    // bucket owners are not the same)"
    // (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-s3-bucket-accesscontroltranslation.html):
    // a DR site in a DR region of this account gets none. The account deployed to is known only
    // to CloudFormation.
    Conditions: Object.fromEntries(
      destinations.map(({ site, otherAccount }) => [
        otherAccount,
        { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, site.account] }] },
      ]),
    ),
    Resources: {
      ReportsReplicationRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          // Named: each DR site's bucket policy and reports key trust this role by name.
          RoleName: reportsReplicationRoleName(stage, region),
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 's3.amazonaws.com' },
                Action: 'sts:AssumeRole',
                Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
              },
            ],
          },
        },
      },
      // Apart from the role: the bucket names the role and these statements name the bucket.
      ReportsReplicationPolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          PolicyName: 'replicate-reports',
          Roles: [{ Ref: 'ReportsReplicationRole' }],
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
                Resource: { 'Fn::GetAtt': ['ReportsBucket', 'Arn'] },
              },
              {
                Effect: 'Allow',
                Action: [
                  's3:GetObjectVersionForReplication',
                  's3:GetObjectVersionAcl',
                  's3:GetObjectVersionTagging',
                ],
                Resource: { 'Fn::Sub': `\${ReportsBucket.Arn}/${REPORTS_PREFIX}*` },
              },
              // Replicas only, under reports/, in the DR sites' buckets; never a delete.
              {
                Effect: 'Allow',
                Action: ['s3:ReplicateObject', 's3:ReplicateTags', 's3:ObjectOwnerOverrideToBucketOwner'],
                Resource: destinations.map((d) => `${d.bucketArn}/${REPORTS_PREFIX}*`),
              },
              // The reports are under the bucket's KMS key (aws/s3): read through S3 only.
              {
                Effect: 'Allow',
                Action: 'kms:Decrypt',
                Resource: { 'Fn::Sub': `arn:${partition}:kms:\${AWS::Region}:\${AWS::AccountId}:key/*` },
                Condition: {
                  StringEquals: { 'kms:ViaService': { 'Fn::Sub': 's3.${AWS::Region}.amazonaws.com' } },
                  StringLike: {
                    'kms:EncryptionContext:aws:s3:arn': {
                      'Fn::Sub': `\${ReportsBucket.Arn}/${REPORTS_PREFIX}*`,
                    },
                  },
                },
              },
              // Replicas are encrypted under each DR site's reports key, through S3 there only.
              ...destinations.map(({ site, bucketArn }) => ({
                Effect: 'Allow',
                Action: ['kms:Encrypt', 'kms:GenerateDataKey'],
                Resource: `arn:aws:kms:${site.region}:${site.account}:key/*`,
                Condition: {
                  StringEquals: { 'kms:ViaService': `s3.${site.region}.amazonaws.com` },
                  StringLike: { 'kms:EncryptionContext:aws:s3:arn': `${bucketArn}/${REPORTS_PREFIX}*` },
                },
              })),
            ],
          },
        },
      },
      ReportsBucket: {
        Properties: {
          ReplicationConfiguration: {
            Role: { 'Fn::GetAtt': ['ReportsReplicationRole', 'Arn'] },
            Rules: destinations.map(({ site, bucketArn, keyAlias, otherAccount }, index) => ({
              Id: `dr-site-${site.account}-${site.region}`,
              Status: 'Enabled',
              Priority: index + 1,
              Filter: { Prefix: REPORTS_PREFIX },
              // A report deleted here stays at the DR site: it is its baseline.
              DeleteMarkerReplication: { Status: 'Disabled' },
              SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
              Destination: {
                Bucket: bucketArn,
                // The destination bucket's owner, true in either case; the S3 API model says S3
                // verifies it only when AccessControlTranslation is given (Destination.Account).
                Account: site.account,
                // A DR account owns the replicas (its bucket enforces owner anyway).
                AccessControlTranslation: {
                  'Fn::If': [otherAccount, { Owner: 'Destination' }, { Ref: 'AWS::NoValue' }],
                },
                EncryptionConfiguration: { ReplicaKmsKeyID: keyAlias },
              },
            })),
          },
        },
      },
    },
  };
}

/** The DR site's side: a named, versioned bucket under its own key that the primary may replicate into. */
function drSiteResources(file, { stage, region }) {
  const { primary } = file.site;
  const account = siteAccount(file.site);
  const bucket = drSiteBucketName(stage, account, region);
  if (bucket.length > 63) {
    throw plainError(
      `site: the reports bucket name ${bucket} is over S3's 63 characters: use a shorter stage`,
    );
  }
  const replicationRole = `arn:aws:iam::${primary.account}:role/${reportsReplicationRoleName(stage, primary.region)}`;
  // The primary's account, and in it the replication role by name (aws:PrincipalArn): a principal
  // naming the role itself would be refused while it does not exist, and the DR site deploys first.
  const fromReplicationRole = {
    Principal: { AWS: `arn:aws:iam::${primary.account}:root` },
    Condition: { ArnEquals: { 'aws:PrincipalArn': replicationRole } },
  };
  return {
    Resources: {
      ReportsKey: {
        Type: 'AWS::KMS::Key',
        Properties: {
          Description: `Lifeboat DR site reports, replicated from ${primary.account}/${primary.region}`,
          EnableKeyRotation: true,
          KeyPolicy: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'AccountAdministers',
                Effect: 'Allow',
                Principal: { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } },
                Action: 'kms:*',
                Resource: '*',
              },
              // As the aws/s3 key does: this account's principals use it through S3 in this region,
              // so the functions need no KMS rights of their own for the reports.
              {
                Sid: 'AccountUsesThroughS3',
                Effect: 'Allow',
                Principal: { AWS: '*' },
                Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
                Resource: '*',
                Condition: {
                  StringEquals: {
                    'kms:CallerAccount': { Ref: 'AWS::AccountId' },
                    'kms:ViaService': { 'Fn::Sub': 's3.${AWS::Region}.amazonaws.com' },
                  },
                },
              },
              {
                Sid: 'PrimaryReplicatesReports',
                Effect: 'Allow',
                ...fromReplicationRole,
                Action: ['kms:Encrypt', 'kms:GenerateDataKey'],
                Resource: '*',
              },
            ],
          },
        },
      },
      ReportsKeyAlias: {
        Type: 'AWS::KMS::Alias',
        // The primary's replication rule names the key by this alias (deploy/site-resources.cjs).
        Properties: { AliasName: drSiteReportsKeyAlias(stage), TargetKeyId: { Ref: 'ReportsKey' } },
      },
      ReportsBucket: {
        Properties: {
          // Named: the primary's replication rule names it (lib/core/naming/dr-site.ts).
          BucketName: bucket,
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [
              {
                ServerSideEncryptionByDefault: {
                  SSEAlgorithm: 'aws:kms',
                  KMSMasterKeyID: { 'Fn::GetAtt': ['ReportsKey', 'Arn'] },
                },
              },
            ],
          },
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        },
      },
      ReportsBucketPolicy: {
        Type: 'AWS::S3::BucketPolicy',
        Properties: {
          Bucket: { Ref: 'ReportsBucket' },
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'PrimaryReplicatesReports',
                Effect: 'Allow',
                ...fromReplicationRole,
                Action: ['s3:ReplicateObject', 's3:ReplicateTags', 's3:ObjectOwnerOverrideToBucketOwner'],
                Resource: { 'Fn::Sub': `\${ReportsBucket.Arn}/${REPORTS_PREFIX}*` },
              },
              {
                Sid: 'PrimaryChecksVersioning',
                Effect: 'Allow',
                ...fromReplicationRole,
                Action: ['s3:GetBucketVersioning', 's3:PutBucketVersioning'],
                Resource: { 'Fn::GetAtt': ['ReportsBucket', 'Arn'] },
              },
            ],
          },
        },
      },
    },
    Outputs: { ReportsKeyArn: { Value: { 'Fn::GetAtt': ['ReportsKey', 'Arn'] } } },
  };
}

/** What serverless.yml adds to `resources` for this policy file (an empty object for neither). */
function siteResources(file, where) {
  return isDrSite(file) ? drSiteResources(file, where) : primaryResources(file, where);
}

module.exports = { siteResources };
