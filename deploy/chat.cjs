// Chat settings for the notify function, read from deploy/chat.yml at package time. Validating here
// means a route to an undefined channel fails `serverless package` with the key named.
const { readFileSync } = require('node:fs');
const { resolve } = require('node:path');
const { parse } = require('yaml');
const tsx = require('tsx/cjs/api');

const { validateChatConfig } = tsx.require('../lib/core/chat/routing.ts', __filename);

// osls refuses CLI options it does not know, so another file is named in LIFEBOAT_CHAT_FILE.
function chatPath() {
  return resolve(process.cwd(), process.env.LIFEBOAT_CHAT_FILE || 'deploy/chat.yml');
}

/** The IAM resources of the webhook secrets: exactly the ones the settings name. */
function secretResources(config) {
  const secrets = [];
  const parameters = [];
  for (const channel of Object.values(config.channels)) {
    const [store, ...rest] = channel.webhook.split(':');
    const name = rest.join(':');
    if (store === 'secretsmanager') {
      // Secrets Manager appends six random characters to a secret's ARN.
      secrets.push(
        name.startsWith('arn:')
          ? name
          : {
              'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${name}-??????`,
            },
      );
    } else {
      parameters.push({
        'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/${name.replace(/^\//, '')}`,
      });
    }
  }
  return { secrets, parameters };
}

module.exports = async () => {
  const path = chatPath();
  const config = validateChatConfig(parse(readFileSync(path, 'utf8')), path);
  const { secrets, parameters } = secretResources(config);
  const statements = [];
  if (secrets.length > 0) {
    statements.push({ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: secrets });
  }
  if (parameters.length > 0) {
    statements.push({ Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: parameters });
  }
  const digestQueue = { 'Fn::GetAtt': ['DigestQueue', 'Arn'] };
  return {
    /** The validated settings, compact, handed to notify in LIFEBOAT_CHAT. */
    json: JSON.stringify(config),
    digestSchedule: config.digestSchedule,
    /**
     * notify: the named webhook secrets only, parking messages for the digest, and its delivery
     * marks (conditional PutObject needs only s3:PutObject).
     */
    notifyStatements: [
      ...statements,
      { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: digestQueue },
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${NotifyDeliveriesBucket}/deliveries/*' },
      },
    ],
    /** digest: the same secrets, and taking parked messages off the queue. */
    digestStatements: [
      ...statements,
      {
        Effect: 'Allow',
        Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
        Resource: digestQueue,
      },
    ],
  };
};
