/**
 * The simulated critical-infrastructure network: a Windows domain (`CORP` / `corp.local`) spanning the IT zone,
 * an OT-DMZ at the IT/OT boundary (the jump server standing in for the advisory's vCenter server, a historian) and
 * the OT zone (engineering workstations and HMIs, domain-joined as AA24 describes), plus what has no logs of its
 * own: the edge firewall, controllers in the plant, and the intruder's SOHO routers and VPS.
 *
 * Addresses of the intruder's infrastructure come from the documentation ranges (RFC 5737), so no real party is
 * named; internet services the background talks to use Microsoft and Google ranges, as real traffic would.
 */
import type { Random } from "./random.js";

export type Zone = "IT" | "OT-DMZ" | "OT";

export type HostRole =
  | "domain-controller"
  | "file-server"
  | "backup-server"
  | "app-server"
  | "admin-workstation"
  | "workstation"
  | "jump-server"
  | "historian"
  | "engineering-workstation"
  | "hmi";

export type Criticality = "critical" | "high" | "medium" | "low";

export interface Host {
  /** NetBIOS name, upper case: what WorkstationName and TargetServerName carry. */
  readonly name: string;
  /** What System.Computer carries, the folder name of its logs and the `host` of ground truth and assets. */
  readonly fqdn: string;
  readonly ip: string;
  readonly zone: Zone;
  readonly role: HostRole;
  readonly criticality: Criticality;
  readonly server: boolean;
  /** Domain SID of the machine account (`NAME$`). */
  readonly sid: string;
  /** First GUID field of every Sysmon GUID on this host (Sysmon derives it from the machine GUID). */
  readonly guidPrefix: number;
  /** The person who works here (workstations), or null. */
  owner: Account | null;
}

export type AccountKind =
  | "builtin-admin"
  | "domain-admin"
  | "server-admin"
  | "helpdesk"
  | "engineer"
  | "operator"
  | "user"
  | "service";

export interface Account {
  readonly sam: string;
  /** NetBIOS domain name. */
  readonly domain: string;
  readonly sid: string;
  readonly kind: AccountKind;
  readonly displayName: string;
  /** Gets special privileges at logon (Security 4672). */
  readonly privileged: boolean;
  /** The workstation the person works from, if any. */
  readonly desk: Host | null;
}

/** A device of the plant (no Windows logs): what engineering workstations and HMIs talk to. */
export interface PlantDevice {
  readonly name: string;
  readonly ip: string;
  readonly port: number;
  readonly portName: string;
}

export interface Network {
  readonly domain: { readonly netbios: string; readonly dns: string; readonly sid: string };
  readonly hosts: readonly Host[];
  readonly accounts: readonly Account[];
  readonly byName: ReadonlyMap<string, Host>;
  readonly byIp: ReadonlyMap<string, Host>;
  /** Hosts of each role (empty lists for roles not present). */
  readonly roles: Readonly<Record<HostRole, readonly Host[]>>;
  readonly accountsOf: Readonly<Record<AccountKind, readonly Account[]>>;
  readonly edge: { readonly name: string; readonly insideIp: string; readonly vpnPool: string };
  readonly plant: readonly PlantDevice[];
  /** Internet services the background talks to: address, host name. */
  readonly internet: readonly (readonly [string, string])[];
  /** The intruder's relays: compromised SOHO routers (logon sources) and a VPS (FRP server). */
  readonly intruder: { readonly sohoRouters: readonly string[]; readonly vps: string };
}

export const MIN_HOSTS = 8;
export const MAX_HOSTS = 250;

