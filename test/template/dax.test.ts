/**
 * The optional DAX read cache (resources/dax.yml), checked on the packaged prod template with
 * its condition forced on (as with `--param=dax=true --param=vpcMode=true`) and at its default
 * (off). Which reads go through it is the client switch's business (domain/dynamodb.ts); here:
 * the cluster, its network, its TTLs, and who may call it.
 */
import { effectiveTemplate, loadTemplate, resource, resourcesOfType, type Json, type Template } from './template';

const raw = loadTemplate();
const off = effectiveTemplate(raw);
const on = effectiveTemplate(raw, { VpcMode: true, DaxEnabled: true });
const CLUSTER_ARN = { 'Fn::GetAtt': ['DaxCluster', 'Arn'] };
const DAX_READERS: Record<string, string[]> = {
  GetUserShort: ['dax:GetItem'],
  Scan: ['dax:Scan'],
  ListConversations: ['dax:GetItem', 'dax:Query'],
  GetConversation: ['dax:GetItem', 'dax:Query'],
};

function daxGrants(t: Template, roleId: string): Array<{ actions: string[]; resource: Json }> {
  const policies = (resource(t, roleId).Properties?.Policies ?? []) as Array<{
    PolicyDocument: { Statement: Array<Record<string, Json>> };
  }>;
  return policies
    .flatMap((p) => p.PolicyDocument.Statement)
    .filter((s) => JSON.stringify(s.Action).includes('dax:'))
    .map((s) => ({
      actions: ([] as Json[])
        .concat(s.Action as Json)
        .map(String)
        .sort(),
      resource: s.Resource as Json,
    }));
}

test('off by default: no DAX resource, no dax grant, DAX_ENDPOINT empty', () => {
  expect(Object.keys(off.Resources).filter((id) => id.startsWith('Dax') || id.includes('ToDax'))).toEqual([]);
  for (const [id] of resourcesOfType(off, 'AWS::IAM::Role')) expect(daxGrants(off, id)).toEqual([]);
  const env = (resource(off, 'GetUserShortLambdaFunction').Properties?.Environment as { Variables: Record<string, Json> })
    .Variables;
  expect(env.DAX_ENDPOINT).toBe('');
});

test('the condition needs both dax and vpcMode', () => {
  expect(raw.Conditions?.DaxEnabled).toEqual({
    'Fn::And': [{ 'Fn::Equals': ['false-', 'true-'] }, { 'Fn::Equals': ['false-', 'true-'] }],
  });
});

test('on: the cluster is encrypted at rest and in transit, in the private subnets, reachable on 9111 from the functions only', () => {
  const cluster = resource(on, 'DaxCluster').Properties ?? {};
  expect(cluster).toMatchObject({
    SSESpecification: { SSEEnabled: true },
    ClusterEndpointEncryptionType: 'TLS',
    NodeType: 'dax.t3.small',
    ReplicationFactor: 3,
    SubnetGroupName: { Ref: 'DaxSubnetGroup' },
    ParameterGroupName: { Ref: 'DaxParameterGroup' },
    SecurityGroupIds: [{ Ref: 'DaxSecurityGroup' }],
    IAMRoleARN: { 'Fn::GetAtt': ['DaxServiceRole', 'Arn'] },
  });
  expect(resource(on, 'DaxSubnetGroup').Properties?.SubnetIds).toEqual([{ Ref: 'PrivateSubnetA' }, { Ref: 'PrivateSubnetB' }]);
  expect(resource(on, 'DaxSecurityGroup').Properties?.SecurityGroupIngress).toEqual([
    expect.objectContaining({
      IpProtocol: 'tcp',
      FromPort: 9111,
      ToPort: 9111,
      SourceSecurityGroupId: { Ref: 'LambdaSecurityGroup' },
    }),
  ]);
  expect(resource(on, 'LambdaToDaxEgress').Properties).toMatchObject({
    GroupId: { Ref: 'LambdaSecurityGroup' },
    FromPort: 9111,
    DestinationSecurityGroupId: { Ref: 'DaxSecurityGroup' },
  });
});

test('on: item and query TTLs come from the daxItemTtlMs / daxQueryTtlMs parameters', () => {
  expect(resource(on, 'DaxParameterGroup').Properties?.ParameterNameValues).toEqual({
    'record-ttl-millis': '60000',
    'query-ttl-millis': '10000',
  });
});

test("on: DAX's own role reads the table and its index, and writes nothing", () => {
  const grants = daxGrants(on, 'DaxServiceRole');
  expect(grants).toEqual([]);
  const policies = resource(on, 'DaxServiceRole').Properties?.Policies as Array<{
    PolicyDocument: { Statement: Array<Record<string, Json>> };
  }>;
  const statements = policies.flatMap((p) => p.PolicyDocument.Statement);
  expect(statements).toEqual([
    {
      Effect: 'Allow',
      Action: ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'],
      Resource: [
        { 'Fn::GetAtt': ['MessagingTable', 'Arn'] },
        { 'Fn::Sub': '${MessagingTable.Arn}/index/message-group-sk-index' },
      ],
    },
  ]);
});

test('on: exactly the eventually consistent readers get DAX_ENDPOINT and dax: actions on this cluster only', () => {
  for (const [id, fn] of resourcesOfType(on, 'AWS::Lambda::Function')) {
    const name = id.replace(/LambdaFunction$/, '');
    const env = (fn.Properties?.Environment as { Variables: Record<string, Json> }).Variables;
    const grants = daxGrants(on, `${name}Role`);
    if (DAX_READERS[name]) {
      expect([name, env.DAX_ENDPOINT]).toEqual([name, { 'Fn::GetAtt': ['DaxCluster', 'ClusterDiscoveryEndpointURL'] }]);
      expect([name, grants]).toEqual([name, [{ actions: DAX_READERS[name], resource: CLUSTER_ARN }]]);
    } else {
      expect([name, env.DAX_ENDPOINT, grants]).toEqual([name, undefined, []]);
    }
  }
});
