import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one structured (JSON) logger of every handler. Level from POWERTOOLS_LOG_LEVEL (set per
 * stage in serverless.yml); each handler adds its Lambda context, so every line carries the
 * request id. Message bodies and tokens are never logged at info.
 */
export const logger = new Logger({ serviceName: 'cruddur-messaging' });
