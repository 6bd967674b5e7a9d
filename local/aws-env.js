// @ts-check
/**
 * The AWS settings every local client runs with (the local plugin, the test and bench
 * harnesses): a region, and fixed credentials, which the local engine and cognito-local accept
 * whatever they are — they keep the SDK's default chain from looking for real ones (profile
 * files, the instance metadata service). Product code reads them through the SDK's default
 * chain, as it reads the function role's credentials on AWS.
 */
const LOCAL_AWS_ENV = Object.freeze({
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
});

module.exports = { LOCAL_AWS_ENV };