const FIRST_NAMES = [
  "James",
  "Maria",
  "Robert",
  "Linda",
  "Michael",
  "Karen",
  "David",
  "Susan",
  "Daniel",
  "Nancy",
  "Thomas",
  "Lisa",
  "Mark",
  "Sandra",
  "Steven",
  "Ashley",
  "Paul",
  "Donna",
  "Andrew",
  "Carol",
  "Joshua",
  "Michelle",
  "Kevin",
  "Emily",
  "Brian",
  "Amanda",
  "George",
  "Melissa",
  "Edward",
  "Deborah",
  "Ronald",
  "Stephanie",
  "Timothy",
  "Rebecca",
  "Jason",
  "Laura",
  "Jeffrey",
  "Sharon",
  "Ryan",
  "Cynthia",
  "Gary",
  "Kathleen",
  "Nicholas",
  "Amy",
  "Eric",
  "Angela",
  "Jacob",
  "Helen",
  "Frank",
  "Anna",
  "Raymond",
  "Brenda",
  "Gregory",
  "Pamela",
  "Samuel",
  "Nicole",
  "Patrick",
  "Emma",
];
const LAST_NAMES = [
  "Miller",
  "Garcia",
  "Wilson",
  "Anderson",
  "Thomas",
  "Taylor",
  "Moore",
  "Jackson",
  "Martin",
  "Lee",
  "Thompson",
  "White",
  "Harris",
  "Clark",
  "Lewis",
  "Robinson",
  "Walker",
  "Young",
  "Allen",
  "King",
  "Wright",
  "Scott",
  "Torres",
  "Nguyen",
  "Hill",
  "Flores",
  "Green",
  "Adams",
  "Nelson",
  "Baker",
  "Hall",
  "Rivera",
  "Campbell",
  "Mitchell",
  "Carter",
  "Roberts",
  "Phillips",
  "Evans",
  "Turner",
  "Parker",
  "Collins",
  "Edwards",
  "Stewart",
  "Morris",
  "Murphy",
  "Cook",
  "Rogers",
  "Morgan",
  "Peterson",
  "Cooper",
  "Reed",
  "Bailey",
  "Bell",
  "Kelly",
  "Howard",
  "Ward",
  "Cox",
  "Brooks",
];

/** Hosts beyond the core, in the order they join as --hosts grows; the rest are workstations. */
const EXTRA_HOSTS: readonly { readonly from: number; readonly name: string; readonly role: HostRole }[] = [
  { from: 13, name: "APP01", role: "app-server" },
  { from: 15, name: "HIST01", role: "historian" },
  { from: 16, name: "DC02", role: "domain-controller" },
  { from: 18, name: "HMI02", role: "hmi" },
  { from: 22, name: "EWS02", role: "engineering-workstation" },
  { from: 26, name: "FS02", role: "file-server" },
  { from: 30, name: "HMI03", role: "hmi" },
];

const ZONE_OF: Readonly<Record<HostRole, Zone>> = {
  "domain-controller": "IT",
  "file-server": "IT",
  "backup-server": "IT",
  "app-server": "IT",
  "admin-workstation": "IT",
  workstation: "IT",
  "jump-server": "OT-DMZ",
  historian: "OT-DMZ",
  "engineering-workstation": "OT",
  hmi: "OT",
};

const CRITICALITY_OF: Readonly<Record<HostRole, Criticality>> = {
  "domain-controller": "critical",
  "file-server": "high",
  "backup-server": "high",
  "app-server": "medium",
  "admin-workstation": "high",
  workstation: "low",
  "jump-server": "critical",
  historian: "high",
  "engineering-workstation": "critical",
  hmi: "critical",
};

const SERVER_ROLES: ReadonlySet<HostRole> = new Set([
  "domain-controller",
  "file-server",
  "backup-server",
  "app-server",
  "jump-server",
  "historian",
]);

function hostPlan(count: number): { name: string; role: HostRole }[] {
  const plan: { name: string; role: HostRole }[] = [
    { name: "DC01", role: "domain-controller" },
    { name: "FS01", role: "file-server" },
    { name: "BKP01", role: "backup-server" },
    { name: "ADM01", role: "admin-workstation" },
    { name: "JUMP01", role: "jump-server" },
    { name: "EWS01", role: "engineering-workstation" },
    { name: "HMI01", role: "hmi" },
  ];
  for (const extra of EXTRA_HOSTS) if (count >= extra.from) plan.push({ name: extra.name, role: extra.role });
  const workstations = count - plan.length;
  for (let i = 1; i <= workstations; i++) plan.push({ name: `WS${String(i).padStart(2, "0")}`, role: "workstation" });
  return plan;
}

