import { beforeAll, describe, expect, it } from 'vitest';
import { catalogue, eventByDetailType, SagaAudited } from '../../shared/events/index.js';
import { sharedTemplate, type Template } from '../infra/support/synth.js';
import { resourcesOfType } from '../infra/support/template.js';

/** The audit's own verdict: nothing in the saga reacts to it; it is for operators and alarms. */
const AUDIT_ONLY: string[] = [SagaAudited.detailType];

let template: Template;
beforeAll(async () => {
  template = await sharedTemplate();
});

/** The detail-types that some rule of the synthesized stack delivers to a consumer. */
const consumed = () =>
  new Set(
    resourcesOfType(template, 'AWS::Events::Rule').flatMap(
      ([, rule]) =>
        (rule.Properties.EventPattern as { 'detail-type'?: string[] } | undefined)?.['detail-type'] ?? [],
    ),
  );

type Statement = { Effect?: string; Condition?: Record<string, Record<string, unknown>> };

/** Every statement of every identity policy of the stacks (inline in roles, attached, managed). */
const identityStatements = (): Statement[] =>
  Object.values(template.Resources).flatMap((resource) => {
    const documents =
      resource.Type === 'AWS::IAM::Role'
        ? ((resource.Properties.Policies ?? []) as { PolicyDocument: unknown }[]).map((p) => p.PolicyDocument)
        : ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'].includes(resource.Type)
          ? [resource.Properties.PolicyDocument]
          : [];
    return documents.flatMap((document) => (document as { Statement: Statement[] }).Statement);
  });

/** The sources that some role of the stacks may put on the bus (the `events:source` condition of its grant). */
const producedSources = () =>
  new Set(
    identityStatements()
      .filter((statement) => statement.Effect === 'Allow')
      .flatMap(
        (statement) =>
          (statement.Condition?.['ForAllValues:StringEquals']?.['events:source'] as string[] | undefined) ??
          [],
      ),
  );

describe('who produces and who consumes each event', () => {
  it('consumes only events of the contract', () => {
    for (const detailType of consumed()) expect(eventByDetailType(detailType), detailType).toBeDefined();
  });

  it('has a producer allowed to publish every event that something consumes', () => {
    const sources = producedSources();
    for (const detailType of consumed()) {
      expect(sources, `the producer of ${detailType}`).toContain(eventByDetailType(detailType)?.source);
    }
  });

  it('has a consumer for every produced event, unless the event is audit-only', () => {
    const rules = consumed();
    for (const event of catalogue) {
      if (!AUDIT_ONLY.includes(event.detailType)) expect(rules, event.detailType).toContain(event.detailType);
    }
  });

  it('lets each producer of the contract publish, and nobody else', () => {
    expect(producedSources()).toEqual(new Set(catalogue.map((event) => event.source)));
  });
});
