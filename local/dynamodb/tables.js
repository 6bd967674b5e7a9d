// @ts-check

/**
 * CreateTable checks dynalite lacks, made after dynalite's own field validation has passed (so a
 * request it refuses keeps dynalite's answer) and before the table is created:
 *  - an over-long KeySchema is printed as DynamoDB prints it;
 *  - key attribute names (table and index key schemas, attribute definitions) are 1-255
 *    characters, reported in DynamoDB's validation envelope;
 *  - an attribute defined twice (with the same or a conflicting type) is refused;
 *  - an INCLUDE projection needs NonKeyAttributes, and at most 100 projected attributes are
 *    allowed over all indexes (an attribute projected into two indexes counts twice);
 *  - a StreamSpecification that disables the stream may not name a StreamViewType;
 *  - NonKeyAttributes naming an attribute twice is refused (see duplicateProjection). A key
 *    attribute named once is accepted: key attributes are always projected anyway (ScyllaDB's
 *    DynamoDB-compatibility tests, written against DynamoDB, test_gsi_projection_include_keyattributes).
 */

const { validations, actionValidations } = require('./dynalite-internals');
const errors = require('./errors');

const MAX_KEY_NAME = 255;
const MAX_PROJECTED = 100;
const INVALID = 'One or more parameter values were invalid: ';

/**
 * @param {any} data CreateTable request
 * @throws a DynamoDB-shaped ValidationException
 */
function checkCreateTable(data) {
  const v = actionValidations.createTable;
  /** @type {any} */
  let typed;
  try {
    typed = validations.checkTypes(JSON.parse(JSON.stringify(data)), v.types);
    validations.checkValidations(typed, v.types, null, null);
  } catch (/** @type {any} */ err) {
    // dynalite answers with its own validation error, except that DynamoDB prints an
    // over-long KeySchema as Java objects, not as JSON
    const message = String(err?.body?.message || '');
    const dump = /Value '(\[.*?\])' at 'keySchema' failed/s.exec(message);
    if (dump && Array.isArray(data.KeySchema)) {
      const shown = data.KeySchema.map(
        (/** @type {any} */ k) => `KeySchemaElement(attributeName=${k?.AttributeName ?? null}, keyType=${k?.KeyType ?? null})`,
      );
      throw errors.validation(message.replace(/** @type {string} */ (dump[1]), `[${shown.join(', ')}]`));
    }
    return;
  }

  /** @type {string[]} */
  const found = [];
  /** @param {any} list @param {string} at */
  const names = (list, at) => {
    if (!Array.isArray(list)) return;
    list.forEach((el, i) => {
      const name = el?.AttributeName;
      if (typeof name !== 'string') return;
      if (name.length < 1 || name.length > MAX_KEY_NAME) {
        found.push(
          `Value '${name}' at '${at}.${i + 1}.member.attributeName' failed to satisfy constraint: Member must have length ` +
            (name.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_KEY_NAME}`),
        );
      }
    });
  };
  names(typed.AttributeDefinitions, 'attributeDefinitions');
  names(typed.KeySchema, 'keySchema');
  for (const kind of ['globalSecondaryIndexes', 'localSecondaryIndexes']) {
    const list = typed[kind.charAt(0).toUpperCase() + kind.slice(1)];
    if (Array.isArray(list)) list.forEach((ix, i) => names(ix?.KeySchema, `${kind}.${i + 1}.member.keySchema`));
  }
  if (found.length) {
    const shown = found.slice(0, 10);
    throw errors.validation(`${shown.length} validation error${shown.length > 1 ? 's' : ''} detected: ${shown.join('; ')}`);
  }

  const defined = new Set();
  for (const def of typed.AttributeDefinitions || []) {
    if (defined.has(def.AttributeName)) throw errors.validation('Cannot have two attributes with the same name');
    defined.add(def.AttributeName);
  }

  let projected = 0;
  const tableKeys = (typed.KeySchema || []).map((/** @type {any} */ k) => k?.AttributeName);
  for (const ix of [...(typed.GlobalSecondaryIndexes || []), ...(typed.LocalSecondaryIndexes || [])]) {
    const p = ix?.Projection;
    if (!p) continue;
    if (p.ProjectionType === 'INCLUDE' && p.NonKeyAttributes == null) {
      throw errors.validation(`${INVALID}ProjectionType is INCLUDE, but NonKeyAttributes is not specified`);
    }
    const keys = [...tableKeys, ...(ix.KeySchema || []).map((/** @type {any} */ k) => k?.AttributeName)];
    const duplicate = duplicateProjection(ix.IndexName, p.NonKeyAttributes, keys);
    if (duplicate) throw errors.validation(duplicate);
    if (Array.isArray(p.NonKeyAttributes)) projected += p.NonKeyAttributes.length;
  }
  // DynamoDB's text (captured by nubo-db/dynamodb-conformance, tests/tier3/error-messages/createTable)
  const stream = data.StreamSpecification;
  if (stream && stream.StreamEnabled === false && stream.StreamViewType != null) {
    throw errors.validation(`${INVALID}Table is being created with a stream disabled, UpdateViewType should not be specified`);
  }
  if (projected > MAX_PROJECTED) {
    throw errors.validation(
      `${INVALID}Number of projected attributes in all indexes exceeds limit of ${MAX_PROJECTED}, number of projected attributes: ${projected}`,
    );
  }
}

/**
 * NonKeyAttributes naming an attribute twice. DynamoDB's texts: for a key attribute named twice,
 * `Cannot have two attributes with the same name` (DynamoDB's answer quoted in guregu/dynamo#88,
 * whose client sent a table key attribute twice); for another attribute, a message with
 * "Duplicate" (ScyllaDB's DynamoDB-compatibility test test_gsi_projection_error_duplicate matches
 * DynamoDB's text only on that word: the rest of ours is our wording).
 * @param {string} indexName
 * @param {any} nonKey
 * @param {string[]} keyNames the table's and the index's key attributes
 * @returns {string | null}
 */
function duplicateProjection(indexName, nonKey, keyNames) {
  if (!Array.isArray(nonKey)) return null;
  const seen = new Set();
  for (const name of nonKey) {
    if (seen.has(name)) {
      return keyNames.includes(name)
        ? 'Cannot have two attributes with the same name'
        : `${INVALID}Duplicate attribute in NonKeyAttributes of index ${indexName}: ${name}`;
    }
    seen.add(name);
  }
  return null;
}

module.exports = { checkCreateTable, duplicateProjection, MAX_KEY_NAME, MAX_PROJECTED };
