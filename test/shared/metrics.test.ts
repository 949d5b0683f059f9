import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBusinessMetrics, MetricDimensionsError } from '../../shared/business-metrics.js';
import { METRICS_NAMESPACE, Metrics } from '../../shared/metrics.js';

/** The JSON lines written to stdout while `act` runs. */
const stdoutLines = (act: () => void): Record<string, unknown>[] => {
  const lines: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
  act();
  write.mockRestore();
  return lines.map((line) => JSON.parse(line));
};

afterEach(() => vi.restoreAllMocks());

describe('the business metrics adapter (Powertools, EMF on stdout)', () => {
  it('writes nothing until it is flushed, then one EMF line per dimension set', () => {
    const metrics = createBusinessMetrics('payment');
    const beforeFlush = stdoutLines(() => {
      metrics.add(Metrics.paymentsCharged, 1);
      metrics.add(Metrics.chargedAmount, 4999, { currency: 'EUR' });
    });

    const lines = stdoutLines(() => metrics.flush());

    expect(beforeFlush).toEqual([]);
    expect(lines).toHaveLength(2);
    const charged = lines.find((line) => 'PaymentsCharged' in line);
    const amount = lines.find((line) => 'ChargedAmountCents' in line);
    expect(charged).toMatchObject({ service: 'payment', PaymentsCharged: 1 });
    expect(charged).not.toHaveProperty('currency');
    expect(amount).toMatchObject({ service: 'payment', currency: 'EUR', ChargedAmountCents: 4999 });
    expect(amount?._aws).toMatchObject({
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [['service', 'currency']],
          Metrics: [{ Name: 'ChargedAmountCents', Unit: 'None' }],
        },
      ],
    });
  });

  it('writes nothing on a second flush with nothing new recorded', () => {
    const metrics = createBusinessMetrics('order');
    metrics.add(Metrics.ordersPlaced, 1);
    stdoutLines(() => metrics.flush());

    expect(stdoutLines(() => metrics.flush())).toEqual([]);
  });

  it('refuses a data point whose dimensions are not its metric’s, such as an order id', () => {
    const metrics = createBusinessMetrics('order');

    expect(() => metrics.add(Metrics.ordersCancelled, 1)).toThrow(MetricDimensionsError);
    expect(() =>
      metrics.add(Metrics.ordersPlaced, 1, { orderId: 'o-1' } as unknown as Record<never, string>),
    ).toThrow(MetricDimensionsError);
  });
});
