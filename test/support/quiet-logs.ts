/**
 * Jest setupFiles for projects that call handlers directly: Powertools Logger writes JSON
 * straight to stdout (jest cannot capture it), so silence it; tests assert outcomes instead.
 */
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
