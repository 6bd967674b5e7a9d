/**
 * The DAX client for reads that tolerate eventual consistency (domain/dynamodb.ts
 * cacheableReads). Imported only by the handlers whose function may read through DAX
 * (serverless.yml: those with `${self:custom.daxEnvironment}`), so no other bundle carries
 * lib-dax. Importing it changes nothing unless DAX_ENDPOINT is set; lib-dax itself loads on
 * the first cacheable read of a DAX stage.
 *
 * The same boundary as the DynamoDB client — an unreachable, slow or throttling cluster is a
 * ServiceUnavailableError (503), never a 500 — but around `send`: DAX's client refuses
 * middleware.
 */
import { GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { isUnavailable, type ReadClient, registerCacheableReadsClient } from './dynamodb';
import { ServiceUnavailableError } from './errors';

/** DAX's own codes (DaxClientError.code) for a cluster that cannot be reached or is overloaded. */
const DAX_UNAVAILABLE = new Set([
  'NoRouteException',
  'ConnectionException',
  'EndOfStreamException',
  'InternalServerErrorException',
]);
/** The DAX error, also when lib-dax hands it over as an EventEmitter's ERR_UNHANDLED_ERROR (in `context`). */
function daxUnavailable(error: unknown): boolean {
  const e = error as { code?: unknown; context?: { code?: unknown } } | undefined;
  return isUnavailable(error) || DAX_UNAVAILABLE.has(String(e?.code)) || DAX_UNAVAILABLE.has(String(e?.context?.code));
}

registerCacheableReadsClient(async ({ endpoint, region, requestTimeoutMs }): Promise<ReadClient> => {
  const { DaxDocument } = await import('@amazon-dax-sdk/lib-dax');
  const dax = new DaxDocument({ endpoint, region, requestTimeout: requestTimeoutMs, maxRetries: 1 });
  // DaxDocument takes calls (get, query, scan), not command objects: the table module's read
  // commands are translated here. Anything else is a programming error, refused loudly.
  const call = (command: unknown) => {
    if (command instanceof GetCommand) return dax.get(command.input);
    if (command instanceof QueryCommand) return dax.query(command.input);
    if (command instanceof ScanCommand) return dax.scan(command.input);
    throw new TypeError('only GetItem, Query and Scan may go through DAX');
  };
  const send = async (command: unknown) => {
    try {
      return await call(command);
    } catch (error) {
      if (error instanceof ServiceUnavailableError || !daxUnavailable(error)) throw error;
      throw new ServiceUnavailableError('DAX is unavailable', { cause: error });
    }
  };
  // lib-dax's own way to close the cluster connections and stop its background refresh.
  const shutdown = () => (dax as unknown as { shutdown(): void }).shutdown();
  return { send: send as unknown as ReadClient['send'], destroy: shutdown };
});
