// @ts-check
/**
 * Builds a CreateTable request from resources/table.yml, the same file CloudFormation
 * deploys, so the local table and the deployed one have one definition. Settings the
 * local engine has no use for (PITR, SSE, deletion protection, tags) are left out on
 * purpose; everything that shapes data and queries (keys, GSI, stream, TTL) is kept.
 * CreateTable takes no TTL setting (neither does DynamoDB's): timeToLiveInput() gives the
 * UpdateTimeToLive request that migrate sends after it.
 */
const fs = require('node:fs');
const path = require('node:path');
const yaml = require('js-yaml');

const TABLE_FILE = path.join(__dirname, '..', 'resources', 'table.yml');

// CloudFormation short-form tags (!Ref, !GetAtt, ...) parse to opaque values: we never read them.
const cfnTags = [
  'Ref',
  'GetAtt',
  'Join',
  'Sub',
  'If',
  'Equals',
  'Not',
  'And',
  'Or',
  'Select',
  'Split',
  'ImportValue',
  'FindInMap',
  'Condition',
  'Base64',
  'GetAZs',
  'Cidr',
];
const schema = yaml.DEFAULT_SCHEMA.extend(
  cfnTags.flatMap((tag) =>
    /** @type {const} */ (['scalar', 'sequence', 'mapping']).map(
      (kind) => new yaml.Type(`!${tag}`, { kind, construct: (/** @type {unknown} */ data) => ({ [`Fn::${tag}`]: data }) }),
    ),
  ),
);

/**
 * @param {string} tableName
 * @returns {import('@aws-sdk/client-dynamodb').CreateTableCommandInput}
 */
function createTableInput(tableName) {
  const props = tableProperties();
  return {
    TableName: tableName,
    BillingMode: props.BillingMode,
    AttributeDefinitions: props.AttributeDefinitions,
    KeySchema: props.KeySchema,
    GlobalSecondaryIndexes: props.GlobalSecondaryIndexes,
    StreamSpecification: { StreamEnabled: true, ...props.StreamSpecification },
  };
}

/** @returns {any} the MessagingTable resource's Properties */
function tableProperties() {
  const doc = /** @type {any} */ (yaml.load(fs.readFileSync(TABLE_FILE, 'utf8'), { schema }));
  return doc.Resources.MessagingTable.Properties;
}

/**
 * @param {string} tableName
 * @returns {import('@aws-sdk/client-dynamodb').UpdateTimeToLiveCommandInput | null} null when the table has no TTL
 */
function timeToLiveInput(tableName) {
  const spec = tableProperties().TimeToLiveSpecification;
  if (spec?.Enabled !== true) return null;
  return { TableName: tableName, TimeToLiveSpecification: { AttributeName: spec.AttributeName, Enabled: true } };
}

module.exports = { createTableInput, timeToLiveInput, TABLE_FILE };
