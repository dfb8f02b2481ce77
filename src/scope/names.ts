/**
 * Names of hosts, addresses and accounts as scoping compares them. Evidence spells one machine `PC01`,
 * `pc01.example.corp` and `\\PC01`, one account `EXAMPLE\user01`, `user01@example.corp` and `USER01`; the keys here
 * make those one entity while the reports keep a spelling the logs used.
 *
 * - Host key: lower case, without a leading `\\`, cut at the first dot (NetBIOS-like). Two machines of the same short
 *   name in different DNS domains become one host; in a single investigation that is rare, and keys that keep the
 *   suffix would split far more often (WorkstationName and TargetServerName carry no suffix at all).
 * - Address: IPv4 dotted quad or IPv6 in lower case, `::ffff:` mapping, brackets, port and zone removed. Loopback and
 *   unspecified addresses are no source of anything (`::1`, `127.0.0.1`, `0.0.0.0`, `::`).
 * - Account key: the account name in lower case without its domain (the domain comes as `EXAMPLE`, `example.corp`
 *   or nothing for one account), except for a local account (its domain is the host's own name), which keeps the
 *   host: `PC01\Administrator` and `PC02\Administrator` are two accounts.
 */

/** A host or an address named by an event: what an edge or a logon goes from or to. */
export interface Endpoint {
  readonly kind: "host" | "address";
  /** The host key or the normalised address. */
  readonly key: string;
}

/** Text of a field value; numbers as decimal; null for anything else. */
export function textOf(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  return null;
}

/** An integer field value (EVTX numbers, or decimal text from JSON exports); null otherwise. */
export function integerOf(value: unknown): number | null {
  if (typeof value === "number") return Number.isInteger(value) ? value : null;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string" && value.length > 0 && value.length < 16) {
    const n = value.startsWith("0x") || value.startsWith("0X") ? Number.parseInt(value.slice(2), 16) : Number(value);
    return Number.isInteger(n) ? n : null;
  }
  return null;
}

/** True when `text` ends with `suffix`, ignoring ASCII case; `suffix` must be lower case. No allocation. */
export function endsWithLower(text: string, suffix: string): boolean {
  const offset = text.length - suffix.length;
  if (offset < 0) return false;
  for (let i = 0; i < suffix.length; i++) {
    let c = text.charCodeAt(offset + i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== suffix.charCodeAt(i)) return false;
  }
  return true;
}

/** The last path component (`C:\Windows\System32\cmd.exe` -> `cmd.exe`), as written. */
export function baseName(path: string): string {
  const i = Math.max(path.lastIndexOf("\\"), path.lastIndexOf("/"));
  return i < 0 ? path : path.slice(i + 1);
}

function isIpv4(s: string): boolean {
  let parts = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || value > 255) return false;
      parts++;
      digits = 0;
      value = 0;
    } else if (c >= 48 && c <= 57) {
      if (++digits > 3) return false;
      value = value * 10 + (c - 48);
    } else return false;
  }
  return parts === 4;
}

function isIpv6(s: string): boolean {
  if (s.length < 2 || s.length > 45 || !s.includes(":")) return false;
  const lastColon = s.lastIndexOf(":");
  const tail = s.slice(lastColon + 1);
  const head = tail.includes(".") ? s.slice(0, lastColon + 1) : s;
  if (tail.includes(".") && !isIpv4(tail)) return false;
  for (let i = 0; i < head.length; i++) {
    const c = head.charCodeAt(i);
    const hex = (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || c === 58;
    if (!hex) return false;
  }
  return !s.includes(":::");
}

/** Names and addresses repeat (every event of a host carries its Computer): what they parse to is remembered. */
const MEMO_SIZE = 4096;
const hostKeys = new Map<string, string | null>();
const addresses = new Map<string, string | null>();

/**
 * The address in a field value in its normal form, or null when the value is no IP address. Accepts
 * `10.0.2.16:52202`, `[10.0.2.16]:59407`, `::ffff:10.0.0.5`, `fe80::1%12`.
 */
export function parseAddress(raw: unknown): string | null {
  if (typeof raw !== "string") return null;
  const known = addresses.get(raw);
  if (known !== undefined) return known;
  const address = computeAddress(raw);
  if (addresses.size >= MEMO_SIZE) addresses.clear();
  addresses.set(raw, address);
  return address;
}

function computeAddress(raw: string): string | null {
  let s = raw.trim();
  if (s.length < 2 || s.length > 64) return null;
  if (s.charCodeAt(0) === 91) {
    const end = s.indexOf("]");
    if (end < 0) return null;
    s = s.slice(1, end);
  } else {
    const colon = s.indexOf(":");
    if (colon > 0 && colon === s.lastIndexOf(":") && s.includes(".")) s = s.slice(0, colon);
  }
  const zone = s.indexOf("%");
  if (zone > 0) s = s.slice(0, zone);
  s = s.toLowerCase();
  if (s.startsWith("::ffff:") && s.includes(".")) s = s.slice(7);
  if (isIpv4(s) || isIpv6(s)) return s;
  return null;
}

/** Loopback and unspecified addresses: a connection from the host to itself, never a source. */
export function isLocalAddress(address: string): boolean {
  return (
    address.startsWith("127.") || address === "0.0.0.0" || address === "::1" || address === "::" || address === "0::1"
  );
}

/** RFC 1918, shared (100.64/10), link-local and IPv6 unique-local/link-local addresses: names for them are internal. */
export function isPrivateAddress(address: string): boolean {
  if (address.includes(":")) return address.startsWith("fc") || address.startsWith("fd") || address.startsWith("fe80");
  const [a, b] = address.split(".").map(Number);
  return (
    a === 10 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) ||
    (a === 100 && b >= 64 && b <= 127)
  );
}

