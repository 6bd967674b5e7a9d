/**
 * IAM of the packaged prod stack: one role per function, holding exactly the grants its code
 * needs — no wildcard, no unused grant, no missing one.
 *
 * EXPECTED below is the reviewed list (function → action @ resource). Two checks keep it
 * honest: the template's roles must grant exactly EXPECTED, and EXPECTED must equal what the
 * code calls, derived from each handler's tree-shaken esbuild bundle (the SDK commands and
 * transaction actions in our own modules) plus the function's event source mappings.
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import {
  asList,
  effectiveTemplate,
  loadTemplate,
  logicalName,
  policyStatements,
  resource,
  resourcesOfType,
  type Json,
  type Template,
} from './template';

const raw = loadTemplate();
const template = effectiveTemplate(raw);

const LOGS = ['logs:CreateLogStream @ own log group', 'logs:PutLogEvents @ own log group'];
const EXPECTED: Record<string, string[]> = {
  seed: ['dynamodb:GetItem @ table', 'dynamodb:PutItem @ table', 'dynamodb:Query @ table', 'dynamodb:BatchWriteItem @ table'],
  scan: ['dynamodb:Scan @ table'],
  listConversations: ['dynamodb:GetItem @ table', 'dynamodb:Query @ table'],
  getConversation: ['dynamodb:GetItem @ table', 'dynamodb:Query @ table'],
  adoptLegacyConversations: [
    'dynamodb:Scan @ message-group-sk-index',
    'dynamodb:GetItem @ table',
    'dynamodb:PutItem @ table',
    'dynamodb:Query @ table',
    'dynamodb:UpdateItem @ table',
    'dynamodb:ConditionCheckItem @ table',
  ],
  syncCognitoUsers: [
    'cognito-idp:ListUsers @ user pool',
    'dynamodb:GetItem @ table',
    'dynamodb:PutItem @ table',
    'dynamodb:UpdateItem @ table',
  ],
  userAccess: [
    'dynamodb:GetItem @ table',
    'dynamodb:UpdateItem @ table',
    'dynamodb:Query @ table',
    'dynamodb:DeleteItem @ table',
  ],
  preSignUp: ['dynamodb:GetItem @ table'],
  postConfirmation: [
    'cognito-idp:AdminGetUser @ user pool',
    'cognito-idp:ListUsers @ user pool',
    'dynamodb:GetItem @ table',
    'dynamodb:PutItem @ table',
    'dynamodb:UpdateItem @ table',
  ],
  listMessageGroups: ['dynamodb:GetItem @ table', 'dynamodb:Query @ table'],
  listMessages: ['dynamodb:GetItem @ table', 'dynamodb:Query @ table'],
  createMessage: [
    'dynamodb:GetItem @ table',
    'dynamodb:PutItem @ table',
    'dynamodb:UpdateItem @ table',
    'dynamodb:ConditionCheckItem @ table',
  ],
  blockUser: [
    'dynamodb:GetItem @ table',
    'dynamodb:PutItem @ table',
    'dynamodb:UpdateItem @ table',
    'dynamodb:ConditionCheckItem @ table',
  ],
  unblockUser: [
    'dynamodb:GetItem @ table',
    'dynamodb:DeleteItem @ table',
    'dynamodb:UpdateItem @ table',
    'dynamodb:ConditionCheckItem @ table',
  ],
  listBlocks: ['dynamodb:GetItem @ table', 'dynamodb:Query @ table'],
  reportMessage: ['dynamodb:GetItem @ table', 'dynamodb:Query @ table', 'dynamodb:PutItem @ table'],
  listReports: ['dynamodb:Query @ table'],
  resolveReport: ['dynamodb:GetItem @ table', 'dynamodb:UpdateItem @ table'],
  getUserShort: ['dynamodb:GetItem @ table'],
  createGroup: [
    'dynamodb:GetItem @ table',
    'dynamodb:BatchGetItem @ table',
    'dynamodb:Query @ table',
    'dynamodb:PutItem @ table',
    'dynamodb:UpdateItem @ table',
    'dynamodb:ConditionCheckItem @ table',
  ],
  getMessageGroup: ['dynamodb:GetItem @ table', 'dynamodb:BatchGetItem @ table', 'dynamodb:Query @ table'],
  renameGroup: [
    'dynamodb:GetItem @ table',
    'dynamodb:Query @ table',
    'dynamodb:UpdateItem @ table',
    'dynamodb:ConditionCheckItem @ table',
    'dynamodb:Query @ message-group-sk-index',
  ],
  addGroupMember: [
    'dynamodb:GetItem @ table',
    'dynamodb:Query @ table',
    'dynamodb:PutItem @ table',
    'dynamodb:UpdateItem @ table',
    'dynamodb:ConditionCheckItem @ table',
  ],
  removeGroupMember: [
    'dynamodb:GetItem @ table',
    'dynamodb:Query @ table',
    'dynamodb:DeleteItem @ table',
    'dynamodb:UpdateItem @ table',
    'dynamodb:ConditionCheckItem @ table',
    'dynamodb:Query @ message-group-sk-index',
  ],
  markRead: [
    'dynamodb:GetItem @ table',
    'dynamodb:Query @ table',
    'dynamodb:Query @ message-group-sk-index',
    'dynamodb:UpdateItem @ table',
  ],
  editMessage: [
    'dynamodb:GetItem @ table',
    'dynamodb:Query @ table',
    'dynamodb:PutItem @ table',
    'dynamodb:UpdateItem @ table',
    'dynamodb:ConditionCheckItem @ table',
  ],
  deleteMessage: [
    'dynamodb:GetItem @ table',
    'dynamodb:Query @ table',
    'dynamodb:UpdateItem @ table',
    'dynamodb:ConditionCheckItem @ table',
  ],
  setMemberRole: [
    'dynamodb:GetItem @ table',
    'dynamodb:Query @ table',
    'dynamodb:UpdateItem @ table',
    'dynamodb:ConditionCheckItem @ table',
  ],
  updateConversationRows: [
    'dynamodb:DescribeStream @ table stream',
    'dynamodb:GetRecords @ table stream',
    'dynamodb:GetShardIterator @ table stream',
    'dynamodb:ListStreams @ table stream',
    'sqs:SendMessage @ dead-letter queue',
    'dynamodb:Query @ table',
    'dynamodb:Query @ message-group-sk-index',
    'dynamodb:DeleteItem @ table',
    'dynamodb:PutItem @ table',
    'dynamodb:UpdateItem @ table',
  ],
  wsConnect: ['dynamodb:GetItem @ table', 'dynamodb:PutItem @ table'],
  wsDisconnect: ['dynamodb:DeleteItem @ table'],
  wsDefault: [],
  pushEvents: [
    'dynamodb:DescribeStream @ table stream',
    'dynamodb:GetRecords @ table stream',
    'dynamodb:GetShardIterator @ table stream',
    'dynamodb:ListStreams @ table stream',
    'sqs:SendMessage @ push dead-letter queue',
    'dynamodb:Query @ table',
    'dynamodb:DeleteItem @ table',
    'dynamodb:BatchGetItem @ table',
    'execute-api:ManageConnections @ websocket connections',
  ],
};

const KNOWN_RESOURCES: Record<string, Json> = {
  table: { 'Fn::GetAtt': ['MessagingTable', 'Arn'] },
  'message-group-sk-index': { 'Fn::Sub': '${MessagingTable.Arn}/index/message-group-sk-index' },
  'table stream': { 'Fn::GetAtt': ['MessagingTable', 'StreamArn'] },
  'dead-letter queue': { 'Fn::GetAtt': ['ConversationRowsDeadLetterQueue', 'Arn'] },
  'push dead-letter queue': { 'Fn::GetAtt': ['PushEventsDeadLetterQueue', 'Arn'] },
  // POST to any connection of this WebSocket API's prod stage: connection ids exist at run time only.
  'websocket connections': {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':execute-api:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        ':',
        { Ref: 'WebsocketsApi' },
        '/prod/POST/@connections/*',
      ],
    ],
  },
  'user pool': { 'Fn::GetAtt': ['CognitoUserPoolCruddur', 'Arn'] },
};

function resourceLabel(value: Json, functionName: string): string {
  const json = JSON.stringify(value);
  if (json === JSON.stringify({ 'Fn::GetAtt': [`${logicalName(functionName)}LogGroup`, 'Arn'] })) return 'own log group';
  const known = Object.entries(KNOWN_RESOURCES).find(([, v]) => JSON.stringify(v) === json);
  return known ? known[0] : `UNRECOGNISED ${json}`;
}

const functionNames = resourcesOfType(template, 'AWS::Lambda::Function').map(([id, fn]) => {
  const name = String(fn.Properties?.FunctionName).replace(/^cruddur-messaging-prod-/, '');
  expect(`${logicalName(name)}LambdaFunction`).toBe(id);
  return name;
});

function roleIdOf(functionName: string): string {
  const role = resource(template, `${logicalName(functionName)}LambdaFunction`).Properties?.Role as {
    'Fn::GetAtt'?: [string, string];
  };
  const id = role['Fn::GetAtt']?.[0];
  if (!id) throw new Error(`${functionName}: Role is not a role of this stack: ${JSON.stringify(role)}`);
  return id;
}

/**
 * Every Allow grant of a role: its inline policies, attached managed policies of this stack and
 * AWS::IAM::Policy resources attached to it, alike.
 */
