import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../shared/lambda.js';
import { eventFixtures } from '../services/support/events.js';

describe('the event fixtures of test/events/<source>/', () => {
  it.each(
    eventFixtures().map(([definition, fixture]) => [definition.detailType, definition, fixture] as const),
  )('%s is an event of its producer whose detail satisfies the contract', (_name, definition, fixture) => {
    expect(fixture.source).toBe(definition.source);
    expect(fixture['detail-type']).toBe(definition.detailType);
    expect(parseEvent(definition, fixture).success).toBe(true);
  });
});