/** A usable source or target address: an IP address that is not loopback or unspecified. */
export function remoteAddress(raw: unknown): string | null {
  const address = parseAddress(raw);
  return address === null || isLocalAddress(address) ? null : address;
}

const NOT_A_HOST = new Set(["", "-", ".", "localhost", "null", "unknown", "n/a", "local", "*"]);

/** The host key of a host name (`\\PC01.example.corp` -> `pc01`); null for no name, `-`, `localhost` or an address. */
export function hostKey(raw: unknown): string | null {
  if (typeof raw !== "string") return null;
  const known = hostKeys.get(raw);
  if (known !== undefined) return known;
  const key = computeHostKey(raw);
  if (hostKeys.size >= MEMO_SIZE) hostKeys.clear();
  hostKeys.set(raw, key);
  return key;
}

function computeHostKey(raw: string): string | null {
  let s = raw.trim();
  while (s.startsWith("\\")) s = s.slice(1);
  if (s.endsWith(".")) s = s.slice(0, -1);
  if (s.length === 0 || s.length > 255) return null;
  if (parseAddress(s) !== null) return null;
  const dot = s.indexOf(".");
  const short = (dot > 0 ? s.slice(0, dot) : s).toLowerCase();
  return NOT_A_HOST.has(short) ? null : short;
}

/** What a host-or-address field names: an address when it is one, else a host; null when it names nothing usable. */
export function endpointOf(raw: unknown): Endpoint | null {
  const text = textOf(raw);
  if (text === null) return null;
  const address = parseAddress(text);
  if (address !== null) return isLocalAddress(address) ? null : { kind: "address", key: address };
  const host = hostKey(text);
  return host === null ? null : { kind: "host", key: host };
}

/** An account as scoping keys and shows it. */
export interface AccountName {
  /** `user01`, or `pc01\administrator` for an account local to host pc01. */
  readonly key: string;
  /** As the evidence wrote it, qualified when the domain is known: `EXAMPLE\user01`. */
  readonly display: string;
  readonly domain: string | null;
  readonly name: string;
}

/** Principals of the operating system itself, on every host: never an intruder's account, never a link. */
const SYSTEM_ACCOUNTS = new Set([
  "system",
  "localsystem",
  "local system",
  "local service",
  "localservice",
  "network service",
  "networkservice",
  "anonymous logon",
  "anonymous",
  "window manager",
  "font driver host",
  "trustedinstaller",
]);
const SYSTEM_DOMAINS = new Set(["nt authority", "nt service", "window manager", "font driver host", "iis apppool"]);

/**
 * Splits `DOMAIN\name`, `name@domain` or `name` (with `domain` given apart); null for no account (`-`, empty, a SID).
 * `host` is the key of the host the event comes from: an account whose domain is that host is local to it.
 */
export function accountName(rawName: unknown, rawDomain: unknown, host: string | null): AccountName | null {
  let name = textOf(rawName)?.trim() ?? "";
  let domain = textOf(rawDomain)?.trim() ?? "";
  const slash = name.indexOf("\\");
  if (slash >= 0) {
    domain = name.slice(0, slash);
    name = name.slice(slash + 1);
  } else {
    const at = name.indexOf("@");
    if (at > 0) {
      domain = name.slice(at + 1);
      name = name.slice(0, at);
    }
  }
  if (name === "" || name === "-" || name.startsWith("S-1-") || name.length > 256) return null;
  if (domain === "-") domain = "";
  const lower = name.toLowerCase();
  const local = host !== null && domain !== "" && hostKey(domain) === host && !domain.includes(".");
  return {
    key: local ? `${host}\\${lower}` : lower,
    display: domain === "" ? name : `${domain}\\${name}`,
    domain: domain === "" ? null : domain,
    name,
  };
}

/** A machine account (`PC01$`): the computer itself authenticating. */
export function isMachineAccount(account: AccountName): boolean {
  return account.name.endsWith("$");
}

/**
 * Accounts that say nothing about who acted: the operating system's own principals (SYSTEM, LOCAL SERVICE, NETWORK
 * SERVICE, ANONYMOUS LOGON, `NT SERVICE\…`, `IIS APPPOOL\…`), desktop and font-driver sessions (`DWM-1`, `UMFD-0`) and
 * machine accounts.
 */
export function isCommonAccount(account: AccountName): boolean {
  if (isMachineAccount(account)) return true;
  const lower = account.name.toLowerCase();
  if (SYSTEM_ACCOUNTS.has(lower)) return true;
  if (lower.startsWith("dwm-") || lower.startsWith("umfd-")) return true;
  return account.domain !== null && SYSTEM_DOMAINS.has(account.domain.toLowerCase());
}

/** The host key a machine account stands for (`PC01$` -> `pc01`), or null. */
export function machineHost(account: AccountName): string | null {
  return isMachineAccount(account) ? hostKey(account.name.slice(0, -1)) : null;
}
