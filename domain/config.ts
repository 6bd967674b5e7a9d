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
  /** DYNAMODB_ENDPOINT: unset on AWS, where the SDK finds the regional endpoint (the dev stage sets the local engine). */
  endpoint: string | undefined;
  /** Bounds so a dead endpoint gives a quick 503, not a hung Lambda. */
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  maxAttempts: number;
}

export interface AuthConfig {
  userPoolId: string;
  clientId: string;
  region: string;
  /** COGNITO_ISSUER, or derived from region + pool id (AWS); the dev stage sets cognito-local's. */
  issuer: string;
  /** COGNITO_JWKS_URI, or `<issuer>/.well-known/jwks.json`. */
  jwksUri: string;
  /** COGNITO_ENDPOINT: unset on AWS; the dev stage sets cognito-local's. Used by ops functions that call Cognito. */
  endpoint: string | undefined;
}

const cacheResetters: Array<() => void> = [];

function memo<T>(read: () => T): () => T {
  let value: T | undefined;
  cacheResetters.push(() => (value = undefined));
  return () => (value ??= read());
}

export const dynamoConfig = memo((): DynamoConfig => {
  return {
    tableName: required('TABLE_NAME'),
    // Lambda sets AWS_REGION; so do the local plugin and the test harnesses.
    region: required('AWS_REGION'),
    endpoint: optional('DYNAMODB_ENDPOINT'),
    connectionTimeoutMs: positiveInt('DYNAMODB_CONNECT_TIMEOUT_MS', 1000),
    // 3 attempts × 2 s stays inside an HTTP function's 10 s even when DynamoDB hangs.
    requestTimeoutMs: positiveInt('DYNAMODB_REQUEST_TIMEOUT_MS', 2000),
    maxAttempts: positiveInt('DYNAMODB_MAX_ATTEMPTS', 3),
  };
});

export const authConfig = memo((): AuthConfig => {
  const userPoolId = required('COGNITO_USER_POOL_ID');
  const region = required('AWS_REGION');
  const issuer = optional('COGNITO_ISSUER') ?? `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`;
  return {
    userPoolId,
    clientId: required('COGNITO_CLIENT_ID'),
    region,
    issuer,
    jwksUri: optional('COGNITO_JWKS_URI') ?? `${issuer}/.well-known/jwks.json`,
    endpoint: optional('COGNITO_ENDPOINT'),
  };
});

/**
 * Where Cognito's API is, for code that has the pool id from its event (the PostConfirmation
 * trigger must not name the pool that names it): region, and the local endpoint offline.
 */
export const cognitoApiConfig = memo((): { region: string; endpoint: string | undefined } => ({
  region: required('AWS_REGION'),
  endpoint: optional('COGNITO_ENDPOINT'),
}));

export interface CacheConfig {
  /** How long a warm container serves a caller's profile without reading it (domain/profile-cache.ts). */
  profileTtlMs: number;
  profileMaxEntries: number;
}

export const cacheConfig = memo(
  (): CacheConfig => ({
    profileTtlMs: positiveInt('PROFILE_CACHE_TTL_MS', 60_000),
    profileMaxEntries: positiveInt('PROFILE_CACHE_MAX_ENTRIES', 1000),
  }),
);

export interface DaxConfig {
  /**
   * The DAX cluster's discovery endpoint (`daxs://…`, set by serverless.yml from resources/dax.yml
   * when the stage has `dax: true`); empty: no DAX, every read goes to DynamoDB.
   */
  endpoint: string | undefined;
  region: string;
  /** Per request, like DynamoDB's (lib-dax waits 60 s by default: longer than an HTTP function lives). */
  requestTimeoutMs: number;
}

/** A cluster discovery endpoint or nothing: anything else is a deployment mistake, said so. */
function daxEndpoint(): string | undefined {
  const value = optional('DAX_ENDPOINT');
  if (value !== undefined && !/^daxs?:\/\/[^\s/]+$/.test(value)) {
    throw new ConfigError('DAX_ENDPOINT must be a DAX cluster discovery endpoint (daxs://host or dax://host)');
  }
  return value;
}

/** The switch for reads that tolerate eventual consistency (domain/dynamodb.ts cacheableReads). */
export const daxConfig = memo(
  (): DaxConfig => ({
    endpoint: daxEndpoint(),
    region: optional('AWS_REGION') ?? 'us-east-1',
    requestTimeoutMs: positiveInt('DYNAMODB_REQUEST_TIMEOUT_MS', 2000),
  }),
);

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

export const webSocketConfig = memo(
  (): WebSocketConfig => ({
    managementEndpoint: required('WEBSOCKET_MANAGEMENT_ENDPOINT'),
    region: optional('AWS_REGION') ?? 'us-east-1',
    requestTimeoutMs: positiveInt('WEBSOCKET_REQUEST_TIMEOUT_MS', 2000),
  }),
);

export interface SafetyConfig {
  /** Messages one user may send per window (domain/rate-limit.ts); parameter `sendRateLimit`. */
  sendRateLimit: number;
  /** The fixed window's length in seconds; parameter `sendRateWindowSeconds`. */
  sendRateWindowSeconds: number;
}

export const safetyConfig = memo(
  (): SafetyConfig => ({
    sendRateLimit: positiveInt('SEND_RATE_LIMIT', 60),
    sendRateWindowSeconds: positiveInt('SEND_RATE_WINDOW_SECONDS', 60),
  }),
);

/** Drops cached sections; for tests that change the environment between cases. */
export function resetConfigForTests(): void {
  cacheResetters.forEach((reset) => reset());
}