/** Address plan: IT servers 10.10.1.0/24, admin 10.10.5.0/24, workstations from 10.10.20.101, OT-DMZ 10.20.1.0/24, OT 10.30.1.0/24. */
function addressOf(name: string, role: HostRole, index: number): string {
  const fixed: Record<string, string> = {
    DC01: "10.10.1.10",
    DC02: "10.10.1.11",
    FS01: "10.10.1.20",
    FS02: "10.10.1.21",
    BKP01: "10.10.1.30",
    APP01: "10.10.1.40",
    ADM01: "10.10.5.10",
    JUMP01: "10.20.1.10",
    HIST01: "10.20.1.20",
    EWS01: "10.30.1.10",
    EWS02: "10.30.1.11",
    HMI01: "10.30.1.21",
    HMI02: "10.30.1.22",
    HMI03: "10.30.1.23",
  };
  const known = fixed[name];
  if (known !== undefined) return known;
  if (role !== "workstation") throw new Error(`no address for ${name}`);
  const n = 100 + index;
  return `10.10.${20 + Math.floor(n / 250)}.${1 + (n % 250)}`;
}

function emptyRoles<T>(): Record<HostRole, T[]> {
  return {
    "domain-controller": [],
    "file-server": [],
    "backup-server": [],
    "app-server": [],
    "admin-workstation": [],
    workstation: [],
    "jump-server": [],
    historian: [],
    "engineering-workstation": [],
    hmi: [],
  };
}

