/**
 * The one place that creates DynamoDB clients. Created once per container (module scope,
 * lazily so importing is free) and shared by every domain module through domain/table.ts.
 *
 * The client boundary: a failure that says "DynamoDB is unreachable, too slow or throttling"
 * (after the SDK's own retries) leaves the client as a ServiceUnavailableError, so nothing
 * above this file looks at SDK error names or socket error codes.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { daxConfig, dynamoConfig } from './config';
import { ServiceUnavailableError } from './errors';

let documentClient: DynamoDBDocumentClient | undefined;

const UNAVAILABLE_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  // A single-item write that met an item inside a transaction in flight: contention, retryable.
  'TransactionConflictException',
]);
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);

/** A dependency that is down, slow or throttling: worth a retry, so 503 rather than 500. */
export function isUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 3) return false;
  const e = error as { name?: string; code?: string; cause?: unknown; $metadata?: { httpStatusCode?: number } };
  if (error instanceof ServiceUnavailableError) return true;
  if ((e.name && UNAVAILABLE_NAMES.has(e.name)) || (e.code && UNAVAILABLE_CODES.has(e.code))) return true;
  if ((e.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  if (error instanceof AggregateError && error.errors.some((inner) => isUnavailable(inner, depth + 1))) return true;
  return isUnavailable(e.cause, depth + 1);
}

/**
 * Puts the boundary into an SDK v3 client's middleware stack, outside the retries (so it sees
 * only what they leave): a failure that says the service is unavailable leaves the client as a
 * ServiceUnavailableError naming `what`; every other error passes untouched.
 */
export function addClientBoundary(stack: DynamoDBClient['middlewareStack'], what: string): void {
  stack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (error instanceof ServiceUnavailableError || !isUnavailable(error)) throw error;
        throw new ServiceUnavailableError(`${what} is unavailable`, { cause: error });
      }
    },
    { step: 'initialize', priority: 'high', name: 'unavailableAsDomainError' },
  );
}

export function createDynamoClient(): DynamoDBClient {
  const config = dynamoConfig();
  const client = new DynamoDBClient({
    region: config.region,
    maxAttempts: config.maxAttempts,
    requestHandler: {
      connectionTimeout: config.connectionTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      // Without this the SDK only logs a warning when requestTimeout passes and keeps waiting:
      // a DynamoDB that accepts connections but never answers would hang the Lambda.
      throwOnRequestTimeout: true,
    },
    // Credentials come from the SDK's default chain (the function's role on AWS).
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
  });
  addClientBoundary(client.middlewareStack, 'DynamoDB');
  return client;
}

/** What the table module needs of a client for reads: DynamoDB's document client, or DAX's. */
export type ReadClient = Pick<DynamoDBDocumentClient, 'send' | 'destroy'>;
/** How a function that reads through DAX makes its client (registered by domain/dax.ts). */
type CacheableClientFactory = (config: { endpoint: string; region: string; requestTimeoutMs: number }) => Promise<ReadClient>;
let cacheableFactory: CacheableClientFactory | undefined;
let cacheable: Promise<ReadClient> | undefined;

/** Called by domain/dax.ts, which only the functions that read through DAX import (so only their bundles carry lib-dax). */
export function registerCacheableReadsClient(factory: CacheableClientFactory): void {
  cacheableFactory = factory;
}

/**
 * The client for reads that tolerate eventual consistency and a cache's staleness (public
 * profiles by handle, the ops reports' scan and lookups): DAX when the stage has a cluster
 * (`dax: true` sets DAX_ENDPOINT, read by domain/config.ts) and the function carries the DAX
 * client (domain/dax.ts); else the one DynamoDB client. DAX answers from its item cache
 * (daxItemTtlMs) and query cache (daxQueryTtlMs), so strongly consistent reads and all writes
 * never come here: they use db().
 */
export function cacheableReads(): Promise<ReadClient> {
  const { endpoint, region, requestTimeoutMs } = daxConfig();
  if (!endpoint || !cacheableFactory) return Promise.resolve(db());
  cacheable ??= cacheableFactory({ endpoint, region, requestTimeoutMs });
  return cacheable;
}

export function db(): DynamoDBDocumentClient {
  return (documentClient ??= DynamoDBDocumentClient.from(createDynamoClient(), {
    marshallOptions: { removeUndefinedValues: true },
  }));
}

/**
 * Creates the client now (at a handler's module load, Lambda's init phase) when the
 * configuration is there; without it, nothing happens and the first request reports it.
 */
export function prepareClient(): void {
  try {
    db();
  } catch {
    /* configuration missing: the first request answers with the ConfigError */
  }
}

export function tableName(): string {
  return dynamoConfig().tableName;
}

/** For tests and long-lived scripts that need to point at a different endpoint. */
export function resetDynamoClientForTests(): void {
  documentClient?.destroy();
  documentClient = undefined;
  void cacheable?.then((client) => client.destroy()).catch(() => undefined);
  cacheable = undefined;
}