function grantsOf(t: Template, functionName: string): string[] {
  const roleId = roleIdOf(functionName);
  const role = resource(t, roleId);
  const documents = asList(role.Properties?.Policies).map((p) => (p as { PolicyDocument: Json }).PolicyDocument);
  for (const [, policy] of resourcesOfType(t, 'AWS::IAM::Policy')) {
    const roles = asList(policy.Properties?.Roles).map((r) => JSON.stringify(r));
    if (roles.includes(JSON.stringify({ Ref: roleId }))) documents.push(policy.Properties?.PolicyDocument as Json);
  }
  for (const arn of asList(role.Properties?.ManagedPolicyArns)) {
    const ref = (arn as { Ref?: string }).Ref;
    if (!ref) throw new Error(`${functionName}: managed policy from outside the stack: ${JSON.stringify(arn)}`);
    documents.push(resource(t, ref).Properties?.PolicyDocument as Json);
  }
  const grants: string[] = [];
  for (const document of documents) {
    for (const statement of asList((document as { Statement: Json }).Statement) as Array<Record<string, Json>>) {
      expect(statement.Effect).toBe('Allow');
      expect(statement).not.toHaveProperty('NotAction');
      expect(statement).not.toHaveProperty('NotResource');
      for (const action of asList(statement.Action)) {
        for (const r of asList(statement.Resource)) grants.push(`${String(action)} @ ${resourceLabel(r, functionName)}`);
      }
    }
  }
  return grants.sort();
}

