import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { describe, expect, inject, it } from 'vitest';
import {
  canListSockets,
  listeningSockets,
} from '../../../../../infra/local/emulator/dynamodb/listening-sockets.js';

/** How a TCP connection to `host`:`port` ends: `connected`, or the error's code. */
const connectOutcome = (host: string, port: number): Promise<string> =>
  new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(5_000, () => {
      socket.destroy();
      resolve('timeout');
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });

/** The machine's own addresses that are not loopback (as an attacker on the network would reach it). */
const externalAddresses = Object.values(networkInterfaces())
  .flat()
  .filter((address) => address !== undefined && !address.internal && !address.address.startsWith('fe80'))
  .map((address) => address?.address as string);

// The global setup started this DynamoDB Local with startDynamoDbLocal, as serve does.
const port = Number(new URL(inject('dynamoDbEndpoint')).port);

describe('DynamoDB Local on loopback only', () => {
  it.skipIf(!canListSockets())('listens on 127.0.0.1 and on no other address', async () => {
    const sockets = (await listeningSockets()).filter((socket) => socket.port === port);

    expect(sockets.map((socket) => socket.address)).toEqual(['127.0.0.1']);
  });

  it.skipIf(externalAddresses.length === 0)(
    "refuses connections to the machine's non-loopback addresses",
    async () => {
      const outcomes = await Promise.all(externalAddresses.map((host) => connectOutcome(host, port)));

      expect(outcomes).toEqual(externalAddresses.map(() => 'ECONNREFUSED'));
      expect(await connectOutcome('127.0.0.1', port)).toBe('connected');
    },
  );
});
