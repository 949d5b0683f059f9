/**
 * What IAM decided in a run, as the demo, the bench and the chaos report show it: whether it was enforced,
 * how many calls it allowed and denied, and each denial by principal and action; and every decision as a
 * table, principal by principal.
 */
import { denialsOf, type RuntimeStats } from '../emulator/stats.js';
import { table } from './text-table.js';

/** IAM's decisions in a run, summed. */
export type IamSummary = {
  enforced: boolean;
  allowed: number;
  denied: number;
  /** The calls denied, by principal and action. */
  denials: { principal: string; action: string; denied: number }[];
};

/** The decisions of `after` not already in `before` (stats of one runtime, taken in that order). */
export const decisionsSince = (before: RuntimeStats, after: RuntimeStats): RuntimeStats => ({
  ...after,
  iam: {
    enforced: after.iam.enforced,
    decisions: Object.fromEntries(
      Object.entries(after.iam.decisions).map(([principal, byAction]) => [
        principal,
        Object.fromEntries(
          Object.entries(byAction).map(([action, { allowed, denied }]) => {
            const earlier = before.iam.decisions[principal]?.[action] ?? { allowed: 0, denied: 0 };
            return [action, { allowed: allowed - earlier.allowed, denied: denied - earlier.denied }];
          }),
        ),
      ]),
    ),
  },
});

/** The summary of a run's stats. */
export const iamSummary = (stats: RuntimeStats): IamSummary => {
  const counts = Object.values(stats.iam.decisions).flatMap((byAction) => Object.values(byAction));
  return {
    enforced: stats.iam.enforced,
    allowed: counts.reduce((sum, { allowed }) => sum + allowed, 0),
    denied: counts.reduce((sum, { denied }) => sum + denied, 0),
    denials: denialsOf(stats),
  };
};

/** A principal as a reader names it: `Role/session` for an assumed role's session, else as it is. */
export const shortPrincipal = (principal: string): string =>
  /:assumed-role\/(.+)$/.exec(principal)?.[1] ?? principal;

/** One line: whether IAM was enforced, and what it allowed and denied. */
export const iamLine = ({ enforced, allowed, denied }: IamSummary): string =>
  enforced
    ? `IAM enforced: ${allowed} call(s) allowed, ${denied} denied`
    : 'IAM not enforced (--no-iam): every call was allowed unexamined';

/** The denials, one line each (none when there was none). */
export const denialLines = ({ denials }: IamSummary): string[] =>
  denials.map(
    ({ principal, action, denied }) => `  denied ${denied}× ${action} to ${shortPrincipal(principal)}`,
  );

/** Every decision of the run: principal, action, allowed, denied. */
export const decisionsTable = (stats: RuntimeStats): string[] =>
  table(
    ['principal', 'action', 'allowed', 'denied'],
    Object.entries(stats.iam.decisions)
      .sort(([a], [b]) => a.localeCompare(b))
      .flatMap(([principal, byAction]) =>
        Object.entries(byAction)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([action, { allowed, denied }]) => [
            shortPrincipal(principal),
            action,
            String(allowed),
            String(denied),
          ]),
      ),
  );
