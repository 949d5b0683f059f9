/**
 * IP addresses and CIDR ranges for the `IpAddress` and `NotIpAddress` condition operators ("IAM JSON policy
 * elements: Condition operators", IP address condition operators): IPv4 or IPv6, in CIDR notation; an
 * address without a prefix length is a range of one address (`/32` for IPv4, `/128` for IPv6).
 */

/** An address as a number, with its family's width in bits. */
type Address = { value: bigint; bits: 32 | 128 };

/** A range of addresses: its first address and its prefix length. */
export type Cidr = Address & { prefix: number };

const parseIpv4 = (text: string): Address | undefined => {
  const octets = text.split('.');
  if (octets.length !== 4 || !octets.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255)) {
    return undefined;
  }
  const value = octets.reduce((sum, octet) => (sum << 8n) + BigInt(octet), 0n);
  return { value, bits: 32 };
};

/** The groups of an IPv6 address with an IPv4 tail (`::ffff:192.0.2.1`) rewritten as two sixteen-bit groups. */
const withoutIpv4Tail = (groups: string[]): string[] | undefined => {
  const last = groups.at(-1);
  if (!last?.includes('.')) return groups;
  const v4 = parseIpv4(last);
  return v4 && [...groups.slice(0, -1), (v4.value >> 16n).toString(16), (v4.value & 0xffffn).toString(16)];
};

/** The eight sixteen-bit groups of an IPv6 address, `::` expanded to the zero groups it stands for. */
const ipv6Groups = (text: string): string[] | undefined => {
  const halves = text.split('::');
  const groupsOf = (half: string) => (half === '' ? [] : half.split(':'));
  if (halves.length === 1) {
    const groups = withoutIpv4Tail(groupsOf(text));
    return groups?.length === 8 ? groups : undefined;
  }
  if (halves.length > 2) return undefined;
  const head = groupsOf(halves[0] ?? '');
  const tail = withoutIpv4Tail(groupsOf(halves[1] ?? ''));
  if (!tail || head.length + tail.length > 7) return undefined;
  return [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
};

const parseIpv6 = (text: string): Address | undefined => {
  const groups = ipv6Groups(text);
  if (!groups?.every((group) => /^[0-9a-fA-F]{1,4}$/.test(group))) return undefined;
  const value = groups.reduce((sum, group) => (sum << 16n) + BigInt(`0x${group}`), 0n);
  return { value, bits: 128 };
};

/** An IPv4 or IPv6 address, or undefined if `text` is neither. */
export const parseAddress = (text: string): Address | undefined =>
  text.includes(':') ? parseIpv6(text) : parseIpv4(text);

/** A CIDR range (`203.0.113.0/24`, `2001:DB8:1234:5678::/64`, or a lone address), or undefined if malformed. */
export const parseCidr = (text: string): Cidr | undefined => {
  const [addressText = '', prefixText, extra] = text.trim().split('/');
  const address = parseAddress(addressText);
  if (!address || extra !== undefined) return undefined;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? address.bits : Number(prefixText);
  return prefix <= address.bits ? { ...address, prefix } : undefined;
};

/** Whether `address` (an address in text) lies in the range; addresses of the other family never do. */
export const inCidr = (cidr: Cidr, address: string): boolean => {
  const parsed = parseAddress(address.trim());
  if (!parsed || parsed.bits !== cidr.bits) return false;
  const shift = BigInt(cidr.bits - cidr.prefix);
  return parsed.value >> shift === cidr.value >> shift;
};
