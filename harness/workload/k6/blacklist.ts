/**
 * The project's network rule for a k6 it does not control: every address except loopback is blocked inside k6
 * (`--blacklist-ip`, checked by k6's dialer before each connection: lib/netext/dialer.go), and every host NAME is
 * blocked (`--block-hostnames '*'`, checked before any DNS lookup, so not even a query leaves the machine). Endpoints
 * therefore reach the script as 127.0.0.1 / [::1] literals.
 */

/** CIDRs covering all of IPv4 except 127.0.0.0/8 (8 ranges). */
export const IPV4_EXCEPT_LOOPBACK: readonly string[] = complement([127], 8, 32).map((bits) => `${v4(bits.value)}/${bits.length}`);

/** CIDRs covering all of IPv6 except ::1 (128 ranges, one per bit of ::1). */
export const IPV6_EXCEPT_LOOPBACK: readonly string[] = complementV6();

/** The value of k6's --blacklist-ip: everything but 127.0.0.0/8 and ::1. */
export function blacklistCidrs(): string[] {
  return [...IPV4_EXCEPT_LOOPBACK, ...IPV6_EXCEPT_LOOPBACK];
}

/** The value of k6's --block-hostnames: every name (IP literals are not names and pass to the blacklist). */
export const BLOCK_ALL_HOSTNAMES = '*';

/**
 * The prefixes that, together with `keep` (its first `keepLength` bits, as bytes), cover the whole space of
 * `width` bits: for each bit of the kept prefix, the range that agrees up to it and differs there.
 */
function complement(keep: readonly number[], keepLength: number, width: number): { value: bigint; length: number }[] {
  const kept = keep.reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n) << BigInt(width - keep.length * 8);
  const out: { value: bigint; length: number }[] = [];
  for (let i = 0; i < keepLength; i++) {
    const bit = 1n << BigInt(width - 1 - i);
    const prefixMask = ((1n << BigInt(i + 1)) - 1n) << BigInt(width - 1 - i);
    out.push({ value: (kept ^ bit) & prefixMask, length: i + 1 });
  }
  return out;
}

function complementV6(): string[] {
  const one = Array.from({ length: 16 }, (_, i) => (i === 15 ? 1 : 0));
  return complement(one, 128, 128).map((r) => `${v6(r.value)}/${r.length}`);
}

function v4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join('.');
}

function v6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => ((value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  // the usual short form: the longest run of zero groups (two or more) becomes '::'
  let best = { at: -1, length: 1 };
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.length) best = { at: i, length: j - i };
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.length).join(':')}`;
}

/** Whether `ip` (dotted IPv4 or full/compressed IPv6) falls in `cidr`: for the tests of the ranges above. */
export function cidrContains(cidr: string, ip: string): boolean {
  const [base, len] = cidr.split('/') as [string, string];
  const isV6 = base.includes(':');
  if (isV6 !== ip.includes(':')) return false;
  const width = isV6 ? 128 : 32;
  const n = Number(len);
  const mask = n === 0 ? 0n : ((1n << BigInt(n)) - 1n) << BigInt(width - n);
  return (parseIp(base) & mask) === (parseIp(ip) & mask);
}

function parseIp(ip: string): bigint {
  if (!ip.includes(':')) return ip.split('.').reduce((acc, b) => (acc << 8n) | BigInt(Number(b)), 0n);
  const [head, tail] = ip.includes('::') ? (ip.split('::') as [string, string]) : [ip, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || '0', 16)), 0n);
}
