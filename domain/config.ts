/**
 * The one place that reads process.env. Each section is read on first use and then cached,
 * so a function that never touches Cognito does not need Cognito settings, and a missing
 * value fails loudly with its name instead of surfacing later as `undefined`.
 */

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value.trim() === '') {
    throw new ConfigError(`Missing required environment variable ${name}`);
  }
  return value;
}

function optional(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

function positiveInt(name: string, fallback: number): number {
  const raw = optional(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new ConfigError(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

export interface DynamoConfig {
  tableName: string;
  region: string;
  /** Set offline only (the local engine); unset on AWS, where the SDK finds the regional endpoint. */
  endpoint: string | undefined;
  /** Bounds so a dead endpoint gives a quick 503, not a hung Lambda. */
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  maxAttempts: number;
}

export interface AuthConfig {
  userPoolId: string;
  clientId: string;
  /** Token issuer; derived from region + pool id on AWS, set explicitly for the local Cognito. */
  issuer: string;
  jwksUri: string;
  /** Set offline only (cognito-local); unset on AWS. Used by ops functions that call Cognito. */
  endpoint: string | undefined;
}

const cacheResetters: Array<() => void> = [];

function memo<T>(read: () => T): () => T {
  let value: T | undefined;
  cacheResetters.push(() => (value = undefined));
  return () => (value ??= read());
}

export const dynamoConfig = memo((): DynamoConfig => {
  const endpoint = optional('DYNAMODB_ENDPOINT');
  return {
    tableName: required('TABLE_NAME'),
    region: optional('AWS_REGION') ?? (endpoint ? 'us-east-1' : required('AWS_REGION')),
    endpoint,
    connectionTimeoutMs: positiveInt('DYNAMODB_CONNECT_TIMEOUT_MS', 1000),
    // 3 attempts × 2 s stays inside an HTTP function's 10 s even when DynamoDB hangs.
    requestTimeoutMs: positiveInt('DYNAMODB_REQUEST_TIMEOUT_MS', 2000),
    maxAttempts: positiveInt('DYNAMODB_MAX_ATTEMPTS', 3),
  };
});

export const authConfig = memo((): AuthConfig => {
  const userPoolId = required('COGNITO_USER_POOL_ID');
  const region = optional('AWS_REGION') ?? 'us-east-1';
  const issuer = optional('COGNITO_ISSUER') ?? `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`;
  return {
    userPoolId,
    clientId: required('COGNITO_CLIENT_ID'),
    issuer,
    jwksUri: optional('COGNITO_JWKS_URI') ?? `${issuer}/.well-known/jwks.json`,
    endpoint: optional('COGNITO_ENDPOINT'),
  };
});

export interface OfflineStreamConfig {
  /**
   * Fault injection: a message whose text contains this marker makes its conversation's
   * update fail on every attempt (a poison record). Undefined = no fault injection.
   */
  faultMarker: string | undefined;
  /** JSON-lines file standing in for the SQS dead-letter queue offline. */
  dlqFile: string;
}

/**
 * Offline-only settings of the stream handler, or undefined on AWS. `IS_OFFLINE` is set by
 * serverless-offline for the Lambdas it runs and exists in no deployed function, so the
 * fault switch and the local DLQ stand-in cannot be turned on in a real environment.
 */
export const offlineStreamConfig = memo((): OfflineStreamConfig | undefined => {
  if (optional('IS_OFFLINE') !== 'true') return undefined;
  return {
    faultMarker: optional('STREAM_FAULT_MARKER'),
    dlqFile: optional('LOCAL_DLQ_FILE') ?? '.local/dlq/update-conversation-rows.jsonl',
  };
});

export interface WebSocketConfig {
  /**
   * The API Gateway Management API endpoint of the WebSocket API and stage
   * (`https://<api id>.execute-api.<region>.amazonaws.com/<stage>`, set by serverless.yml);
   * offline, serverless-offline's WebSocket server, which serves the same `@connections` routes.
   */
  managementEndpoint: string;
  region: string;
  /** Bounds for one PostToConnection, so a stalled endpoint fails the record, not the batch's time. */
  requestTimeoutMs: number;
}

export const webSocketConfig = memo((): WebSocketConfig => ({
  managementEndpoint: required('WEBSOCKET_MANAGEMENT_ENDPOINT'),
  region: optional('AWS_REGION') ?? 'us-east-1',
  requestTimeoutMs: positiveInt('WEBSOCKET_REQUEST_TIMEOUT_MS', 2000),
}));

/** Offline stand-in for the push stream's dead-letter queue (as `offlineStreamConfig().dlqFile`). */
export function offlinePushDlqFile(): string {
  return optional('LOCAL_PUSH_DLQ_FILE') ?? '.local/dlq/push-events.jsonl';
}

/** Drops cached sections; for tests that change the environment between cases. */
export function resetConfigForTests(): void {
  cacheResetters.forEach((reset) => reset());
}
