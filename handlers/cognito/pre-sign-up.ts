/**
 * Cognito PreSignUp trigger: refuses a sign-up whose handle (`preferred_username`) or name
 * (`name`) the PostConfirmation trigger could not turn into a profile (domain/sign-up.ts).
 * Throwing fails the SignUp call: Cognito answers `UserLambdaValidationException` with
 * "PreSignUp failed with error <our message>.", which a web client can show as it is.
 */
import { logger } from '../logger';
import type { Context, PreSignUpTriggerEvent } from 'aws-lambda';
import { DomainError } from '../../domain/errors';
import { admitSignUp } from '../../domain/sign-up';

export async function handler(event: PreSignUpTriggerEvent, context?: Context): Promise<PreSignUpTriggerEvent> {
  // Every line of this invocation carries its request id (function_request_id).
  if (context) logger.addContext(context);
  const attributes = event.request.userAttributes;
  try {
    await admitSignUp({
      handle: attributes.preferred_username ?? '',
      display_name: attributes.name ?? attributes.preferred_username ?? '',
      ...(attributes.email ? { email: attributes.email } : {}),
    });
    return event;
  } catch (error) {
    if (error instanceof DomainError) {
      logger.warn('sign-up refused', { code: error.code, reason: error.message });
      throw new Error(`Cannot create your Cruddur account: ${error.message}`);
    }
    throw error;
  }
}
