// @ts-check
/**
 * ConfirmSignUp marks the email verified, as Cognito does. A user confirming the sign-up code
 * that Cognito emailed has proven the address, so Cognito sets `email_verified=true` before the
 * PostConfirmation trigger runs; cognito-local 5.3 does not, which left a client sign-up unable
 * to claim its seeded profile locally (the trigger reads `email_verified` back from Cognito).
 * Wrapped around cognito-local's router like local/cognito-srp.js: only a request carrying the
 * right code, for a pool that verifies email automatically, marks the address; cognito-local's
 * own ConfirmSignUp then checks the code again, confirms and fires the trigger.
 */

/**
 * @param {(target: string) => (ctx: any, req: any) => Promise<any>} router cognito-local's router (or one that wraps it)
 * @param {{ cognito: any, clock: { get(): Date } }} services
 * @returns {(target: string) => (ctx: any, req: any) => Promise<any>}
 */
function withVerifiedConfirmation(router, services) {
  const confirmSignUp = router('ConfirmSignUp');
  /** @param {any} ctx @param {any} req */
  async function confirmAndVerify(ctx, req) {
    if (typeof req?.ClientId === 'string' && typeof req.Username === 'string' && typeof req.ConfirmationCode === 'string') {
      const userPool = await services.cognito.getUserPoolForClientId(ctx, req.ClientId).catch(() => undefined);
      const user = userPool && (await userPool.getUserByUsername(ctx, req.Username));
      const verifiesEmail = userPool?.options?.AutoVerifiedAttributes?.includes('email');
      const attributes = /** @type {Array<{ Name: string, Value?: string }>} */ (user?.Attributes ?? []);
      const hasEmail = attributes.some((a) => a.Name === 'email' && a.Value);
      if (user && verifiesEmail && hasEmail && user.ConfirmationCode && user.ConfirmationCode === req.ConfirmationCode) {
        await userPool.saveUser(ctx, {
          ...user,
          Attributes: [...attributes.filter((a) => a.Name !== 'email_verified'), { Name: 'email_verified', Value: 'true' }],
          UserLastModifiedDate: services.clock.get(),
        });
      }
    }
    return confirmSignUp(ctx, req);
  }
  return (target) => (target === 'ConfirmSignUp' ? confirmAndVerify : router(target));
}

module.exports = { withVerifiedConfirmation };