const COMMAND_ACTIONS: Record<string, string> = {
  Get: 'dynamodb:GetItem',
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  Query: 'dynamodb:Query',
  Scan: 'dynamodb:Scan',
  BatchWrite: 'dynamodb:BatchWriteItem',
  BatchGet: 'dynamodb:BatchGetItem',
  TransactGet: 'dynamodb:GetItem',
  ListUsers: 'cognito-idp:ListUsers',
  AdminGetUser: 'cognito-idp:AdminGetUser',
  PostToConnection: 'execute-api:ManageConnections',
};
const TRANSACT_ACTIONS: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
};

/** What a function's own code calls: SDK commands (and transaction actions) in its tree-shaken bundle. */
async function callsInCode(functionName: string): Promise<string[]> {
  const handler = String(resource(template, `${logicalName(functionName)}LambdaFunction`).Properties?.Handler);
  const entry = join(__dirname, '../..', `${handler.replace(/\.[^.]+$/, '')}.ts`);
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    logLevel: 'silent',
    external: ['@aws-sdk/*', '@smithy/*'],
  });
  const text = result.outputFiles[0]?.text ?? '';
  // esbuild marks each module's code with a `// path` line; keep our modules only.
  const ours: string[] = [];
  let keep = false;
  for (const line of text.split('\n')) {
    const marker = /^\/\/ (\S+\.[cm]?[jt]s)$/.exec(line);
    if (marker?.[1]) keep = !marker[1].includes('node_modules/');
    else if (keep) ours.push(line);
  }
  const code = ours.join('\n');
  const calls = new Set<string>();
  const commands = [...code.matchAll(/new (\w+?)Command\d*\(/g)];
  for (const [i, match] of commands.entries()) {
    const name = match[1];
    if (name === 'TransactWrite') {
      for (const [, kind] of code.matchAll(/\b(Put|Update|Delete|ConditionCheck):\s*\{/g))
        calls.add(`${TRANSACT_ACTIONS[kind as string]} @ table`);
      continue;
    }
    const action = COMMAND_ACTIONS[name as string];
    if (!action) throw new Error(`${functionName}: no IAM mapping for ${name}Command — add it to COMMAND_ACTIONS`);
    // A command whose input names the index (up to the next command) reads the index.
    const input = code.slice(match.index, Math.min(commands[i + 1]?.index ?? code.length, match.index + 800));
    const target = action.startsWith('cognito-idp:')
      ? 'user pool'
      : action.startsWith('execute-api:')
        ? 'websocket connections'
        : /\bIndexName:/.test(input)
          ? 'message-group-sk-index'
          : 'table';
    calls.add(`${action} @ ${target}`);
  }
  return [...calls];
}

/** What the function's event source mappings make Lambda do with the function's role. */
function callsForEvents(functionName: string): string[] {
  const calls: string[] = [];
  const fnRef = JSON.stringify({ 'Fn::GetAtt': [`${logicalName(functionName)}LambdaFunction`, 'Arn'] });
  for (const [, mapping] of resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')) {
    if (JSON.stringify(mapping.Properties?.FunctionName) !== fnRef) continue;
    const source = resourceLabel(mapping.Properties?.EventSourceArn as Json, functionName);
    for (const action of ['DescribeStream', 'GetRecords', 'GetShardIterator', 'ListStreams'])
      calls.push(`dynamodb:${action} @ ${source}`);
    const onFailure = (mapping.Properties?.DestinationConfig as { OnFailure?: { Destination: Json } } | undefined)?.OnFailure;
    if (onFailure) calls.push(`sqs:SendMessage @ ${resourceLabel(onFailure.Destination, functionName)}`);
  }
  return calls;
}

describe('IAM (packaged prod stack)', () => {
  test('the reviewed grant list covers exactly the deployed functions', () => {
    expect([...functionNames].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  test('the framework creates no shared IamRoleLambdaExecution role', () => {
    expect(raw.Resources).not.toHaveProperty('IamRoleLambdaExecution');
    expect(JSON.stringify(raw)).not.toContain('IamRoleLambdaExecution');
  });

  test('every function has a role of its own', () => {
    const roles = functionNames.map(roleIdOf);
    expect(new Set(roles).size).toBe(functionNames.length);
    for (const id of roles) expect(resource(template, id).Type).toBe('AWS::IAM::Role');
    expect(
      resourcesOfType(template, 'AWS::IAM::Role')
        .map(([id]) => id)
        .sort(),
    ).toEqual([...roles].sort());
  });

  test('roles trust only the Lambda service and set no fixed name or external managed policy', () => {
    for (const name of functionNames) {
      const role = resource(template, roleIdOf(name));
      expect(role.Properties?.AssumeRolePolicyDocument).toEqual({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      });
      expect(role.Properties).not.toHaveProperty('RoleName');
      expect(role.Properties).not.toHaveProperty('ManagedPolicyArns');
    }
  });

  test.each(Object.keys(EXPECTED))('%s is granted exactly its reviewed actions on its own resources', (name) => {
    expect(grantsOf(template, name)).toEqual([...LOGS, ...(EXPECTED[name] ?? [])].sort());
  });

  test.each(Object.keys(EXPECTED))('the reviewed list for %s matches what its code and events call', async (name) => {
    const derived = [...(await callsInCode(name)), ...callsForEvents(name)].sort();
    expect(derived).toEqual([...(EXPECTED[name] ?? [])].sort());
  });

  test('no Allow statement anywhere in the stack has a wildcard action or resource (but the connection id of @connections)', () => {
    const connections = JSON.stringify(KNOWN_RESOURCES['websocket connections']);
    const offenders = policyStatements(template)
      .filter(({ statement }) => statement.Effect === 'Allow')
      // The one exception: ManageConnections alone, on this API's stage, POST, any connection id.
      .filter(
        ({ statement }) =>
          !(statement.Action === 'execute-api:ManageConnections' && JSON.stringify(statement.Resource) === connections),
      )
      .filter(({ statement }) => {
        const fields = [statement.Action, statement.Resource, statement.NotAction, statement.NotResource];
        return statement.NotAction !== undefined || statement.NotResource !== undefined || JSON.stringify(fields).includes('*');
      })
      .map(({ where }) => where);
    expect(offenders).toEqual([]);
  });

  test('the only Deny is the deployment bucket refusing non-TLS requests', () => {
    const denies = policyStatements(template).filter(({ statement }) => statement.Effect === 'Deny');
    expect(denies.map(({ where }) => where.split('.')[0])).toEqual(['ServerlessDeploymentBucketPolicy']);
    expect(denies[0]?.statement.Condition).toEqual({ Bool: { 'aws:SecureTransport': false } });
  });

  test('optional features add wildcards only where AWS allows nothing narrower (X-Ray, VPC network interfaces)', () => {
    const everythingOn = effectiveTemplate(raw, { TracingEnabled: true, VpcMode: true, DaxEnabled: true });
    const wildcardActions = new Set<string>();
    for (const { statement } of policyStatements(everythingOn)) {
      if (statement.Effect !== 'Allow' || !JSON.stringify([statement.Resource]).includes('*')) continue;
      if (statement.Action === 'execute-api:ManageConnections') continue; // checked above
      expect(JSON.stringify(statement.Action)).not.toContain('*');
      asList(statement.Action).forEach((a) => wildcardActions.add(String(a)));
    }
    expect([...wildcardActions].sort()).toEqual([
      'ec2:AssignPrivateIpAddresses',
      'ec2:CreateNetworkInterface',
      'ec2:DeleteNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSubnets',
      'ec2:UnassignPrivateIpAddresses',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
    // And with those on, every role still holds its reviewed grants plus only those.
    for (const name of functionNames) {
      const extra = grantsOf(everythingOn, name).filter(
        (g) => !g.startsWith('ec2:') && !g.startsWith('xray:') && !g.startsWith('dax:'),
      );
      expect(extra).toEqual([...LOGS, ...(EXPECTED[name] ?? [])].sort());
    }
  });

  test('pushEvents may BatchGetItem block items only (dynamodb:LeadingKeys BLOCKS#*)', () => {
    const role = resource(template, roleIdOf('pushEvents'));
    const statements = asList(role.Properties?.Policies).flatMap(
      (p) =>
        asList(((p as { PolicyDocument: Json }).PolicyDocument as { Statement: Json }).Statement) as Array<Record<string, Json>>,
    );
    const batchGets = statements.filter((st) => asList(st.Action).includes('dynamodb:BatchGetItem'));
    expect(batchGets).toHaveLength(1);
    expect(batchGets[0]?.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['BLOCKS#*'] } });
  });

  test('the PostConfirmation trigger reaches the pool through its own policy, and the stack has no dependency cycle', () => {
    // The pool names the trigger (LambdaConfig); the trigger's role and function must not name the pool.
    expect(JSON.stringify(resource(template, 'PostConfirmationRole'))).not.toContain('CognitoUserPoolCruddur');
    expect(JSON.stringify(resource(template, 'PostConfirmationLambdaFunction'))).not.toContain('CognitoUserPoolCruddur');
    for (const t of [template, effectiveTemplate(raw, { TracingEnabled: true, VpcMode: true, DaxEnabled: true })]) {
      const ids = new Set(Object.keys(t.Resources));
      const edges = new Map<string, Set<string>>();
      for (const [id, r] of Object.entries(t.Resources)) {
        const targets = new Set<string>(asList(r.DependsOn as Json).map(String));
        const walk = (value: unknown): void => {
          if (Array.isArray(value)) {
            value.forEach(walk);
            return;
          }
          if (value === null || typeof value !== 'object') return;
          for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
            if (k === 'Ref' && typeof v === 'string') targets.add(v);
            else if (k === 'Fn::GetAtt') targets.add(String(Array.isArray(v) ? v[0] : String(v).split('.')[0]));
            else if (k === 'Fn::Sub') {
              const text = Array.isArray(v) ? String(v[0]) : String(v);
              for (const [, name] of text.matchAll(/\$\{([A-Za-z0-9]+)[.}]/g)) targets.add(name as string);
              if (Array.isArray(v)) walk(v[1]);
            } else walk(v);
          }
        };
        walk(r.Properties);
        edges.set(id, new Set([...targets].filter((target) => ids.has(target))));
      }
      const state = new Map<string, 'open' | 'done'>();
      const cycles: string[] = [];
      const visit = (id: string, trail: string[]): void => {
        if (state.get(id) === 'done') return;
        if (state.get(id) === 'open') {
          cycles.push([...trail.slice(trail.indexOf(id)), id].join(' → '));
          return;
        }
        state.set(id, 'open');
        for (const next of edges.get(id) ?? []) visit(next, [...trail, id]);
        state.set(id, 'done');
      };
      for (const id of ids) visit(id, []);
      expect(cycles).toEqual([]);
    }
  });
});
