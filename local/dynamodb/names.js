// @ts-check

/**
 * Attribute-name limits of the items a request writes: names are 1 byte to 64 KB (65,535 bytes)
 * long, DynamoDB's documented limits. Checked before anything is read or written, so a
 * transaction with such a name is refused as a whole (a top-level ValidationException), the way
 * DynamoDB refuses other checks that need no table (an empty key value, for one).
 */

const MAX_ATTRIBUTE_NAME_BYTES = 65535;

/**
 * The problem with one item's top-level names, or null. Names nested in maps are not checked:
 * no evidence of DynamoDB's answer for them was found (see README).
 * @param {any} item
 * @returns {string | null}
 */
function itemNameProblem(item) {
  if (!item || typeof item !== 'object' || Array.isArray(item)) return null;
  for (const name of Object.keys(item)) {
    if (name === '') return 'One or more parameter values were invalid: Empty attribute name';
    // a name of at most 65535/3 UTF-16 units cannot exceed 65535 UTF-8 bytes: measure only longer ones
    if (name.length > MAX_ATTRIBUTE_NAME_BYTES / 3 && Buffer.byteLength(name, 'utf8') > MAX_ATTRIBUTE_NAME_BYTES) {
      return `One or more parameter values were invalid: Attribute name size exceeds the limit of ${MAX_ATTRIBUTE_NAME_BYTES} bytes`;
    }
  }
  return null;
}

/**
 * An empty name in ExpressionAttributeNames (DynamoDB's own message), or null.
 * @param {any} names
 * @returns {string | null}
 */
function expressionNamesProblem(names) {
  if (!names || typeof names !== 'object' || Array.isArray(names)) return null;
  for (const [key, value] of Object.entries(names)) {
    if (value === '') return `ExpressionAttributeNames contains invalid value: Empty attribute name for key ${key}`;
  }
  return null;
}

/**
 * The first attribute-name problem of a request: its ExpressionAttributeNames, then the items it
 * writes (PutItem's Item, UpdateItem's AttributeUpdates, BatchWriteItem's PutRequests, and for
 * TransactWriteItems each action's ExpressionAttributeNames and each Put's Item, in action order).
 * @param {string} op
 * @param {any} data
 * @returns {string | null}
 */
function attributeNameProblem(op, data) {
  if (!data || typeof data !== 'object') return null;
  if (op === 'TransactWriteItems') {
    if (!Array.isArray(data.TransactItems)) return null;
    for (const action of data.TransactItems) {
      if (!action || typeof action !== 'object') continue;
      for (const member of Object.values(action)) {
        if (!member || typeof member !== 'object') continue;
        const problem =
          expressionNamesProblem(member.ExpressionAttributeNames) ||
          (action.Put === member ? itemNameProblem(member.Item) : null);
        if (problem) return problem;
      }
    }
    return null;
  }
  const named = expressionNamesProblem(data.ExpressionAttributeNames);
  if (named) return named;
  /** @type {any[]} */
  const items = [];
  if (op === 'PutItem') items.push(data.Item);
  if (op === 'UpdateItem') items.push(data.AttributeUpdates);
  if (op === 'BatchWriteItem' && data.RequestItems && typeof data.RequestItems === 'object') {
    for (const writes of Object.values(data.RequestItems)) {
      if (Array.isArray(writes)) for (const w of writes) items.push(w?.PutRequest?.Item);
    }
  }
  for (const item of items) {
    const problem = itemNameProblem(item);
    if (problem) return problem;
  }
  return null;
}

module.exports = { attributeNameProblem, MAX_ATTRIBUTE_NAME_BYTES };
