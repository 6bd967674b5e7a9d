// @ts-check

/** DynamoDB-shaped errors: `{__type, message}` bodies the AWS SDK maps to exception classes. */

/**
 * @typedef {Error & { statusCode: number, body: Record<string, any> }} ApiError
 */

/**
 * @param {string} type fully-qualified `__type`, e.g. com.amazonaws.dynamodb.v20120810#ResourceNotFoundException
 * @param {string} message
 * @param {Record<string, any>} [extra] extra body fields (e.g. CancellationReasons)
 * @returns {ApiError}
 */
function apiError(type, message, extra) {
  const err = /** @type {ApiError} */ (new Error(message));
  err.statusCode = 400;
  err.body = { __type: type, message, ...(extra || {}) };
  return err;
}

const DDB = 'com.amazonaws.dynamodb.v20120810#';

/** @param {string} message */
const validation = (message) => apiError('com.amazon.coral.validate#ValidationException', message);
/** @param {string} message */
const notFound = (message) => apiError(`${DDB}ResourceNotFoundException`, message);
/** @param {string} message */
const serialization = (message) => apiError('com.amazon.coral.service#SerializationException', message);

module.exports = { apiError, validation, notFound, serialization, DDB };
