// @ts-check
/** Creates the table on a local engine if it is missing (idempotent). */
const { DynamoDBClient, CreateTableCommand, DescribeTableCommand } = require('@aws-sdk/client-dynamodb');
const { createTableInput } = require('./table-definition');

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
    await client.send(new CreateTableCommand(createTableInput(tableName)));
    return 'created';
  } catch (error) {
    if (/** @type {{name?: string}} */ (error).name !== 'ResourceInUseException') throw error;
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return 'exists';
  } finally {
    client.destroy();
  }
}

module.exports = { migrate };
