/** Imported first by bench/run.ts: settings read when the SDK and Powertools modules load. */
// The stream handler logs every batch as JSON on stdout; the bench prints a table there.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
