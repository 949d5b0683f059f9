import { once } from 'node:events';
import { createServer } from 'node:net';
import { portOwner } from './listening-sockets.js';

const LONGEST_COMMAND = 120;

/**
 * One line that says why DynamoDB Local cannot listen on 127.0.0.1:`port`, names what holds the port when
 * it can be seen, and says what to do. A DynamoDB Local found there is named as such: it is most often one
 * left behind by an earlier run, whose tables would otherwise be mistaken for this run's.
 */
export const portInUseMessage = async (port: number): Promise<string> => {
  const where = `DynamoDB Local cannot listen on 127.0.0.1:${port}`;
  const owner = await portOwner(port).catch(() => undefined);
  if (!owner) {
    return (
      `${where}: another process holds the port (\`ss -ltnp 'sport = :${port}'\` or \`lsof -i :${port}\` ` +
      'names it); stop it or choose another port.'
    );
  }
  if (/DynamoDBLocal/.test(owner.command)) {
    const orphan = owner.parentPid === 1 ? ', orphaned by an earlier run' : '';
    return `${where}: another DynamoDB Local (pid ${owner.pid}${orphan}) holds the port; stop it with \`kill ${owner.pid}\` or choose another port.`;
  }
  const command =
    owner.command.length > LONGEST_COMMAND ? `${owner.command.slice(0, LONGEST_COMMAND)}…` : owner.command;
  return `${where}: pid ${owner.pid} (${command}) holds the port; stop it or choose another port.`;
};

/**
 * Rejects with `portInUseMessage` when 127.0.0.1:`port` cannot be bound now. Java takes seconds to reach
 * its own bind; this check answers in milliseconds. The launcher's bind stays the authority (the port may
 * be taken in between).
 */
export const assertPortFree = async (port: number): Promise<void> => {
  const probe = createServer();
  const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    probe.once('listening', () => resolve(undefined));
    probe.once('error', resolve);
    probe.listen(port, '127.0.0.1');
  });
  if (error === undefined) {
    probe.close();
    await once(probe, 'close');
    return;
  }
  throw new Error(
    error.code === 'EADDRINUSE'
      ? await portInUseMessage(port)
      : `DynamoDB Local cannot listen on 127.0.0.1:${port}: ${error.message}`,
  );
};
