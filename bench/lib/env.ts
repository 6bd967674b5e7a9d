/** Imported first by bench/run.ts: settings read when the SDK and Powertools modules load. */
// The stream handler logs every batch as JSON on stdout; the bench prints a table there.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
// The per-user send rate limit (domain/rate-limit.ts) would stop one sender's hundreds of
// in-process sends: the bench measures the send path, not the limit.
process.env.SEND_RATE_LIMIT ??= '1000000';