export function buildNetwork(hostCount: number, random: Random): Network {
  if (!Number.isInteger(hostCount) || hostCount < MIN_HOSTS || hostCount > MAX_HOSTS) {
    throw new RangeError(`hosts must be a whole number from ${MIN_HOSTS} to ${MAX_HOSTS}`);
  }
  const rng = random.fork("network");
  const domainSid = `S-1-5-21-${rng.int(1_000_000_000, 4_000_000_000)}-${rng.int(1_000_000_000, 4_000_000_000)}-${rng.int(1_000_000_000, 4_000_000_000)}`;
  const netbios = "CORP";
  const dns = "corp.local";
  let nextRid = 1000;

  const hosts: Host[] = [];
  const roles = emptyRoles<Host>();
  let workstationIndex = 0;
  for (const { name, role } of hostPlan(hostCount)) {
    const host: Host = {
      name,
      fqdn: `${name}.${dns}`,
      ip: addressOf(name, role, role === "workstation" ? ++workstationIndex : 0),
      zone: ZONE_OF[role],
      role,
      criticality: CRITICALITY_OF[role],
      server: SERVER_ROLES.has(role),
      sid: `${domainSid}-${nextRid++}`,
      guidPrefix: rng.uint32(),
      owner: null,
    };
    hosts.push(host);
    roles[role].push(host);
  }

  // People: shuffled names, so each seed has its own staff.
  const firsts = rng.sample(FIRST_NAMES, FIRST_NAMES.length);
  const lasts = rng.sample(LAST_NAMES, LAST_NAMES.length);
  let person = 0;
  const nextPerson = (): { first: string; last: string } => {
    const p = { first: firsts[person % firsts.length], last: lasts[(person * 7) % lasts.length] };
    person++;
    return p;
  };
  nextRid = 1104;
  const accounts: Account[] = [];
  const accountsOf: Record<AccountKind, Account[]> = {
    "builtin-admin": [],
    "domain-admin": [],
    "server-admin": [],
    helpdesk: [],
    engineer: [],
    operator: [],
    user: [],
    service: [],
  };
  const add = (sam: string, kind: AccountKind, displayName: string, desk: Host | null, rid = nextRid++): Account => {
    const account: Account = {
      sam,
      domain: netbios,
      sid: `${domainSid}-${rid}`,
      kind,
      displayName,
      // Services hold no special privileges, save backup (Backup Operators) and monitoring (local admin for WMI).
      privileged:
        kind === "service" ? sam === "svc_backup" || sam === "svc_monitor" : kind !== "user" && kind !== "operator",
      desk,
    };
    accounts.push(account);
    accountsOf[kind].push(account);
    return account;
  };

  add("Administrator", "builtin-admin", "Administrator", null, 500);
  const workstations = roles.workstation;
  const adminDesk = roles["admin-workstation"][0];
  // Staff who have a desk: engineers and helpdesk first, then everyone else; one person per workstation.
  const deskOwners: Account[] = [];
  const staff = (kind: "engineer" | "helpdesk", prefix: string): void => {
    for (let i = 0; i < 2; i++) {
      const p = nextPerson();
      const desk = workstations[deskOwners.length % workstations.length];
      const user = add(`${p.first.toLowerCase()}.${p.last.toLowerCase()}`, "user", `${p.first} ${p.last}`, desk);
      deskOwners.push(user);
      add(`${prefix}.${p.first[0].toLowerCase()}${p.last.toLowerCase()}`, kind, `${p.first} ${p.last} (${kind})`, desk);
    }
  };
  for (let i = 0; i < 2; i++) {
    const p = nextPerson();
    add(
      `adm.${p.first[0].toLowerCase()}${p.last.toLowerCase()}`,
      "domain-admin",
      `${p.first} ${p.last} (admin)`,
      adminDesk,
    );
  }
  for (let i = 0; i < 2; i++) {
    const p = nextPerson();
    add(
      `sa.${p.first[0].toLowerCase()}${p.last.toLowerCase()}`,
      "server-admin",
      `${p.first} ${p.last} (server admin)`,
      adminDesk,
    );
  }
  staff("engineer", "eng");
  staff("helpdesk", "hd");
  while (deskOwners.length < workstations.length + 6) {
    const p = nextPerson();
    const desk = deskOwners.length < workstations.length ? workstations[deskOwners.length] : null;
    deskOwners.push(add(`${p.first.toLowerCase()}.${p.last.toLowerCase()}`, "user", `${p.first} ${p.last}`, desk));
  }
  for (const ws of workstations) ws.owner = deskOwners.find((a) => a.desk === ws) ?? null;
  add("hmi.operator", "operator", "HMI Operator (shared)", null);
  add("svc_backup", "service", "Backup Service", null);
  add("svc_monitor", "service", "Monitoring Service", null);
  add("svc_historian", "service", "Historian Collector", null);
  add("svc_vpnldap", "service", "Firewall LDAP Bind", null);

  const soho = new Set<string>();
  while (soho.size < 3) soho.add(`203.0.113.${rng.int(2, 254)}`);
  return {
    domain: { netbios, dns, sid: domainSid },
    hosts,
    accounts,
    byName: new Map(hosts.map((h) => [h.name, h])),
    byIp: new Map(hosts.map((h) => [h.ip, h])),
    roles,
    accountsOf,
    edge: { name: "FW01", insideIp: "10.10.0.1", vpnPool: "10.10.250." },
    plant: [
      { name: "PLC-INTAKE", ip: "10.30.2.10", port: 44818, portName: "EtherNet/IP" },
      { name: "PLC-FILTER", ip: "10.30.2.11", port: 44818, portName: "EtherNet/IP" },
      { name: "PLC-PUMPS", ip: "10.30.2.12", port: 502, portName: "modbus" },
      { name: "RTU-SUBST", ip: "10.30.2.20", port: 20000, portName: "dnp" },
    ],
    internet: [
      ["13.107.4.52", "www.msftconnecttest.com"],
      ["20.190.151.7", "login.microsoftonline.com"],
      ["52.96.165.18", "outlook.office365.com"],
      ["13.107.42.14", "teams.microsoft.com"],
      ["142.250.72.100", "www.google.com"],
      ["52.109.8.19", "nexus.officeapps.live.com"],
      ["23.218.218.139", "ctldl.windowsupdate.com"],
      ["20.50.80.210", "v10.events.data.microsoft.com"],
    ],
    intruder: { sohoRouters: [...soho], vps: `198.51.100.${rng.int(2, 254)}` },
  };
}

/** `DOMAIN\user`, the form ground truth and Sysmon's User field use. */
export function qualifiedName(account: Account): string {
  return `${account.domain}\\${account.sam}`;
}
