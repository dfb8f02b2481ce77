/** cidr: IPv4 and IPv6 networks; an IPv4-mapped IPv6 address (`::ffff:10.1.2.3`) also matches IPv4 networks. */
import { ModifierError } from "./errors.js";

interface Address {
  readonly v6: boolean;
  readonly value: bigint;
}

export function parseIPv4(text: string): bigint | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

export function parseIPv6(text: string): bigint | null {
  let t = text;
  const zone = t.indexOf("%");
  if (zone >= 0) t = t.slice(0, zone);
  if (t.startsWith("[") && t.endsWith("]")) t = t.slice(1, -1);
  const lastColon = t.lastIndexOf(":");
  if (lastColon >= 0 && t.slice(lastColon + 1).includes(".")) {
    // Embedded IPv4 tail (`::ffff:10.1.2.3`): rewrite it as two hex groups.
    const v4 = parseIPv4(t.slice(lastColon + 1));
    if (v4 === null) return null;
    t = `${t.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const groups = (s: string): bigint[] | null => {
    if (s === "") return [];
    const out: bigint[] = [];
    for (const g of s.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(BigInt(`0x${g}`));
    }
    return out;
  };
  const want = 8;
  let words: bigint[];
  const dbl = t.indexOf("::");
  if (dbl >= 0) {
    if (t.indexOf("::", dbl + 1) >= 0) return null;
    const head = groups(t.slice(0, dbl));
    const rest = groups(t.slice(dbl + 2));
    if (head === null || rest === null || head.length + rest.length >= want) return null;
    words = [...head, ...Array<bigint>(want - head.length - rest.length).fill(0n), ...rest];
  } else {
    const all = groups(t);
    if (all === null || all.length !== want) return null;
    words = all;
  }
  return words.reduce((acc, w) => (acc << 16n) | w, 0n);
}

/**
 * The last address parsed, kept: a rule's `cidr` list (the private ranges of "Failed Logon From Public IP": a dozen
 * networks) tests one event value against every network in turn, and each test parsed it again.
 */
let lastText: string | undefined;
let lastAddress: Address | null = null;

function parseAddress(text: string): Address | null {
  if (text !== lastText) {
    lastAddress = parseAddressText(text);
    lastText = text;
  }
  return lastAddress;
}

function parseAddressText(text: string): Address | null {
  const t = text.trim();
  if (t.includes(":")) {
    const v = parseIPv6(t);
    return v === null ? null : { v6: true, value: v };
  }
  const v = parseIPv4(t);
  return v === null ? null : { v6: false, value: v };
}

const MAPPED_PREFIX = 0xffffn << 32n;

/** Compiles `10.0.0.0/8` or `fe80::/10` (a bare address is a /32 or /128) into an address-string predicate. */
export function compileCidr(spec: string): (address: string) => boolean {
  const slash = spec.indexOf("/");
  const net = parseAddress(slash >= 0 ? spec.slice(0, slash) : spec);
  if (net === null) throw new ModifierError(`cidr: invalid network address in ${JSON.stringify(spec)}`);
  const width = net.v6 ? 128 : 32;
  const lenText = slash >= 0 ? spec.slice(slash + 1).trim() : String(width);
  if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > width) {
    throw new ModifierError(`cidr: invalid prefix length in ${JSON.stringify(spec)}`);
  }
  const len = BigInt(lenText);
  const shift = BigInt(width) - len;
  const prefix = net.value >> shift;
  return (address) => {
    const a = parseAddress(address);
    if (a === null) return false;
    let value = a.value;
    if (a.v6 !== net.v6) {
      // IPv4-mapped IPv6 address against an IPv4 network.
      if (!a.v6 || value >> 32n !== 0xffffn) return false;
      value -= MAPPED_PREFIX;
    }
    return value >> shift === prefix;
  };
}
