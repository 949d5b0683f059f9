import { existsSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';

/** A listening TCP socket as Linux lists it in /proc/net/tcp and /proc/net/tcp6. */
export type ListeningSocket = { address: string; port: number; inode: number };

/** The process that owns a socket: its pid, command line and parent pid. */
export type SocketOwner = { pid: number; command: string; parentPid: number };

const LISTEN = '0A';

/** /proc writes each 32-bit word of an address in host (little-endian) byte order. */
const words = (hex: string): number[][] =>
  (hex.match(/.{8}/g) ?? []).map((word) => (word.match(/../g) ?? []).map((b) => parseInt(b, 16)).reverse());

const decodeAddress = (hex: string): string => {
  const bytes = words(hex).flat();
  if (bytes.length === 4) return bytes.join('.');
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  // The URL parser prints an IPv6 address in its canonical, compressed form.
  return new URL(`http://[${groups.join(':')}]`).hostname.slice(1, -1);
};

/** Whether this platform lists its sockets under /proc (Linux); elsewhere the functions below find none. */
export const canListSockets = (): boolean => existsSync('/proc/net/tcp');

/** Every listening TCP socket of the machine (IPv4 and IPv6), from /proc; none where /proc is absent. */
export const listeningSockets = async (): Promise<ListeningSocket[]> => {
  const tables = await Promise.all(
    ['/proc/net/tcp', '/proc/net/tcp6'].map((path) => readFile(path, 'utf8').catch(() => '')),
  );
  return tables.flatMap((table) =>
    table
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[3] === LISTEN)
      .map((fields) => {
        const [address = '', port = '0'] = (fields[1] ?? '').split(':');
        return { address: decodeAddress(address), port: parseInt(port, 16), inode: Number(fields[9]) };
      }),
  );
};

/** The inodes of the sockets a process holds open; empty when its descriptors cannot be read. */
export const socketInodesOf = async (pid: number): Promise<Set<number>> => {
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => []);
  const links = await Promise.all(fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')));
  return new Set(
    links.flatMap((link) => {
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
      return inode ? [Number(inode)] : [];
    }),
  );
};

const ownerOf = async (pid: number): Promise<SocketOwner> => {
  const [cmdline, stat] = await Promise.all([
    readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => ''),
    readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''),
  ]);
  // The fields after the command's closing parenthesis are: state, parent pid, ...
  const parentPid = Number(
    stat
      .slice(stat.lastIndexOf(')') + 1)
      .trim()
      .split(' ')[1] ?? 0,
  );
  return { pid, command: cmdline.split('\0').join(' ').trim(), parentPid };
};

/**
 * The process listening on a TCP port, when this user may see it (Linux only): its descriptors are searched
 * for the listening socket's inode. Undefined when nothing listens there or the owner cannot be seen.
 */
export const portOwner = async (port: number): Promise<SocketOwner | undefined> => {
  const inodes = new Set(
    (await listeningSockets()).filter((s) => s.port === port && s.inode > 0).map((s) => s.inode),
  );
  if (inodes.size === 0) return undefined;
  const pids = (await readdir('/proc').catch(() => [])).filter((name) => /^\d+$/.test(name)).map(Number);
  for (const pid of pids) {
    const held = await socketInodesOf(pid);
    if ([...inodes].some((inode) => held.has(inode))) return ownerOf(pid);
  }
  return undefined;
};
