/** An answer or a state of the project that stops the run; its message names the problem and the fix. */
export class AnswerError extends Error {
  override name = 'AnswerError';
}
