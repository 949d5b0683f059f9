import { describe, expect, it } from 'vitest';
import { parseEmf } from '../../../../../infra/local/emulator/cloudwatch/emf.js';

describe('embedded metric format', () => {
  it('reads each metric of each dimension set, with its unit and every value of a list', () => {
    const line = JSON.stringify({
      _aws: {
        Timestamp: 1,
        CloudWatchMetrics: [
          {
            Namespace: 'Shop',
            Dimensions: [['service'], ['service', 'reason']],
            Metrics: [{ Name: 'Cancelled', Unit: 'Count' }],
          },
        ],
      },
      service: 'orders',
      reason: 'LATE',
      Cancelled: [1, 2],
    });
    expect(parseEmf(line)).toEqual([
      {
        namespace: 'Shop',
        metricName: 'Cancelled',
        dimensions: { service: 'orders' },
        value: 1,
        unit: 'Count',
      },
      {
        namespace: 'Shop',
        metricName: 'Cancelled',
        dimensions: { service: 'orders' },
        value: 2,
        unit: 'Count',
      },
      {
        namespace: 'Shop',
        metricName: 'Cancelled',
        dimensions: { service: 'orders', reason: 'LATE' },
        value: 1,
        unit: 'Count',
      },
      {
        namespace: 'Shop',
        metricName: 'Cancelled',
        dimensions: { service: 'orders', reason: 'LATE' },
        value: 2,
        unit: 'Count',
      },
    ]);
  });

  it('finds no metric in a log line that is not EMF, or not JSON', () => {
    expect(parseEmf('{"level":"INFO","message":"charged"}')).toEqual([]);
    expect(parseEmf('START RequestId: 1 "_aws" {')).toEqual([]);
  });
});
