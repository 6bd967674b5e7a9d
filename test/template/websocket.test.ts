/**
 * The WebSocket API of the packaged prod stack (README, Realtime): routes, stage, limits,
 * access logs without tokens, the fan-out's own stream mapping and dead-letter queue, the
 * scoped management grant and the alarms. IAM grants themselves: iam.test.ts.
 */
import { effectiveTemplate, loadTemplate, resource, resourcesOfType, type Json, type Template } from './template';

const raw = loadTemplate();
const template = effectiveTemplate(raw);
const props = (t: Template, id: string) => resource(t, id).Properties ?? {};
const wsApi = { Ref: 'WebsocketsApi' };

describe('WebSocket API', () => {
  test('is a WEBSOCKET API with exactly $connect, $disconnect and $default, each on its own function', () => {
    expect(props(template, 'WebsocketsApi')).toMatchObject({
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
    });
    const routes = resourcesOfType(template, 'AWS::ApiGatewayV2::Route').filter(
      ([, r]) => JSON.stringify(r.Properties?.ApiId) === JSON.stringify(wsApi),
    );
    const byKey = Object.fromEntries(
      routes.map(([, r]) => [
        r.Properties?.RouteKey,
        JSON.stringify(r.Properties?.Target).match(/"Ref":"(\w+)WebsocketsIntegration"/)?.[1],
      ]),
    );
    expect(byKey).toEqual({ $connect: 'WsConnect', $disconnect: 'WsDisconnect', $default: 'WsDefault' });
    // $default answers the ping: its route has a route response.
    const responses = resourcesOfType(template, 'AWS::ApiGatewayV2::RouteResponse');
    expect(responses.map(([, r]) => r.Properties?.RouteResponseKey)).toEqual(['$default']);
  });

  test('its stage is named after the service stage, throttled from the parameters, with execution logging off', () => {
    const stage = props(template, 'WebsocketsDeploymentStage');
    expect(stage.ApiId).toEqual(wsApi);
    expect(stage.StageName).toBe('prod');
    expect(stage.DefaultRouteSettings).toEqual({
      DataTraceEnabled: false,
      LoggingLevel: 'OFF',
      ThrottlingRateLimit: 50,
      ThrottlingBurstLimit: 100,
    });
  });

  test('access logs are JSON lines to a log group with retention and log no header, query string or token', () => {
    const settings = props(template, 'WebsocketsDeploymentStage').AccessLogSettings as { DestinationArn: Json; Format: string };
    expect(JSON.stringify(settings.DestinationArn)).toContain(`$${'{'}WebsocketsLogGroup}`);
    const format = JSON.parse(settings.Format) as Record<string, string>;
    expect(format).toMatchObject({ requestId: '$context.requestId', routeKey: '$context.routeKey', status: '$context.status' });
    expect(settings.Format).not.toMatch(/header|querystring|query|authoriz|protocol|token|\$input|\$request/i);
    expect(props(template, 'WebsocketsLogGroup').RetentionInDays).toBe(90);
  });

  test('no custom resource is added to manage the account CloudWatch role (it would need iam:PassRole on every role)', () => {
    expect(Object.values(raw.Resources).filter((r) => r.Type.startsWith('Custom::'))).toEqual([]);
  });

  test('the fan-out has its own stream mapping: new messages, conversation rows and read markers only, partial batches, bisect, its own DLQ', () => {
    const mapping = props(template, 'PushEventsEventSourceMappingDynamodbMessagingTable');
    expect(mapping).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': ['MessagingTable', 'StreamArn'] },
      FunctionName: { 'Fn::GetAtt': ['PushEventsLambdaFunction', 'Arn'] },
      StartingPosition: 'LATEST',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: 300,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['PushEventsDeadLetterQueue', 'Arn'] } } },
    });
    const filters = (mapping.FilterCriteria as { Filters: Array<{ Pattern: string }> }).Filters.map((f) => JSON.parse(f.Pattern));
    expect(filters).toEqual([
      { eventName: ['INSERT', 'MODIFY', 'REMOVE'], dynamodb: { Keys: { pk: { S: [{ prefix: 'MSG#' }] } } } },
      // Rows moved (INSERT) or changed in place (#17: a read, an edit or deletion, a rename) → conversation.updated;
      // memberships' read markers → conversation.read.
      { eventName: ['INSERT', 'MODIFY'], dynamodb: { Keys: { pk: { S: [{ prefix: 'GRP#' }] } } } },
      { eventName: ['MODIFY'], dynamodb: { Keys: { pk: { S: [{ prefix: 'GROUP#' }] }, sk: { S: [{ prefix: 'MEMBER#' }] } } } },
    ]);
    expect(props(template, 'PushEventsDeadLetterQueue')).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1209600,
    });
  });

  test('the fan-out reaches this API and stage through the management endpoint in its environment', () => {
    const env = (props(template, 'PushEventsLambdaFunction').Environment as { Variables: Record<string, Json> }).Variables;
    expect(env.WEBSOCKET_MANAGEMENT_ENDPOINT).toEqual({
      'Fn::Join': ['', ['https://', wsApi, '.execute-api.', { Ref: 'AWS::Region' }, '.amazonaws.com/', 'prod']],
    });
  });

  test('ManageConnections is granted to the fan-out alone, POST on this API and stage only', () => {
    const grants = resourcesOfType(template, 'AWS::IAM::Role').flatMap(([id, role]) =>
      ((role.Properties?.Policies ?? []) as Array<{ PolicyDocument: { Statement: Array<Record<string, Json>> } }>).flatMap((p) =>
        p.PolicyDocument.Statement.filter((s) => JSON.stringify(s.Action).includes('execute-api')).map((s) => ({ id, s })),
      ),
    );
    expect(grants.map(({ id }) => id)).toEqual(['PushEventsRole']);
    const resourceArn = JSON.stringify(grants[0]?.s.Resource);
    expect(grants[0]?.s.Action).toBe('execute-api:ManageConnections');
    expect(resourceArn).toContain('{"Ref":"WebsocketsApi"}');
    expect(resourceArn).toMatch(/"\/prod\/POST\/@connections\/\*"/);
  });

  test('alarms: WebSocket integration/execution errors, push DLQ, push iterator age, and errors of every realtime function', () => {
    const alarms = Object.fromEntries(resourcesOfType(template, 'AWS::CloudWatch::Alarm'));
    const ws = alarms.WebSocketErrorsAlarm?.Properties?.Metrics as Array<{
      Id: string;
      Expression?: string;
      MetricStat?: { Metric: Record<string, Json> };
    }>;
    expect(ws.filter((m) => m.MetricStat).map((m) => m.MetricStat?.Metric)).toEqual([
      {
        Namespace: 'AWS/ApiGateway',
        MetricName: 'IntegrationError',
        Dimensions: [
          { Name: 'ApiId', Value: wsApi },
          { Name: 'Stage', Value: 'prod' },
        ],
      },
      {
        Namespace: 'AWS/ApiGateway',
        MetricName: 'ExecutionError',
        Dimensions: [
          { Name: 'ApiId', Value: wsApi },
          { Name: 'Stage', Value: 'prod' },
        ],
      },
    ]);
    expect(alarms.WebSocketErrorsAlarm?.Properties?.Threshold).toBe(5);
    expect(alarms.PushEventsDeadLetterQueueNotEmptyAlarm?.Properties).toMatchObject({
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['PushEventsDeadLetterQueue', 'QueueName'] } }],
      Threshold: 0,
    });
    expect(alarms.PushEventsIteratorAgeAlarm?.Properties).toMatchObject({
      MetricName: 'IteratorAge',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'PushEventsLambdaFunction' } }],
    });
    for (const fn of ['PushEvents', 'WsConnect', 'WsDisconnect', 'WsDefault']) {
      expect(alarms[`${fn}ErrorsAlarm`]?.Properties).toMatchObject({
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: `${fn}LambdaFunction` } }],
      });
    }
  });

  test('outputs name the wss:// URL of the stage', () => {
    expect(template.Outputs?.WebSocketUrl?.Value).toEqual({
      'Fn::Join': ['', ['wss://', wsApi, '.execute-api.', { Ref: 'AWS::Region' }, '.amazonaws.com/', 'prod']],
    });
  });
});
