import { CreateDBSubnetGroupCommand, type RDSClient } from '@aws-sdk/client-rds';
import type { Moto } from './moto.js';

/**
 * One EC2 Query API call to moto, signed in form only (moto routes by the credential scope's region
 * and service and checks no signature): the repository has no EC2 client of the SDK, and a test
 * needs only a VPC and its subnets, which moto's RDS checks a DB subnet group against.
 */
async function ec2(moto: Moto, where: { region: string; account: string }, params: Record<string, string>) {
  const response = await fetch(moto.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${where.region}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
      'x-moto-account-id': where.account,
    },
    body: new URLSearchParams({ Version: '2016-11-15', ...params }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`moto EC2 ${params.Action}: ${response.status} ${text}`);
  return text;
}

const field = (xml: string, name: string) => {
  const value = new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)?.[1];
  if (!value) throw new Error(`moto's answer has no ${name}: ${xml}`);
  return value;
};

/** A VPC with two subnets and a DB subnet group over them, in that account and region of moto. */
export async function createSubnetGroup(
  moto: Moto,
  rds: RDSClient,
  where: { region: string; account: string },
  name: string,
): Promise<{ vpcId: string; subnetIds: string[] }> {
  const vpcId = field(await ec2(moto, where, { Action: 'CreateVpc', CidrBlock: '10.0.0.0/16' }), 'vpcId');
  const subnetIds: string[] = [];
  for (const [index, zone] of ['a', 'b'].entries()) {
    const answer = await ec2(moto, where, {
      Action: 'CreateSubnet',
      VpcId: vpcId,
      CidrBlock: `10.0.${index + 1}.0/24`,
      AvailabilityZone: `${where.region}${zone}`,
    });
    subnetIds.push(field(answer, 'subnetId'));
  }
  await rds.send(
    new CreateDBSubnetGroupCommand({
      DBSubnetGroupName: name,
      DBSubnetGroupDescription: 'Lifeboat scratch instances',
      SubnetIds: subnetIds,
    }),
  );
  return { vpcId, subnetIds };
}
