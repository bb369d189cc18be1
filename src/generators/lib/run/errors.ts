/**
 * What stops a run with a message for the user, shown without a stack: a bad answer, a
 * state of the project (a lock held, a symlink, a full disk). The message names the
 * problem and the fix.
 */
export class UserFacingError extends Error {
  override name = 'UserFacingError';
}
