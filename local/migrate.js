// @ts-check
/** Creates the table on a local engine if it is missing, and turns on its TTL (idempotent). */
const {
  DynamoDBClient,
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTimeToLiveCommand,
} = require('@aws-sdk/client-dynamodb');
const { createTableInput, timeToLiveInput } = require('./table-definition');

/**
 * @param {{ endpoint: string, tableName: string, region?: string }} options
 * @returns {Promise<'created' | 'exists'>}
 */
async function migrate({ endpoint, tableName, region = 'us-east-1' }) {
  const client = new DynamoDBClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    /** @type {'created' | 'exists'} */
    let outcome = 'created';
    try {
      await client.send(new CreateTableCommand(createTableInput(tableName)));
    } catch (error) {
      if (/** @type {{name?: string}} */ (error).name !== 'ResourceInUseException') throw error;
      await client.send(new DescribeTableCommand({ TableName: tableName }));
      outcome = 'exists';
    }
    const ttl = timeToLiveInput(tableName);
    if (ttl) {
      const current = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
      const status = current.TimeToLiveDescription?.TimeToLiveStatus;
      if (status !== 'ENABLED' && status !== 'ENABLING') await client.send(new UpdateTimeToLiveCommand(ttl));
    }
    return outcome;
  } finally {
    client.destroy();
  }
}

module.exports = { migrate };
