import { describe, expect, it } from 'vitest';
import {
  isOpenStatus,
  OpenStatus,
  openStatusOf,
  SHARDS,
  shardOf,
} from '../../../../services/order/adapters/deadline-index.js';

describe('the shard of an order in the deadline index', () => {
  it('is the same for every write of one order', () => {
    expect(shardOf('order-42')).toBe(shardOf('order-42'));
    expect(openStatusOf(OpenStatus.open, 'order-42')).toBe(`OPEN#${shardOf('order-42')}`);
  });

  it('spreads orders over every shard, none holding more than twice its share', () => {
    const counts = new Array<number>(SHARDS).fill(0);
    for (let i = 0; i < 16_000; i++) {
      const shard = shardOf(`${i.toString(36)}-order`);
      counts[shard] = (counts[shard] ?? 0) + 1;
    }

    expect(counts.every((count) => count > 0)).toBe(true);
    expect(Math.max(...counts)).toBeLessThan((2 * 16_000) / SHARDS);
  });

  it('reads an entry of either kind, sharded or written before the sharding, and nothing else', () => {
    expect(isOpenStatus(OpenStatus.unpublished, 'UNPUBLISHED#3')).toBe(true);
    expect(isOpenStatus(OpenStatus.unpublished, 'UNPUBLISHED')).toBe(true);
    expect(isOpenStatus(OpenStatus.unpublished, 'OPEN#3')).toBe(false);
    expect(isOpenStatus(OpenStatus.open, 'OPENED')).toBe(false);
  });
});
