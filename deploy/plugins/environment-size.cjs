// A local Serverless plugin: refuses to package a function whose environment variables could
// exceed Lambda's 4 KB. "The total size of all environment variables doesn't exceed 4 KB"
// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html): keys and values
// together, as deployed. CloudFormation would refuse the stack at deploy time, after the package
// looked fine; this says at package time which function and which variables, and by how much.
//
// Values CloudFormation fills in (!Ref, !Sub, !GetAtt) are counted at the longest they can
// resolve to: the longest partition and region names, the stack's own name, and the generated
// physical name of each resource type at its documented maximum.

const { Buffer } = require('node:buffer');

const LAMBDA_ENVIRONMENT_LIMIT = 4096;

// Longest values of the pseudo parameters: 'aws-us-gov' and 'aws-iso-b' are 10 and 9; region
// names are up to 14 characters today ('ap-southeast-4'), 16 leaves room for one not yet named.
const LONGEST = { partition: 'x'.repeat(10), region: 'x'.repeat(16), account: '0'.repeat(12) };

// CloudFormation names a resource it names itself `<stack>-<logicalId>-<random>`, cut to the type's
// limit (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-name.html).
function generatedName(context, logicalId, limit) {
  return `${context.stackName}-${logicalId}-XXXXXXXXXXXXX`.slice(0, limit);
}

/** The longest value `Ref` (or `GetAtt Arn`) of a resource can have. */
function resourceValue(context, logicalId, attribute) {
  const resource = context.resources[logicalId];
  if (!resource) throw new Error(`environment refers to ${logicalId}, which is not in the template`);
  const { partition, region, account } = LONGEST;
  const props = resource.Properties ?? {};
  const named = (property, limit) =>
    typeof props[property] === 'string' ? props[property] : generatedName(context, logicalId, limit);
  switch (`${resource.Type}${attribute ? `.${attribute}` : ''}`) {
    case 'AWS::SNS::Topic':
    case 'AWS::SNS::Topic.TopicArn':
      return `arn:${partition}:sns:${region}:${account}:${named('TopicName', 256)}`;
    case 'AWS::S3::Bucket':
      return named('BucketName', 63);
    case 'AWS::S3::Bucket.Arn':
      return `arn:${partition}:s3:::${named('BucketName', 63)}`;
    case 'AWS::SQS::Queue':
      return `https://sqs.${region}.amazonaws.com/${account}/${named('QueueName', 80)}`;
    case 'AWS::SQS::Queue.Arn':
      return `arn:${partition}:sqs:${region}:${account}:${named('QueueName', 80)}`;
    case 'AWS::SecretsManager::Secret':
      // Secrets Manager appends a hyphen and six random characters to the name in the ARN.
      return `arn:${partition}:secretsmanager:${region}:${account}:secret:${named('Name', 512)}-XXXXXX`;
    case 'AWS::KMS::Key':
      return '00000000-0000-0000-0000-000000000000';
    case 'AWS::KMS::Key.Arn':
      return `arn:${partition}:kms:${region}:${account}:key/00000000-0000-0000-0000-000000000000`;
    case 'AWS::StepFunctions::StateMachine':
      return `arn:${partition}:states:${region}:${account}:stateMachine:${named('StateMachineName', 80)}`;
    default:
      throw new Error(
        `cannot tell how long ${logicalId} (${resource.Type}${attribute ? `.${attribute}` : ''}) resolves: ` +
          'teach deploy/plugins/environment-size.cjs its longest value',
      );
  }
}

function pseudo(name) {
  const values = {
    'AWS::Partition': LONGEST.partition,
    'AWS::Region': LONGEST.region,
    'AWS::AccountId': LONGEST.account,
    'AWS::URLSuffix': 'amazonaws.com.cn',
  };
  return values[name];
}

/** The longest text a variable's value can resolve to. */
function longestValue(context, value) {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value && typeof value === 'object') {
    const [[key, argument]] = Object.entries(value);
    if (key === 'Ref') {
      if (argument === 'AWS::StackName') return context.stackName;
      return pseudo(argument) ?? resourceValue(context, argument);
    }
    if (key === 'Fn::GetAtt') {
      const [id, attribute] = Array.isArray(argument) ? argument : String(argument).split('.');
      return resourceValue(context, id, attribute);
    }
    if (key === 'Fn::Sub') {
      const [text, variables = {}] = Array.isArray(argument) ? argument : [argument];
      return text.replace(/\$\{([^}!]+)\}/g, (_, name) => {
        if (name in variables) return longestValue(context, variables[name]);
        if (name === 'AWS::StackName') return context.stackName;
        const [id, attribute] = name.split('.');
        return pseudo(name) ?? resourceValue(context, id, attribute);
      });
    }
    if (key === 'Fn::Join') {
      const [separator, parts] = argument;
      return parts.map((part) => longestValue(context, part)).join(separator);
    }
  }
  throw new Error(`cannot tell how long ${JSON.stringify(value)} resolves`);
}

/**
 * Each function's environment at its longest: `{ function, bytes, largest: [[name, bytes], ...] }`,
 * in UTF-8 bytes of keys and values.
 */
function environmentSizes(template, stackName) {
  const context = { resources: template.Resources, stackName };
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
    .map(([logicalId, resource]) => {
      const variables = resource.Properties?.Environment?.Variables ?? {};
      const sizes = Object.entries(variables).map(([name, value]) => [
        name,
        Buffer.byteLength(name) + Buffer.byteLength(longestValue(context, value)),
      ]);
      return {
        function: logicalId,
        bytes: sizes.reduce((sum, [, bytes]) => sum + bytes, 0),
        largest: sizes.sort((a, b) => b[1] - a[1]).slice(0, 3),
      };
    });
}

/** The functions whose environment may not fit, as one message naming each; null when all fit. */
function environmentOverflow(template, stackName, limit = LAMBDA_ENVIRONMENT_LIMIT) {
  const over = environmentSizes(template, stackName).filter((size) => size.bytes > limit);
  if (over.length === 0) return null;
  const lines = over.map(
    (size) =>
      `${size.function}: up to ${size.bytes} bytes (largest: ${size.largest.map(([n, b]) => `${n} ${b}`).join(', ')})`,
  );
  return (
    `the environment variables of ${over.length === 1 ? 'a function' : `${over.length} functions`} may exceed ` +
    `Lambda's ${limit} bytes:\n  ${lines.join('\n  ')}\n` +
    'Shorten the policy file (fewer or shorter policies and notes) or the chat settings.'
  );
}

class LifeboatEnvironmentSize {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'before:package:finalize': () => this.check() };
  }

  check() {
    const provider = this.serverless.getProvider('aws');
    const service = this.serverless.service;
    // The resources of serverless.yml's `resources:` join the compiled ones only after this hook.
    const template = {
      Resources: {
        ...service.provider.compiledCloudFormationTemplate.Resources,
        ...(service.resources?.Resources ?? {}),
      },
    };
    const problem = environmentOverflow(template, provider.naming.getStackName());
    if (problem) throw new this.serverless.classes.Error(problem);
  }
}

module.exports = LifeboatEnvironmentSize;
module.exports.environmentSizes = environmentSizes;
module.exports.environmentOverflow = environmentOverflow;
module.exports.LAMBDA_ENVIRONMENT_LIMIT = LAMBDA_ENVIRONMENT_LIMIT;
