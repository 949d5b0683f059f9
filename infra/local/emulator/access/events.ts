/**
 * EventBridge's authorization of PutEvents ("Using IAM policy conditions in Amazon EventBridge"): the caller
 * needs `events:PutEvents` on each bus the call's entries go to, with `events:source` and
 * `events:detail-type` as multivalued context keys holding the values of that bus's entries, under its
 * identity-based policies and the bus's resource-based policy. One denial fails the whole call.
 */
import { busNameOf } from '../arns.js';
import type { LocalApp } from '../cloud-assembly/model.js';
import type { PutEventsRequestEntry } from '../eventbridge/put-events.js';
import type { PutEventsCall } from '../eventbridge/server.js';
import type { AccessControl } from './access-control.js';

const distinct = (values: unknown[]): string[] => [
  ...new Set(values.filter((value): value is string => typeof value === 'string')),
];

/** The entries of a call by the bus they go to. */
const byBus = (entries: PutEventsRequestEntry[]): Map<string, PutEventsRequestEntry[]> => {
  const buses = new Map<string, PutEventsRequestEntry[]>();
  for (const entry of entries) {
    const bus = busNameOf(entry.EventBusName);
    buses.set(bus, [...(buses.get(bus) ?? []), entry]);
  }
  return buses;
};

/** The bus's `authorize` hook for `app`: the AccessDenied message of a denied call, or undefined. */
export const putEventsAuthorizer =
  (app: LocalApp, access: AccessControl) =>
  ({ accessKeyId, entries }: PutEventsCall): string | undefined => {
    const principal = access.callerOf(accessKeyId);
    for (const [bus, ofBus] of byBus(entries)) {
      const denial = access.check({
        principal,
        action: 'events:PutEvents',
        resource: `arn:aws:events:${app.region}:${app.account}:event-bus/${bus}`,
        context: {
          'events:source': distinct(ofBus.map((entry) => entry.Source)),
          'events:detail-type': distinct(ofBus.map((entry) => entry.DetailType)),
          'aws:SecureTransport': 'true',
        },
      });
      if (denial) return denial.message;
    }
    return undefined;
  };
