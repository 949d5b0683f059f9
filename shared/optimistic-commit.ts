/**
 * Optimistic concurrency, the one way every service writes: load, decide, write conditionally on what was
 * loaded; when the condition no longer holds another writer got there first, so load and decide again.
 * Nothing here imports AWS: DynamoDB's errors are recognised by name, so the services and their tests can
 * use it without the SDK (and two copies of the SDK in one bundle cannot defeat an `instanceof`).
 */

/** What a conditional write reports when it lost the race: the caller loads and decides again. */
export const STALE = 'stale';

/** A conditional write either commits, or finds the item no longer as its decision saw it. */
export type WriteResult = 'committed' | typeof STALE;

/**
 * How many load -> decide -> commit rounds one delivery may take. A round is lost only when another writer
 * changed the item since it was loaded, and every item moves forward through a short, finite path: an
 * order is written at most three times before it is terminal (its first fact, a second, the one that
 * closes it), a payment twice ((none) -> CHARGED -> REFUNDED), a reservation twice (RESERVED ->
 * RELEASED). So a correct writer never loses more than three races in a row on the same item. The rest of
 * the budget is for DynamoDB cancelling a transaction that merely overlapped another one on a shared stock
 * item (`TransactionConflict`), which commits nothing and says nothing about the state; with the jittered
 * backoff below, ten rounds ride out roughly a second of such contention before the delivery fails and
 * Lambda retries it whole.
 */
export const MAX_COMMIT_ROUNDS = 10;

/** The longest pause between two rounds; the backoff doubles from a few milliseconds up to this. */
const MAX_BACKOFF_MS = 200;

/** A delivery lost the write race on one item more times than allowed; retrying the delivery settles it. */
export class WriteConflictError extends Error {
  override name = 'WriteConflictError';
  constructor(
    /** What was being written, e.g. `order o-1`. */
    readonly subject: string,
    readonly rounds: number,
  ) {
    super(`${subject}: lost ${rounds} concurrent updates in a row`);
  }
}

/** How the commit helper paces its rounds; tests pass fewer rounds or a sleep that does not wait. */
export type CommitOptions = {
  maxRounds?: number;
  sleep?: (ms: number) => Promise<void>;
};

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `round` (load, decide, conditional write) until it returns something other than STALE, and returns
 * that. Between rounds it waits a random time (full jitter, doubling, capped) so that writers colliding
 * on one item do not collide again in lockstep. Throws WriteConflictError after `maxRounds` lost rounds.
 * `round` receives the number of rounds already lost.
 */
export const commitOptimistically = async <T>(
  subject: string,
  round: (lost: number) => Promise<T | typeof STALE>,
  { maxRounds = MAX_COMMIT_ROUNDS, sleep = pause }: CommitOptions = {},
): Promise<T> => {
  for (let lost = 0; lost < maxRounds; lost++) {
    if (lost > 0) await sleep(Math.random() * Math.min(MAX_BACKOFF_MS, 5 * 2 ** lost));
    const result = await round(lost);
    if (result !== STALE) return result;
  }
  throw new WriteConflictError(subject, maxRounds);
};

/** DynamoDB's word for a condition that did not hold. */
const CONDITIONAL_CHECK_FAILED = 'ConditionalCheckFailed';

/**
 * Whether DynamoDB refused a write because its condition did not hold. Accepts either what a single write
 * throws (`ConditionalCheckFailedException`) or one cancellation reason of a TransactWriteItems (each
 * action's reason carries `Code: 'ConditionalCheckFailed'`, or `None`, or another code).
 */
export const isConditionalCheckFailed = (errorOrReason: unknown): boolean => {
  const { name, Code } = (errorOrReason ?? {}) as { name?: unknown; Code?: unknown };
  return name === `${CONDITIONAL_CHECK_FAILED}Exception` || Code === CONDITIONAL_CHECK_FAILED;
};

/**
 * Performs one conditional write: `committed`, or STALE when its condition failed. Any other error
 * (throttling, validation, the network) propagates and fails the delivery.
 */
export const writeConditionally = async (write: () => Promise<unknown>): Promise<WriteResult> => {
  try {
    await write();
    return 'committed';
  } catch (error) {
    if (isConditionalCheckFailed(error)) return STALE;
    throw error;
  }
};

/** Why DynamoDB cancelled one action of a transaction; `Item` is the old item when the action asked for it. */
export type CancellationReason = { Code?: string; Item?: Record<string, unknown> };

/** The cancellation reasons of a TransactionCanceledException (one per action, in request order), if it is one. */
export const cancellationReasonsOf = (error: unknown): CancellationReason[] | undefined =>
  (error as { name?: unknown } | null)?.name === 'TransactionCanceledException'
    ? ((error as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [])
    : undefined;
