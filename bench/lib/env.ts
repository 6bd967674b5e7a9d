/** Imported first by bench/run.ts: settings read when the SDK and Powertools modules load. */
// Node 20 is this project's runtime (Lambda nodejs20.x); the SDK's notice about Node 22 is noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// The stream handler logs every batch as JSON on stdout; the bench prints a table there.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
