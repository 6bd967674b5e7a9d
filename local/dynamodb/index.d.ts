/** Public API of the local DynamoDB engine (implementation: index.js, plain CommonJS). */
export interface StartOptions {
  /** TCP port; 0 (default) picks a free port. */
  port?: number;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Data folder (LevelDB). Omitted: in memory. */
  path?: string;
  /** Region used in ARNs and stream records; default us-east-1. */
  region?: string;
  /** Stream record retention in ms; default 24 h. */
  streamRetentionMs?: number;
  /** Shard iterator lifetime in ms; default 15 min. */
  iteratorTtlMs?: number;
  /** Time tables stay CREATING / DELETING / UPDATING; default 0 (immediately ACTIVE). */
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
  /** Maximum item size in KB; default 400. */
  maxItemSizeKb?: number;
  /**
   * Browser origins allowed to call the engine; default none: a request carrying an `Origin`
   * header not listed gets a 403 AccessDeniedException. Allowed origins are echoed in
   * Access-Control-Allow-Origin (never `*`).
   */
  allowedOrigins?: string[];
  /** Largest request body in bytes; default 16 MB (413 above). */
  maxBodyBytes?: number;
  /** Time to receive a whole request body; default 10 s (then 400 and the connection is closed). */
  bodyTimeoutMs?: number;
  /** Every request is answered within this time; default 30 s (a 500 if the work has not finished). */
  requestTimeoutMs?: number;
  /** Interval of the Time to Live sweep that deletes expired items; default 2 s. */
  ttlIntervalMs?: number;
  /** Diagnostics sink; default silent. */
  log?: (msg: string) => void;
}

export interface Engine {
  /** e.g. http://127.0.0.1:8000 */
  endpoint: string;
  port: number;
  /** Closes the HTTP server and the database. */
  stop(): Promise<void>;
}

export function start(options?: StartOptions): Promise<Engine>;
export const DEFAULT_RETENTION_MS: number;
