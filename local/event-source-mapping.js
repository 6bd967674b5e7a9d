// @ts-check
/**
 * Offline stand-in for the failure handling of Lambda's event source mapping, which the stream
 * emulator (serverless-offline-dynamodb-streams) does not have: it ignores partial batch
 * responses and cannot reach SQS. local/offline-streams.js puts it between the emulator and
 * the stream function on the offline stage, so the deployed handler is exactly what Lambda
 * runs: records in, partial batch response out.
 *
 * What it does with the function's answer, as Lambda does with `ReportBatchItemFailures`:
 * retries from the lowest reported failure (what Lambda redelivers), `maximumRetryAttempts`
 * times (serverless.yml), backoff 250 ms doubling (≈ 8 s for 5 retries: long enough to ride
 * out a local engine restart), then appends one line to a JSON-lines file standing in for the
 * SQS dead-letter queue, shaped like Lambda's on-failure record for a stream
 * (`DDBStreamBatchInfo`) plus, locally only, the failed records themselves. A whole-batch
 * failure (the function throws) counts every record as failed. No bisect: our handler reports
 * partial failures and throws only for records it cannot name.
 *
 * Fault injection for the reliability suite, offline only and only when configured
 * (`faultMarker`, from STREAM_FAULT_MARKER): a record whose new image's `message` contains the
 * marker is a poison record — it is never handed to the function and is reported as failed on
 * every attempt, as if the function failed on it.
 */
const fs = require('node:fs');
const path = require('node:path');

/**
 * @typedef {{ dynamodb?: { SequenceNumber?: string, NewImage?: Record<string, any> }, eventSourceARN?: string }} StreamRecord
 * @typedef {{ batchItemFailures?: Array<{ itemIdentifier: string }> } | undefined | null} BatchResponse
 * @typedef {object} EventSourceMappingOptions
 * @property {number} maximumRetryAttempts retries after the first attempt, as in serverless.yml
 * @property {string} dlqFile JSON-lines file standing in for the on-failure SQS destination
 * @property {string} [faultMarker] message text that makes a record poison (fault injection)
 * @property {number} [retryBaseMs] first backoff (250 ms), doubling per retry
 * @property {(message: string, detail?: unknown) => void} [log] one line per dead-lettered batch
 */

/** Sequence numbers are decimal strings of varying length: compare numerically. */
function compareSequenceNumbers(/** @type {string} */ a, /** @type {string} */ b) {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

const sequenceOf = (/** @type {StreamRecord | undefined} */ record) => record?.dynamodb?.SequenceNumber ?? '';

/** True when fault injection is on and the record's message carries the marker. */
function isPoison(/** @type {StreamRecord} */ record, /** @type {string | undefined} */ marker) {
  const text = record.dynamodb?.NewImage?.message?.S;
  return marker !== undefined && marker !== '' && typeof text === 'string' && text.includes(marker);
}

/**
 * Delivers `records` to `invoke` until none fail or the retries are spent; resolves once the
 * batch is done with (processed or dead-lettered), as the mapping then moves on.
 * @param {StreamRecord[]} records
 * @param {EventSourceMappingOptions} options
 * @param {(records: StreamRecord[]) => Promise<BatchResponse>} invoke one function invocation
 * @returns {Promise<{ invocations: number, deadLettered: string[] }>}
 */
async function deliverBatch(records, options, invoke) {
  const { maximumRetryAttempts, faultMarker, retryBaseMs = 250 } = options;
  let pending = records;
  for (let invokeCount = 1; ; invokeCount++) {
    const poison = pending.filter((record) => isPoison(record, faultMarker));
    const delivered = pending.filter((record) => !isPoison(record, faultMarker));
    /** @type {string[]} */
    let failures = poison.map(sequenceOf);
    if (delivered.length > 0) {
      try {
        const response = await invoke(delivered);
        failures.push(...(response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
      } catch (error) {
        options.log?.(`stream batch failed as a whole: ${/** @type {Error} */ (error)?.message ?? error}`);
        failures = pending.map(sequenceOf);
      }
    }
    if (failures.length === 0) return { invocations: invokeCount, deadLettered: [] };
    const lowest = /** @type {string} */ ([...failures].sort(compareSequenceNumbers)[0]);
    pending = pending.slice(
      Math.max(
        0,
        pending.findIndex((record) => sequenceOf(record) === lowest),
      ),
    );
    if (invokeCount > maximumRetryAttempts) {
      writeDeadLetter(options, pending, failures, invokeCount);
      return { invocations: invokeCount, deadLettered: failures };
    }
    await new Promise((resolve) => setTimeout(resolve, retryBaseMs * 2 ** (invokeCount - 1)));
  }
}

/**
 * @param {EventSourceMappingOptions} options
 * @param {StreamRecord[]} records the range Lambda would name (lowest failure to the end)
 * @param {string[]} failed
 * @param {number} invokeCount
 */
function writeDeadLetter(options, records, failed, invokeCount) {
  const line = {
    requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: invokeCount },
    timestamp: new Date().toISOString(),
    DDBStreamBatchInfo: {
      streamArn: records[0]?.eventSourceARN,
      startSequenceNumber: sequenceOf(records[0]),
      endSequenceNumber: sequenceOf(records[records.length - 1]),
      batchSize: records.length,
    },
    // Local extra: on AWS the DLQ message names the range only; replay reads it from the stream.
    failedSequenceNumbers: failed,
    records: records.filter((record) => failed.includes(sequenceOf(record))),
  };
  fs.mkdirSync(path.dirname(path.resolve(options.dlqFile)), { recursive: true });
  fs.appendFileSync(options.dlqFile, `${JSON.stringify(line)}\n`);
  options.log?.(`retries exhausted: batch range sent to the local DLQ stand-in ${options.dlqFile}`, { failed });
}

/**
 * Wraps serverless-offline's Lambda pool (`lambda.get(functionKey)` → `{ setEvent, runHandler }`,
 * what the stream emulator calls) so that the functions named in `mappings` run under
 * `deliverBatch`; every other function is untouched.
 * @param {{ get(functionKey: string): { setEvent(event: unknown): void, runHandler(): Promise<unknown> } }} lambda
 * @param {Record<string, EventSourceMappingOptions>} mappings function key → options
 */
function withEventSourceMapping(lambda, mappings) {
  // The emulator uses nothing of the pool but `get`.
  return {
    get: (/** @type {string} */ functionKey) => {
      const options = mappings[functionKey];
      if (!options) return lambda.get(functionKey);
      /** @type {{ Records?: StreamRecord[] }} */
      let event = {};
      return {
        setEvent: (/** @type {{ Records?: StreamRecord[] }} */ next) => void (event = next),
        runHandler: async () => {
          await deliverBatch(event.Records ?? [], options, async (records) => {
            const fn = lambda.get(functionKey);
            fn.setEvent({ ...event, Records: records });
            return /** @type {BatchResponse} */ (await fn.runHandler());
          });
          // The batch is done with (processed or dead-lettered): the emulator moves on.
          return { batchItemFailures: [] };
        },
      };
    },
  };
}

module.exports = { compareSequenceNumbers, deliverBatch, withEventSourceMapping };
