/**
 * The packaged prod stack, resource by resource: table, functions, HTTP API, Cognito,
 * alarms, optional network, outputs. Conditions are evaluated for the prod parameter
 * values (effectiveTemplate); optional features are also checked with their switch forced on.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  conditionHolds,
  effectiveTemplate,
  loadTemplate,
  packageDir,
  resource,
  resourcesOfType,
  type Json,
  type Template,
} from './template';

const raw = loadTemplate();
const template = effectiveTemplate(raw);
const functions = resourcesOfType(template, 'AWS::Lambda::Function');
const props = (t: Template, id: string) => resource(t, id).Properties ?? {};
const state = JSON.parse(readFileSync(join(packageDir(), 'serverless-state.json'), 'utf8')) as {
  service: { provider: { stackTags?: Record<string, string> } };
};

describe('DynamoDB table', () => {
  const table = resource(template, 'MessagingTable');

  test('has the pk/sk key, the message-group-sk-index GSI (projection ALL) and a NEW_IMAGE stream', () => {
    expect(table.Properties?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(table.Properties?.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'message-group-sk-index',
        KeySchema: [
          { AttributeName: 'message_group_uuid', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
    expect(table.Properties?.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
    expect(table.Properties?.BillingMode).toBe('PAY_PER_REQUEST');
  });

  test('has point-in-time recovery', () => {
    expect(table.Properties?.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
  });

  test('is encrypted with the AWS-owned key by default and with the customer key when tableKmsKeyArn is set', () => {
    expect(table.Properties?.SSESpecification).toEqual({ SSEEnabled: false });
    const withKey = effectiveTemplate(raw, { TableCustomerKey: true });
    expect(props(withKey, 'MessagingTable').SSESpecification).toMatchObject({ SSEEnabled: true, SSEType: 'KMS' });
  });

  test('is retained and deletion-protected outside dev', () => {
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    expect(table.Properties?.DeletionProtectionEnabled).toBe(true);
  });

  test('is tagged with service and stage (and the stack tags every taggable resource)', () => {
    expect(table.Properties?.Tags).toEqual([
      { Key: 'service', Value: 'cruddur-messaging' },
      { Key: 'stage', Value: 'prod' },
    ]);
    expect(state.service.provider.stackTags).toEqual({ service: 'cruddur-messaging', stage: 'prod' });
  });
});

describe('Lambda functions', () => {
  test.each(functions.map(([id]) => id))('%s runs on arm64 with JSON logs and a log group with retention', (id) => {
    const fn = props(template, id);
    expect(fn.Architectures).toEqual(['arm64']);
    expect(fn.Runtime).toBe('nodejs24.x');
    expect(fn.LoggingConfig).toMatchObject({ LogFormat: 'JSON', SystemLogLevel: 'WARN' });
    const logGroup = resource(template, id.replace(/LambdaFunction$/, 'LogGroup'));
    expect(logGroup.Properties?.RetentionInDays).toBe(90);
    expect(resource(template, id).DependsOn).toContain(id.replace(/LambdaFunction$/, 'LogGroup'));
  });

  test('memory and timeout are chosen per function', () => {
    const sizing = Object.fromEntries(
      functions.map(([id, fn]) => [id.replace(/LambdaFunction$/, ''), [fn.Properties?.MemorySize, fn.Properties?.Timeout]]),
    );
    expect(sizing).toEqual({
      Seed: [256, 60],
      Scan: [256, 60],
      ListConversations: [256, 10],
      GetConversation: [256, 10],
      AdoptLegacyConversations: [256, 300],
      SyncCognitoUsers: [256, 300],
      UserAccess: [256, 10],
      ListMessageGroups: [512, 10],
      ListMessages: [512, 10],
      CreateMessage: [512, 10],
      GetUserShort: [512, 10],
      CreateGroup: [512, 10],
      GetMessageGroup: [512, 10],
      RenameGroup: [512, 10],
      AddGroupMember: [512, 10],
      RemoveGroupMember: [512, 10],
      SetMemberRole: [512, 10],
      MarkRead: [512, 10],
      EditMessage: [512, 10],
      DeleteMessage: [512, 10],
      PreSignUp: [256, 5],
      PostConfirmation: [256, 5],
      UpdateConversationRows: [256, 60],
      WsConnect: [512, 10],
      WsDisconnect: [256, 10],
      WsDefault: [256, 10],
      PushEvents: [256, 30],
      BlockUser: [512, 10],
      UnblockUser: [512, 10],
      ListBlocks: [512, 10],
      ReportMessage: [512, 10],
      ListReports: [256, 10],
      ResolveReport: [256, 10],
    });
  });

  test('log at INFO (Powertools reads the same level); ops reports that print message text log at WARN', () => {
    for (const [id, fn] of functions) {
      const level = (fn.Properties?.LoggingConfig as { ApplicationLogLevel?: string }).ApplicationLogLevel;
      const report = [
        'ScanLambdaFunction',
        'ListConversationsLambdaFunction',
        'GetConversationLambdaFunction',
        'ListReportsLambdaFunction',
        'ResolveReportLambdaFunction',
      ].includes(id);
      expect([id, level]).toEqual([id, report ? 'WARN' : 'INFO']);
      const env = (fn.Properties?.Environment as { Variables: Record<string, Json> }).Variables;
      expect(env.POWERTOOLS_LOG_LEVEL).toBe('INFO');
      expect(env.POWERTOOLS_SERVICE_NAME).toBe('cruddur-messaging');
      expect(env.DYNAMODB_ENDPOINT).toBe('');
    }
  });

  test('X-Ray tracing is off by default and one parameter away', () => {
    for (const [, fn] of functions) expect(fn.Properties).not.toHaveProperty('TracingConfig');
    expect(conditionHolds(raw, 'TracingEnabled')).toBe(false);
  });

  test('the stream consumer has no reserved concurrency by default and a reservation when the parameter is set', () => {
    expect(props(template, 'UpdateConversationRowsLambdaFunction')).not.toHaveProperty('ReservedConcurrentExecutions');
    const reserved = effectiveTemplate(raw, { StreamReservedConcurrency: true });
    expect(props(reserved, 'UpdateConversationRowsLambdaFunction')).toHaveProperty('ReservedConcurrentExecutions');
  });

  test('the stream consumer reports partial batch failures and dead-letters to the queue', () => {
    const mapping = resource(template, 'UpdateConversationRowsEventSourceMappingDynamodbMessagingTable');
    expect(mapping.Properties).toMatchObject({
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['ConversationRowsDeadLetterQueue', 'Arn'] } } },
    });
  });

  test('every handler entry attaches the Lambda context to the shared logger, and logger calls pass no body, message text or token (a source check)', () => {
    const root = join(__dirname, '../../handlers');
    expect(readFileSync(join(root, 'http', 'middleware.ts'), 'utf8')).toMatch(/injectLambdaContext\(logger/);
    let entries = 0;
    for (const dir of ['http', 'stream', 'cognito', 'ws']) {
      for (const file of readdirSync(join(root, dir)).filter((f) => f.endsWith('.ts'))) {
        const source = readFileSync(join(root, dir, file), 'utf8');
        if (/export (async function|const) handler\b/.test(source)) {
          entries++;
          // HTTP handlers get the context from the shared middy stack (httpHandler).
          expect([file, /httpHandler\(|logger\.addContext\(context\)/.test(source)]).toEqual([file, true]);
        }
        // Arguments of logger calls, string literals removed: no request body, message text or
        // token (`error.message` is an error's text, not a chat message).
        for (const [, args] of source.matchAll(/logger\.(?:info|debug|warn|error|appendKeys)\(([^;]*?)\);/gs)) {
          const code = (args ?? '').replace(/'[^']*'|`[^`]*`|"[^"]*"/g, "''");
          expect([file, code]).not.toEqual([
            file,
            expect.stringMatching(/\b(body|text|token|authorization|event)\b|(?<!\.)\bmessage\b(?!_)/i),
          ]);
        }
      }
    }
    expect(entries).toBe(24); // seventeen HTTP routes (six of them groups', one read markers', four safety's, edit and delete), two stream consumers, the two Cognito triggers, three WebSocket routes
  });
});

describe('HTTP API', () => {
  test('stage throttling comes from the parameters', () => {
    expect(props(template, 'HttpApiStage').DefaultRouteSettings).toEqual({
      DetailedMetricsEnabled: false,
      ThrottlingRateLimit: 50,
      ThrottlingBurstLimit: 100,
    });
  });

  test('access logs go to a log group with retention, and log no headers', () => {
    const settings = props(template, 'HttpApiStage').AccessLogSettings as { DestinationArn: Json; Format: string };
    expect(settings.DestinationArn).toEqual({ 'Fn::GetAtt': ['HttpApiLogGroup', 'Arn'] });
    expect(JSON.parse(settings.Format)).toHaveProperty('requestId', '$context.requestId');
    expect(settings.Format).not.toMatch(/header|authorization/i);
    expect(props(template, 'HttpApiLogGroup').RetentionInDays).toBe(90);
  });

  test('CORS allows the configured origin only, never `*` outside dev', () => {
    const cors = props(template, 'HttpApi').CorsConfiguration as { AllowOrigins: string[]; AllowHeaders: string[] };
    expect(cors.AllowOrigins).toEqual(['https://cruddur.example.com']);
    expect(cors.AllowHeaders).toEqual(['Content-Type', 'Authorization', 'Idempotency-Key']);
  });

  test('every route but the public user lookup uses the Cognito JWT authorizer', () => {
    const routes = Object.fromEntries(
      resourcesOfType(template, 'AWS::ApiGatewayV2::Route')
        .filter(([, r]) => JSON.stringify(r.Properties?.ApiId) === JSON.stringify({ Ref: 'HttpApi' }))
        .map(([, r]) => [r.Properties?.RouteKey, r.Properties?.AuthorizationType ?? 'NONE']),
    );
    expect(routes).toEqual({
      'GET /api/message_groups': 'JWT',
      'GET /api/messages/{message_group_uuid}': 'JWT',
      'POST /api/messages': 'JWT',
      'GET /api/users/{handle}/short': 'NONE',
      'POST /api/message_groups': 'JWT',
      'GET /api/message_groups/{message_group_uuid}': 'JWT',
      'PATCH /api/message_groups/{message_group_uuid}': 'JWT',
      'POST /api/message_groups/{message_group_uuid}/members': 'JWT',
      'DELETE /api/message_groups/{message_group_uuid}/members/{handle}': 'JWT',
      'PUT /api/message_groups/{message_group_uuid}/members/{handle}': 'JWT',
      'POST /api/message_groups/{message_group_uuid}/read': 'JWT',
      'PATCH /api/messages/{message_group_uuid}/{message_uuid}': 'JWT',
      'DELETE /api/messages/{message_group_uuid}/{message_uuid}': 'JWT',
      'POST /api/users/{handle}/block': 'JWT',
      'DELETE /api/users/{handle}/block': 'JWT',
      'GET /api/blocks': 'JWT',
      'POST /api/messages/{message_group_uuid}/{message_uuid}/report': 'JWT',
    });
  });
});

describe('Cognito', () => {
  const pool = () => props(template, 'CognitoUserPoolCruddur');

  test('the user pool is deletion-protected and retained outside dev', () => {
    expect(pool().DeletionProtection).toBe('ACTIVE');
    expect(resource(template, 'CognitoUserPoolCruddur').DeletionPolicy).toBe('Retain');
  });

  test('advanced security is off by default (cost) and set by one parameter', () => {
    expect(pool().UserPoolAddOns).toEqual({ AdvancedSecurityMode: 'OFF' });
  });

  test('the web client reads and writes email, name and preferred_username only, never a verified flag', () => {
    const client = props(template, 'CognitoUserPoolClientCruddur');
    expect(client.ReadAttributes).toEqual(['email', 'name', 'preferred_username']);
    expect(client.WriteAttributes).toEqual(['email', 'name', 'preferred_username']);
  });

  test('token validity is stated explicitly: 10-minute access and ID tokens bound the revocation window', () => {
    expect(props(template, 'CognitoUserPoolClientCruddur')).toMatchObject({
      AccessTokenValidity: 10,
      IdTokenValidity: 10,
      RefreshTokenValidity: 30,
      TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'days' },
      EnableTokenRevocation: true,
      GenerateSecret: false,
    });
  });
});

describe('alarms', () => {
  const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm');
  const metricOf = (alarm: { Properties?: Record<string, Json> }) =>
    `${alarm.Properties?.Namespace}/${alarm.Properties?.MetricName}`;

  test('are on in prod and all notify the SNS topic', () => {
    expect(resource(template, 'AlarmTopic').Type).toBe('AWS::SNS::Topic');
    for (const [, alarm] of alarms) {
      expect(alarm.Properties?.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
      expect(alarm.Properties?.TreatMissingData).toBe('notBreaching');
    }
  });

  test('cover the dead-letter queue, the stream iterator age, function errors and the API 5xx rate', () => {
    const dlq = alarms.find(([id]) => id === 'DeadLetterQueueNotEmptyAlarm')?.[1];
    expect(dlq?.Properties).toMatchObject({
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['ConversationRowsDeadLetterQueue', 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    const age = alarms.find(([id]) => id === 'StreamIteratorAgeAlarm')?.[1];
    expect(age?.Properties).toMatchObject({
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'UpdateConversationRowsLambdaFunction' } }],
      Threshold: 60000,
    });
    const errorFunctions = alarms
      .filter(([, a]) => metricOf(a) === 'AWS/Lambda/Errors')
      .map(([, a]) =>
        ((a.Properties?.Dimensions as Array<{ Value: { Ref: string } }>)[0]?.Value.Ref ?? '').replace(/LambdaFunction$/, ''),
      )
      .sort();
    expect(errorFunctions).toEqual([
      'AddGroupMember',
      'BlockUser',
      'CreateGroup',
      'CreateMessage',
      'DeleteMessage',
      'EditMessage',
      'GetMessageGroup',
      'GetUserShort',
      'ListBlocks',
      'ListMessageGroups',
      'ListMessages',
      'MarkRead',
      'PostConfirmation',
      'PushEvents',
      'RemoveGroupMember',
      'RenameGroup',
      'ReportMessage',
      'SetMemberRole',
      'UnblockUser',
      'UpdateConversationRows',
      'WsConnect',
      'WsDefault',
      'WsDisconnect',
    ]);
    const rate = alarms.find(([, a]) => JSON.stringify(a.Properties?.Metrics ?? '').includes('"MetricName":"5xx"'))?.[1];
    const metrics = rate?.Properties?.Metrics as Array<{ Expression?: string; MetricStat?: { Metric: { Dimensions: Json } } }>;
    expect(metrics.find((m) => m.Expression)?.Expression).toBe('IF(requests > 0, 100 * errors / requests, 0)');
    expect(metrics[0]?.MetricStat?.Metric.Dimensions).toEqual([
      { Name: 'ApiId', Value: { Ref: 'HttpApi' } },
      { Name: 'Stage', Value: '$default' },
    ]);
    expect(rate?.Properties?.Threshold).toBe(1);
  });

  test('disappear, topic included, when the alarms parameter is off', () => {
    const off = effectiveTemplate(raw, { AlarmsEnabled: false, AlarmEmailSet: false });
    expect(resourcesOfType(off, 'AWS::CloudWatch::Alarm')).toEqual([]);
    expect(resourcesOfType(off, 'AWS::SNS::Topic')).toEqual([]);
  });
});

describe('network (VPC mode)', () => {
  test('is off by default: no VPC resources and no function in a VPC', () => {
    expect(resourcesOfType(template, 'AWS::EC2::VPC')).toEqual([]);
    expect(resourcesOfType(template, 'AWS::EC2::VPCEndpoint')).toEqual([]);
    for (const [, fn] of functions) expect(fn.Properties).not.toHaveProperty('VpcConfig');
  });

  test('when on, every function runs in the private subnets and DynamoDB is reached through a gateway endpoint', () => {
    const on = effectiveTemplate(raw, { VpcMode: true });
    // pushEvents excepted: it must reach the WebSocket management endpoint (resources/network.yml).
    for (const [id] of resourcesOfType(on, 'AWS::Lambda::Function').filter(([id]) => id !== 'PushEventsLambdaFunction')) {
      expect([id, props(on, id).VpcConfig]).toEqual([
        id,
        { SecurityGroupIds: [{ Ref: 'LambdaSecurityGroup' }], SubnetIds: [{ Ref: 'PrivateSubnetA' }, { Ref: 'PrivateSubnetB' }] },
      ]);
    }
    expect(props(on, 'DynamoDbGatewayEndpoint')).toMatchObject({
      VpcEndpointType: 'Gateway',
      ServiceName: { 'Fn::Sub': 'com.amazonaws.${AWS::Region}.dynamodb' },
      RouteTableIds: [{ Ref: 'PrivateRouteTable' }],
    });
    // No route to the internet: no internet or NAT gateway, no route besides the endpoint's.
    for (const type of ['AWS::EC2::InternetGateway', 'AWS::EC2::NatGateway', 'AWS::EC2::Route']) {
      expect(resourcesOfType(on, type)).toEqual([]);
    }
    // The endpoint policy admits only this stack's roles, on the table and its index.
    const statement = (props(on, 'DynamoDbGatewayEndpoint').PolicyDocument as { Statement: Array<Record<string, Json>> })
      .Statement[0];
    expect(props(on, 'PushEventsLambdaFunction')).not.toHaveProperty('VpcConfig');
    // Every role in the VPC that uses DynamoDB: all but pushEvents (outside) and wsDefault (no data).
    expect((statement?.Principal as { AWS: Json[] }).AWS).toHaveLength(functions.length - 2);
    expect(JSON.stringify(statement?.Principal)).not.toMatch(/PushEventsRole|WsDefaultRole/);
    expect(statement?.Resource).toEqual([
      { 'Fn::GetAtt': ['MessagingTable', 'Arn'] },
      { 'Fn::Sub': '${MessagingTable.Arn}/index/message-group-sk-index' },
    ]);
  });
});

describe('outputs', () => {
  test('name the API URL, user pool, client, table and stream', () => {
    const outputs = template.Outputs ?? {};
    expect(outputs.HttpApiUrl?.Value).toBeDefined();
    expect(outputs.ApiUrl?.Value).toEqual({ 'Fn::GetAtt': ['HttpApi', 'ApiEndpoint'] });
    expect(outputs.UserPoolId?.Value).toEqual({ Ref: 'CognitoUserPoolCruddur' });
    expect(outputs.UserPoolClientId?.Value).toEqual({ Ref: 'CognitoUserPoolClientCruddur' });
    expect(outputs.MessagingTableName?.Value).toEqual({ Ref: 'MessagingTable' });
    expect(outputs.MessagingTableStreamArn?.Value).toEqual({ 'Fn::GetAtt': ['MessagingTable', 'StreamArn'] });
  });
});

describe('resource list', () => {
  test('matches the reviewed snapshot (update deliberately with `jest --selectProjects template -u`)', () => {
    // Version and WebSocket deployment resources carry a hash in their id: listed without it.
    const list = Object.entries(raw.Resources)
      .map(
        ([id, r]) =>
          `${id.replace(/(LambdaVersion)\w+$/, '$1<hash>').replace(/^WebsocketsDeployment(?!Stage$)\w+$/, 'WebsocketsDeployment<hash>')} ${r.Type}${r.Condition ? ` (if ${r.Condition})` : ''}`,
      )
      .sort();
    expect(list).toMatchSnapshot();
  });
});
