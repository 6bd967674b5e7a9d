/**
 * Cognito PostConfirmation trigger: creates (or links) the user's profile from the
 * confirmed attributes — handle from `preferred_username`, display name from `name`.
 * The attributes are read back from Cognito (AdminGetUser, domain/cognito-users.ts), never
 * taken from the event alone: the event's `sub` must be the user's own and unique in the pool,
 * and `email_verified` is Cognito's. Idempotent (Cognito retries triggers). Throwing makes
 * Cognito report the message to the client and fail the confirmation, which is what a taken
 * handle should do.
 */
import { logger } from '../logger';
import type { Context, PostConfirmationTriggerEvent } from 'aws-lambda';
import { DomainError } from '../../domain/errors';
import { cognitoUserFor } from '../../domain/cognito-users';
import { registerCognitoUser } from '../../domain/users';

export async function handler(event: PostConfirmationTriggerEvent, context?: Context): Promise<PostConfirmationTriggerEvent> {
  // Every line of this invocation carries its request id (function_request_id).
  if (context) logger.addContext(context);
  // ConfirmForgotPassword also fires PostConfirmation; the profile exists by then.
  if (event.triggerSource !== 'PostConfirmation_ConfirmSignUp') return event;
  try {
    const user = await cognitoUserFor(event.userPoolId, event.userName, event.request.userAttributes.sub ?? '');
    const { profile, outcome } = await registerCognitoUser(user);
    logger.info('profile ready', { outcome, user_uuid: profile.uuid, handle: profile.handle });
    return event;
  } catch (error) {
    if (error instanceof DomainError) {
      logger.warn('sign-up rejected', { code: error.code, reason: error.message });
      throw new Error(`Cannot create your Cruddur profile: ${error.message}`);
    }
    throw error;
  }
}
