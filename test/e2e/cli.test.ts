import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { freePort, LOCAL_AWS } from '../../infra/local/emulator/dynamodb/dynamodb-local.js';
import { payloadFiles, readPayload } from '../../infra/local/saga/scenarios.js';
import { PROJECT_ROOT } from '../../infra/project.js';

const CLI = join(PROJECT_ROOT, 'infra', 'local', 'saga', 'cli.ts');
const TSX = join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
const saga = (args: string[]) => promisify(execFile)(TSX, [CLI, ...args], { cwd: PROJECT_ROOT });

/** Resolves with everything the process printed once `text` appears in it; rejects if it exits first. */
const outputUntil = (child: ReturnType<typeof spawn>, text: string, timeoutMs: number) =>
  new Promise<string>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`no "${text}" within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(text)) {
        clearTimeout(timer);
        resolve(output);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before "${text}":\n${output}`)));
  });

const javaOnPort = async (port: number) => {
  try {
    const { stdout } = await promisify(execFile)('pgrep', ['-f', `DynamoDBLocal.*-port ${port}`]);
    return stdout.trim() !== '';
  } catch {
    return false;
  }
};

describe('the saga command line', () => {
  it('demo puts every payload, prints a verdict per saga, and exits 0 when all end as expected', async () => {
    const { stdout } = await saga(['demo']);
    for (const file of payloadFiles()) expect(stdout).toMatch(new RegExp(`^${file}\\s+\\S+\\s`, 'm'));
    expect(stdout.match(/verdict: (CONFIRMED|CANCELLED), consistent/g)).toHaveLength(payloadFiles().length);
    expect(stdout).toContain('Every saga ended as test/payloads/README.md says it must');
  }, 180_000);

  it('serve runs until SIGTERM, answers put-events, timeline and dlq, and leaves no Java process', async () => {
    const [eventBridgePort, dynamoDbPort] = [await freePort(), await freePort()];
    const server = spawn(
      TSX,
      [CLI, 'serve', '--eventbridge-port', `${eventBridgePort}`, '--dynamodb-port', `${dynamoDbPort}`],
      {
        cwd: PROJECT_ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      const banner = await outputUntil(server, 'Ctrl-C stops it.', 120_000);
      const endpoint = `http://127.0.0.1:${eventBridgePort}`;
      expect(banner).toContain(`aws events put-events --endpoint-url ${endpoint}`);
      expect(banner).toContain(`aws dynamodb scan --endpoint-url http://127.0.0.1:${dynamoDbPort}`);

      const put = await saga(['put-events', 'test/payloads/scenario-7.json', '--endpoint-url', endpoint]);
      expect(put.stdout).toMatch(/^OrderPlaced #1: [0-9a-f-]{36}$/m);

      const orderId = '40063fe3-56d9-4c51-b91f-71929834ce03';
      let timeline = '';
      for (
        const deadline = Date.now() + 30_000;
        !timeline.includes('SagaAudited') && Date.now() < deadline;
      ) {
        timeline = (await saga(['timeline', orderId, '--endpoint-url', endpoint])).stdout;
      }
      expect(timeline).toMatch(
        /OrderPlaced[\s\S]*PaymentProcessed[\s\S]*InventoryReserved[\s\S]*OrderConfirmed[\s\S]*SagaAudited/,
      );
      const mermaid = (await saga(['timeline', orderId, '--mermaid', '--endpoint-url', endpoint])).stdout;
      expect(mermaid).toMatch(/^sequenceDiagram/);
      expect(mermaid).toContain('Payment->>Inventory: PaymentProcessed');
      expect((await saga(['dlq', 'list', '--endpoint-url', endpoint])).stdout).toContain(
        'Every dead-letter queue is empty.',
      );

      // A PaymentProcessed its schema refuses exhausts inventory's retries and waits in a DLQ; a redrive sends
      // it again (refused again) and audits again only the sagas that ended.
      const refused = 'cli-refused-order-1';
      await new EventBridgeClient({ ...LOCAL_AWS, endpoint }).send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: readPayload('scenario-7.json')[0]?.EventBusName,
              Source: 'shop.payments',
              DetailType: 'PaymentProcessed',
              Detail: JSON.stringify({ orderId: refused }),
            },
          ],
        }),
      );
      let deadLetters = '';
      for (const deadline = Date.now() + 30_000; !deadLetters.includes(refused) && Date.now() < deadline; ) {
        deadLetters = (await saga(['dlq', 'list', '--endpoint-url', endpoint])).stdout;
      }
      expect(deadLetters).toMatch(/InvalidEventError/);
      const redrive = (await saga(['dlq', 'redrive', '--endpoint-url', endpoint])).stdout;
      expect(redrive).toContain('Redrove 1 message(s)');
      expect(redrive).toContain(`${refused}: not ended yet, not audited`);
      expect(await javaOnPort(dynamoDbPort)).toBe(true);
    } finally {
      server.kill('SIGTERM');
    }
    const [code] = await once(server, 'exit');
    expect(code).toBe(0);
    expect(await javaOnPort(dynamoDbPort)).toBe(false);
  }, 180_000);

  it('refuses an unknown command with a usage error', async () => {
    await expect(saga(['frobnicate'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown command frobnicate'),
    });
  });
});
