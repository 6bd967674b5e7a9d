/**
 * The one place that creates DynamoDB clients. Created once per container (module scope,
 * lazily so importing is free) and shared by every domain module.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoConfig } from './config';

let documentClient: DynamoDBDocumentClient | undefined;

export function createDynamoClient(): DynamoDBClient {
  const config = dynamoConfig();
  return new DynamoDBClient({
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
}

export function db(): DynamoDBDocumentClient {
  return (documentClient ??= DynamoDBDocumentClient.from(createDynamoClient(), {
    marshallOptions: { removeUndefinedValues: true },
  }));
}

export function tableName(): string {
  return dynamoConfig().tableName;
}

/** For tests and long-lived scripts that need to point at a different endpoint. */
export function resetDynamoClientForTests(): void {
  documentClient?.destroy();
  documentClient = undefined;
}
