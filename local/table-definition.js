// @ts-check
/**
 * Builds a CreateTable request from resources/table.yml, the same file CloudFormation
 * deploys, so the local table and the deployed one have one definition. Settings the
 * local engine has no use for (PITR, SSE, deletion protection, tags) are left out on
 * purpose; everything that shapes data and queries (keys, GSI, stream) is kept.
 */
const fs = require('node:fs');
const path = require('node:path');
const yaml = require('js-yaml');

const TABLE_FILE = path.join(__dirname, '..', 'resources', 'table.yml');

// CloudFormation short-form tags (!Ref, !GetAtt, ...) parse to opaque values: we never read them.
const cfnTags = ['Ref', 'GetAtt', 'Join', 'Sub', 'If', 'Equals', 'Not', 'And', 'Or', 'Select', 'Split', 'ImportValue', 'FindInMap', 'Condition', 'Base64', 'GetAZs', 'Cidr'];
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
  const doc = /** @type {any} */ (yaml.load(fs.readFileSync(TABLE_FILE, 'utf8'), { schema }));
  const props = doc.Resources.MessagingTable.Properties;
  return {
    TableName: tableName,
    BillingMode: props.BillingMode,
    AttributeDefinitions: props.AttributeDefinitions,
    KeySchema: props.KeySchema,
    GlobalSecondaryIndexes: props.GlobalSecondaryIndexes,
    StreamSpecification: { StreamEnabled: true, ...props.StreamSpecification },
  };
}

module.exports = { createTableInput, TABLE_FILE };
