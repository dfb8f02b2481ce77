/**
 * The background: what the network logs on ordinary days. Operating-system churn on every host (services,
 * scheduled tasks, Defender, updates, Sysmon file/registry/network events, service logons), Group Policy refreshes
 * against the domain controllers, people at their desks (console logons, Office, browsers, file shares, the odd
 * mistyped password), helpdesk and administrators at work, nightly backups, monitoring, software installs, the
 * engineers' path through the jump server into the OT zone, HMI operators on shift.
 *
 * Rules must tell use from abuse, so the background uses the intruder's own tools the way their owners do
 * (`LEGITIMATE_LOOKALIKES` lists them; the README of the rule pack should too):
 * - administrators (sa.*, adm.*) in Remote Desktop sessions on servers run `wmic os get caption`,
 *   `wmic logicaldisk get caption,freespace,size`, `wmic qfe list brief`, `netsh advfirewall firewall show rule
 *   name=all`, `netsh advfirewall show allprofiles`, `netsh interface ipv4 show addresses`, `ipconfig /all`,
 *   `vssadmin list shadows`, `net localgroup administrators`, and PowerShell `Get-Service`,
 *   `Get-EventLog -LogName System -Newest 50`, `Get-Process | Sort-Object CPU -Descending | Select-Object -First 10`;
 * - helpdesk (hd.*) connects by Remote Desktop from its desk to users' workstations and runs `ipconfig /all`,
 *   `gpupdate /force`, `net use`; creates accounts on the domain controller (4720) and adds them to groups (4732);
 * - domain admins (adm.*) use Remote Desktop to domain controllers, always from the admin workstation ADM01;
 *   server admins (sa.*) use it from ADM01 to member servers and the jump server;
 * - the backup software's agent (`C:\Program Files\Northwind\Backup Agent\nwbagent.exe`, account CORP\svc_backup)
 *   runs `C:\Windows\system32\vssadmin.exe create shadow /for=C:` and `vssadmin.exe list shadows` on servers
 *   every night, after a network logon from BKP01 (4624 type 3, 4672, 4648 on BKP01) and `\\*\C$` access (5140, 5145);
 * - monitoring (CORP\svc_monitor) logs on over the network from BKP01 to every server every 15 minutes;
 * - administrators push installers through `\\*\ADMIN$` (5140, 5145 `Temp\<setup>.msi`) and connect to `\\*\C$`;
 * - software installs create services with signed images under Program Files (7045) via msiexec.exe;
 * - a scheduled PowerShell script (`C:\Scripts\Check-DiskSpace.ps1`) runs hourly on servers as SYSTEM;
 * - ESENT 326/327 (and now and then 325 and 216) from Windows Search, SRUM and the catalog database;
 * - engineers (eng.*) connect by Remote Desktop from their desks to JUMP01 and from there to the engineering
 *   workstations, where they run Studio 5000 and RSLinx, which talk to the controllers.
 */

import type { Recorder } from "./actions.js";
import { imageInfo, imageOfCommand } from "./catalog.js";
import {
  ESENT_DATABASE_ATTACHED_326,
  ESENT_DATABASE_CREATED_325,
  ESENT_DATABASE_DETACHED_327,
  ESENT_LOCATION_CHANGE_216,
} from "./event-templates.js";
import { type Principal, type Process, principalOf, type Session } from "./host-state.js";
import type { Account, Host, Network } from "./network.js";
import type { Random } from "./random.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Business hours of the utility (US Eastern, UTC-5): 08:00-17:30 local, Monday to Friday. */
const LOCAL_OFFSET = -5 * HOUR;

function localHour(t: number): number {
  return new Date(t + LOCAL_OFFSET).getUTCHours() + new Date(t + LOCAL_OFFSET).getUTCMinutes() / 60;
}

function isWeekday(t: number): boolean {
  const d = new Date(t + LOCAL_OFFSET).getUTCDay();
  return d >= 1 && d <= 5;
}

/** Share of the business-hours rate of people's activity at time t. */
function officeIntensity(t: number): number {
  const h = localHour(t);
  if (!isWeekday(t)) return 0.03;
  if (h >= 8 && h < 17.5) return h >= 12 && h < 13 ? 0.6 : 1;
  if (h >= 7 && h < 19) return 0.25;
  return 0.02;
}

/** Start of the local day containing t (ms). */
function localDayStart(t: number): number {
  const local = t + LOCAL_OFFSET;
  return local - (local % (24 * HOUR)) - LOCAL_OFFSET;
}

/** The benign look-alikes of the intruder's tools, for rule authors (the module comment gives the context). */
export const LEGITIMATE_LOOKALIKES = {
  adminCommands: [
    "wmic os get caption",
    "wmic logicaldisk get caption,freespace,size",
    "wmic qfe list brief",
    "netsh advfirewall firewall show rule name=all",
    "netsh advfirewall show allprofiles",
    "netsh interface ipv4 show addresses",
    "ipconfig /all",
    "vssadmin list shadows",
    "net localgroup administrators",
  ],
  adminPowerShell: [
    "Get-Service",
    "Get-EventLog -LogName System -Newest 50",
    "Get-Process | Sort-Object CPU -Descending | Select-Object -First 10",
  ],
  helpdeskCommands: ["ipconfig /all", "gpupdate /force", "net use"],
  backupCommands: [
    "C:\\Windows\\system32\\vssadmin.exe create shadow /for=C:",
    "C:\\Windows\\system32\\vssadmin.exe list shadows",
  ],
} as const;

const BACKUP_AGENT = "C:\\Program Files\\Northwind\\Backup Agent\\nwbagent.exe";
const BACKUP_SERVER = "C:\\Program Files\\Northwind\\Backup Server\\nwbserver.exe";
const POWERSHELL = "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe";
const CMD = "C:\\Windows\\System32\\cmd.exe";
const DEFENDER = "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0";

/** Operating-system processes started now and then: parent, image, command line, session. */
type ChurnParent = "services" | "taskScheduler" | "dcomLaunch" | "netsvcs";
const OS_CHURN: readonly (readonly [ChurnParent, string, string, number])[] = [
  ["taskScheduler", "C:\\Windows\\System32\\taskhostw.exe", "taskhostw.exe Install $(Arg0)", 6],
  ["taskScheduler", "C:\\Windows\\System32\\taskhostw.exe", "taskhostw.exe SYSTEM", 4],
  [
    "dcomLaunch",
    "C:\\Windows\\System32\\dllhost.exe",
    "C:\\Windows\\system32\\DllHost.exe /Processid:{AB8902B4-09CA-4BB6-B78D-A8F59079A8D5}",
    5,
  ],
  [
    "services",
    "C:\\Windows\\System32\\svchost.exe",
    "C:\\Windows\\system32\\svchost.exe -k wusvcs -p -s WaaSMedicSvc",
    2,
  ],
  ["services", "C:\\Windows\\System32\\svchost.exe", "C:\\Windows\\System32\\svchost.exe -k netsvcs -p -s BITS", 2],
  [
    "services",
    "C:\\Windows\\System32\\svchost.exe",
    "C:\\Windows\\system32\\svchost.exe -k LocalSystemNetworkRestricted -p -s DsSvc",
    1,
  ],
  ["services", "C:\\Windows\\servicing\\TrustedInstaller.exe", "C:\\Windows\\servicing\\TrustedInstaller.exe", 1],
  ["services", "C:\\Windows\\System32\\sppsvc.exe", "C:\\Windows\\system32\\sppsvc.exe", 2],
  [
    "dcomLaunch",
    "C:\\Windows\\WinSxS\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.17763.6293_none_5697f5a3b7e8c2f1\\TiWorker.exe",
    "C:\\Windows\\winsxs\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.17763.6293_none_5697f5a3b7e8c2f1\\TiWorker.exe -Embedding",
    1,
  ],
  [
    "taskScheduler",
    `${DEFENDER}\\MpCmdRun.exe`,
    `"${DEFENDER}\\MpCmdRun.exe" -IdleTask -TaskName WdCacheMaintenance`,
    1,
  ],
  [
    "taskScheduler",
    `${DEFENDER}\\MpCmdRun.exe`,
    `"${DEFENDER}\\MpCmdRun.exe" SignatureUpdate -ScheduleJob -RestrictPrivileges`,
    2,
  ],
  [
    "taskScheduler",
    "C:\\Windows\\System32\\CompatTelRunner.exe",
    "C:\\Windows\\system32\\compattelrunner.exe -m:appraiser.dll -f:DoScheduledTelemetryRun",
    1,
  ],
  ["taskScheduler", "C:\\Windows\\System32\\wbem\\WmiApSrv.exe", "C:\\Windows\\system32\\wbem\\WmiApSrv.exe", 1],
  ["netsvcs", "C:\\Windows\\System32\\wuauclt.exe", '"C:\\Windows\\system32\\wuauclt.exe" /RunHandlerComServer', 2],
  ["services", "C:\\Windows\\System32\\msiexec.exe", "C:\\Windows\\system32\\msiexec.exe /V", 1],
  [
    "dcomLaunch",
    "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe",
    "C:\\Windows\\system32\\wbem\\wmiprvse.exe -Embedding",
    2,
  ],
  ["taskScheduler", "C:\\Windows\\System32\\sc.exe", "C:\\Windows\\system32\\sc.exe start wuauserv", 1],
  [
    "taskScheduler",
    "C:\\Windows\\System32\\schtasks.exe",
    'C:\\Windows\\system32\\schtasks.exe /query /tn "\\Microsoft\\Windows\\WindowsUpdate\\Scheduled Start"',
    1,
  ],
];
/** Workstation-only churn (search indexer, shell). */
const WORKSTATION_CHURN: readonly (readonly [ChurnParent, string, string, number])[] = [
  [
    "services",
    "C:\\Windows\\System32\\SearchProtocolHost.exe",
    '"C:\\Windows\\system32\\SearchProtocolHost.exe" Global\\UsGthrFltPipeMssGthrPipe5_ Global\\UsGthrCtrlFltPipeMssGthrPipe5 1 -2147483646 "Software\\Microsoft\\Windows Search" "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT; MS Search 4.0 Robot)" "C:\\ProgramData\\Microsoft\\Search\\Data\\Temp\\usgthrsvc" "DownLevelDaemon"',
    5,
  ],
  [
    "services",
    "C:\\Windows\\System32\\SearchFilterHost.exe",
    '"C:\\Windows\\system32\\SearchFilterHost.exe" 0 808 812 820 8192 816 796',
    4,
  ],
  [
    "taskScheduler",
    "C:\\Windows\\System32\\backgroundTaskHost.exe",
    '"C:\\Windows\\system32\\backgroundTaskHost.exe" -ServerName:BackgroundTaskHost.WebAccountBackgroundTask',
    2,
  ],
];

/** What the churn's processes write, by image name: files (Sysmon 11) and registry values (Sysmon 13). */
const CHURN_WRITES: Readonly<
  Record<string, { readonly files?: readonly string[]; readonly registry?: readonly (readonly [string, string])[] }>
> = {
  "mpcmdrun.exe": {
    files: [
      "C:\\Windows\\Temp\\MpCmdRun.log",
      "C:\\ProgramData\\Microsoft\\Windows Defender\\Scans\\mpcache-B9C3E3C0E3.bin",
    ],
    registry: [
      ["HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates\\SignaturesLastUpdated", "Binary Data"],
    ],
  },
  "wuauclt.exe": {
    files: ["C:\\Windows\\SoftwareDistribution\\DataStore\\Logs\\tmp.edb"],
    registry: [
      [
        "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Orchestrator\\LastScanTime",
        "QWORD (0x01db8c0a-0x3e1f2a00)",
      ],
    ],
  },
  "svchost.exe": {
    registry: [
      [
        "HKLM\\System\\CurrentControlSet\\Services\\W32Time\\Config\\LastKnownGoodTime",
        "QWORD (0x01db8c0b-0x1a2b3c4d)",
      ],
    ],
  },
  "tiworker.exe": { files: ["C:\\Windows\\Logs\\CBS\\CBS.log"] },
  "trustedinstaller.exe": { files: ["C:\\Windows\\Logs\\CBS\\CBS.persist.log"] },
  "taskhostw.exe": {
    registry: [
      [
        "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tree\\Microsoft\\Windows\\UpdateOrchestrator\\Schedule Scan\\Index",
        "DWORD (0x00000003)",
      ],
    ],
  },
  "compattelrunner.exe": { files: ["C:\\Windows\\appcompat\\Programs\\Amcache.hve.tmp"] },
  "sppsvc.exe": {
    registry: [
      [
        "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\SoftwareProtectionPlatform\\ServiceSessionId",
        "Binary Data",
      ],
    ],
  },
  "searchprotocolhost.exe": { files: ["C:\\ProgramData\\Microsoft\\Search\\Data\\Applications\\Windows\\MSS.log"] },
};

/** Internet services the operating system itself talks to (updates, telemetry, connectivity checks). */
const OS_SERVICES = new Set(["www.msftconnecttest.com", "ctldl.windowsupdate.com", "v10.events.data.microsoft.com"]);

const SHARE_FILES = [
  "Operations\\Daily Reports\\plant-status.xlsx",
  "Operations\\Shift Logs\\shift-handover.docx",
  "Finance\\Budget FY25.xlsx",
  "HR\\Policies\\Remote Work Policy.pdf",
  "Engineering\\Drawings\\Pump Station 3 - P&ID.pdf",
  "Engineering\\Procedures\\Filter Backwash SOP.docx",
  "IT\\Software\\Installers\\7z2301-x64.msi",
  "Safety\\Incident Reports\\2025-Q1.xlsx",
];

const SOFTWARE: readonly { name: string; image: string; installer: string; start: string; account: string }[] = [
  {
    name: "gupdate",
    image: '"C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe" /svc',
    installer: "GoogleUpdateSetup.msi",
    start: "auto start",
    account: "LocalSystem",
  },
  {
    name: "edgeupdate",
    image: '"C:\\Program Files (x86)\\Microsoft\\EdgeUpdate\\MicrosoftEdgeUpdate.exe" /svc',
    installer: "MicrosoftEdgeEnterpriseX64.msi",
    start: "auto start",
    account: "LocalSystem",
  },
  {
    name: "MozillaMaintenance",
    image: '"C:\\Program Files (x86)\\Mozilla Maintenance Service\\maintenanceservice.exe"',
    installer: "Firefox Setup 133.0.msi",
    start: "demand start",
    account: "LocalSystem",
  },
  {
    name: "AdobeARMservice",
    image: '"C:\\Program Files (x86)\\Common Files\\Adobe\\ARM\\1.0\\armsvc.exe"',
    installer: "AcroRdrDCx642400420220_MUI.msi",
    start: "auto start",
    account: "LocalSystem",
  },
  {
    name: "VMTools",
    image: '"C:\\Program Files\\VMware\\VMware Tools\\vmtoolsd.exe"',
    installer: "VMware Tools64.msi",
    start: "auto start",
    account: "LocalSystem",
  },
];

const ESENT_DATABASES: readonly (readonly [string, string, string])[] = [
  ["SearchIndexer", "Windows: ", "C:\\ProgramData\\Microsoft\\Search\\Data\\Applications\\Windows\\Windows.edb"],
  ["svchost", "SRUJet: ", "C:\\Windows\\system32\\SRU\\SRUDB.dat"],
  ["Catalog Database", "", "C:\\Windows\\system32\\catroot2\\{F750E6C3-38EE-11D1-85E5-00C04FC295EE}\\catdb"],
  ["taskhostw", "WebCacheLocal: ", "C:\\Users\\Default\\AppData\\Local\\Microsoft\\Windows\\WebCache\\WebCacheV01.dat"],
];

/** A person at a desk (or an operator at an HMI console): the session and the programs it runs. */
interface Desk {
  readonly account: Account;
  readonly session: Session;
  readonly explorer: Process;
  readonly browser: Process | null;
  readonly outlook: Process | null;
  readonly since: number;
  readonly until: number;
}

interface HostRoutine {
  readonly host: Host;
  readonly rng: Random;
  desk: Desk | null;
  /** Time of the next Group Policy refresh. */
  nextGpo: number;
  /** The day (local midnight) the desk plan was made for. */
  plannedDay: number;
  plannedLogon: number | null;
  /** Long-running service processes. */
  readonly backupAgent: Process | null;
  readonly backupServer: Process | null;
  readonly hmiViewer: { process: Process | null };
}

export class Background {
  private readonly routines: HostRoutine[];
  private readonly net: Network;

  constructor(
    private readonly rec: Recorder,
    random: Random,
    private readonly window: { readonly start: number; readonly end: number },
  ) {
    this.net = rec.network;
    const rng = random.fork("background");
    this.routines = this.net.hosts.map((host) => {
      const hostRng = rng.fork(host.name);
      const state = rec.state(host);
      const backupAccount = this.account("svc_backup");
      const backupSession = state.logon(principalOf(backupAccount), "High", 0, window.start - 2 * HOUR);
      const protectedServer = host.server && host.role !== "backup-server";
      return {
        host,
        rng: hostRng,
        desk: null,
        nextGpo: window.start + hostRng.real(0, 90) * MINUTE,
        plannedDay: -1,
        plannedLogon: null,
        backupAgent: protectedServer
          ? state.process(
              window.start - 2 * HOUR,
              BACKUP_AGENT,
              `"${BACKUP_AGENT}" -service`,
              backupSession,
              "C:\\Windows\\system32\\",
            )
          : null,
        backupServer:
          host.role === "backup-server"
            ? state.process(
                window.start - 2 * HOUR,
                BACKUP_SERVER,
                `"${BACKUP_SERVER}"`,
                backupSession,
                "C:\\Windows\\system32\\",
              )
            : null,
        hmiViewer: { process: null },
      };
    });
  }

  private account(sam: string): Account {
    const a = this.net.accounts.find((x) => x.sam === sam);
    if (a === undefined) throw new Error(`no account ${sam}`);
    return a;
  }

  /** Emits the background of [from, to) into the recorder's sink (records may run a little past `to`). */
  generate(from: number, to: number): void {
    for (const r of this.routines) {
      this.osChurn(r, from, to);
      this.groupPolicy(r, from, to);
      this.desk(r, from, to);
      this.esent(r, from, to);
      if (r.host.server) this.scheduledScript(r, from, to);
      if (r.host.role === "backup-server") {
        this.backups(r, from, to);
        this.monitoring(r, from, to);
      }
      if (r.host.role === "admin-workstation") this.administration(r, from, to);
      if (r.host.role === "hmi") this.plantPolling(r, from, to);
      if (r.host.role === "historian") this.historian(r, from, to);
      if (r.host.role === "domain-controller") this.firewallBinds(r, from, to);
    }
    this.helpdesk(from, to);
    this.engineers(from, to);
    this.remoteWork(from, to);
    this.softwareInstalls(from, to);
  }

  /** `count` times spread over [from, to) as a Poisson process of `perHour` at full intensity. */
  private times(rng: Random, from: number, to: number, perHour: number, intensity = 1): number[] {
    const n = rng.poisson(((to - from) / HOUR) * perHour * intensity);
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(rng.real(from, to));
    return out.sort((a, b) => a - b);
  }

  // ---- the operating system ----------------------------------------------------------------------------------

  private osChurn(r: HostRoutine, from: number, to: number): void {
    const { host, rng } = r;
    const state = this.rec.state(host);
    const churn = host.server || host.role === "hmi" ? OS_CHURN : [...OS_CHURN, ...WORKSTATION_CHURN];
    const weights = churn.map((c) => [c, c[3]] as const);
    const rate = host.role === "domain-controller" ? 70 : host.server ? 45 : 35;
    for (const t of this.times(rng, from, to, rate)) {
      const [parentName, image, commandLine] = rng.weighted(weights);
      const parent = state[parentName];
      const proc = this.rec.spawn(host, t, parent, image, commandLine, { session: state.system });
      if (rng.chance(0.3)) {
        this.rec.spawn(
          host,
          t + rng.real(5, 40),
          proc,
          "C:\\Windows\\System32\\conhost.exe",
          "\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1",
        );
      }
      const name = image.slice(image.lastIndexOf("\\") + 1).toLowerCase();
      // SysMain records every program start in a prefetch file.
      if (!host.server && rng.chance(0.3)) {
        this.rec.createFile(
          host,
          t + rng.real(5000, 15_000),
          state.netsvcs,
          `C:\\Windows\\Prefetch\\${name.toUpperCase()}-${prefetchHash(image)}.pf`,
        );
      }
      const writes = CHURN_WRITES[name];
      if (writes?.files !== undefined && rng.chance(0.7)) {
        this.rec.createFile(host, t + rng.real(100, 3000), proc, rng.pick(writes.files));
      }
      if (writes?.registry !== undefined && rng.chance(0.7)) {
        const [key, details] = rng.pick(writes.registry);
        this.rec.setRegistryValue(host, t + rng.real(100, 3000), proc, key, details);
      }
    }
    // Service and task logons of SYSTEM: the bulk of any Security log.
    for (const t of this.times(rng, from, to, host.server ? 18 : 10)) {
      this.rec.logon(host, t, { principal: state.system.principal, type: 5 });
    }
    // Name resolution, directory and update traffic.
    const dc = this.pickDc(rng, host);
    for (const t of this.times(rng, from, to, host.server ? 14 : 10)) {
      if (dc !== host && rng.chance(0.7)) {
        this.rec.connectHosts(host, t, state.networkServiceHost, dc, rng.pick([53, 88, 389, 445, 135]), null);
      } else {
        const [ip, name] = rng.pick(this.net.internet.filter(([, n]) => OS_SERVICES.has(n)));
        this.rec.connect(host, t, state.netsvcs, {
          initiated: true,
          sourceIp: host.ip,
          sourceHostname: host.fqdn,
          sourcePort: this.rec.ephemeralPort(),
          destinationIp: ip,
          destinationHostname: name,
          destinationPort: 443,
        });
      }
    }
  }

  private pickDc(rng: Random, host: Host): Host {
    const dcs = this.net.roles["domain-controller"];
    const others = dcs.filter((d) => d !== host);
    return others.length > 0 ? rng.pick(others) : dcs[0];
  }

  /** Every 90 minutes (±30) each computer reads its policies from SYSVOL on a domain controller. */
  private groupPolicy(r: HostRoutine, from: number, to: number): void {
    const { host, rng } = r;
    while (r.nextGpo < to) {
      const t = r.nextGpo;
      r.nextGpo += rng.real(60, 120) * MINUTE;
      if (t < from) continue;
      const dc = this.pickDc(rng, host);
      if (dc === host) continue;
      const machine: Principal = {
        name: `${host.name}$`,
        domain: this.net.domain.netbios,
        sid: host.sid,
        account: null,
      };
      this.rec.connectHosts(host, t, this.rec.state(host).netsvcs, dc, 445, null);
      const session = this.rec.logon(dc, t + rng.real(20, 200), {
        principal: machine,
        type: 3,
        source: { ip: host.ip, workstation: host.name },
        integrity: "Medium",
      });
      this.rec.shareAccess(dc, t + rng.real(250, 600), session, {
        share: "\\\\*\\SYSVOL",
        localPath: "\\??\\C:\\Windows\\SYSVOL\\sysvol",
        source: { ip: host.ip, workstation: host.name },
        files: [
          `${this.net.domain.dns}\\Policies\\{31B2F340-016D-11D2-945F-00C04FB984F9}\\gpt.ini`,
          `${this.net.domain.dns}\\Policies\\{6AC1786C-016F-11D2-945F-00C04FB984F9}\\gpt.ini`,
        ],
      });
    }
  }

  // ---- people at their desks ---------------------------------------------------------------------------------

  /** Who sits at a host: the owner of a workstation, an administrator at ADM01, the shift operator at an HMI. */
  private deskAccount(r: HostRoutine): Account | null {
    const { host, rng } = r;
    if (host.role === "workstation") return host.owner;
    if (host.role === "admin-workstation") {
      return rng.pick([...this.net.accountsOf["server-admin"], ...this.net.accountsOf["domain-admin"]]);
    }
    if (host.role === "hmi") return this.net.accountsOf.operator[0] ?? null;
    return null;
  }

  private desk(r: HostRoutine, from: number, to: number): void {
    const { host, rng } = r;
    const hmi = host.role === "hmi";
    if (!hmi && host.role !== "workstation" && host.role !== "admin-workstation") return;
    if (hmi) {
      // Staffed around the clock: a shift is on at the start, and a new one logs on at 06:00 and 18:00 local time.
      if (r.plannedLogon === null) r.plannedLogon = this.window.start + rng.real(1, 20) * MINUTE;
    } else {
      const day = localDayStart(from);
      if (r.plannedDay !== day) {
        r.plannedDay = day;
        // Someone is off now and then; the admin workstation is staffed every working day.
        const present = host.role === "admin-workstation" || rng.chance(0.92);
        r.plannedLogon = isWeekday(day + 12 * HOUR) && present ? day + rng.real(7.5, 9.2) * HOUR : null;
      }
    }
    while (r.plannedLogon !== null && r.plannedLogon < to) {
      const t = r.plannedLogon;
      r.plannedLogon = hmi ? nextShiftChange(t) + rng.real(-10, 10) * MINUTE : null;
      if (t < from) continue;
      const account = this.deskAccount(r);
      if (account === null) continue;
      if (r.desk !== null && r.desk.until > t) this.workAtDesk(r, r.desk, from, t);
      r.desk = this.consoleLogon(r, t, account);
    }
    const desk = r.desk;
    if (desk === null) return;
    if (desk.until < from) {
      r.desk = null;
      return;
    }
    this.workAtDesk(r, desk, from, Math.min(to, desk.until));
  }

  private consoleLogon(r: HostRoutine, t: number, account: Account): Desk {
    const { host, rng } = r;
    const state = this.rec.state(host);
    if (rng.chance(0.06))
      this.rec.failedLogon(host, t - rng.real(10, 40) * 1000, {
        name: account.sam,
        type: 2,
        source: { ip: "127.0.0.1", workstation: host.name },
        auth: "Negotiate",
      });
    const session = this.rec.logon(host, t, {
      principal: principalOf(account),
      type: 2,
      elevated: false,
      integrity: account.privileged ? "High" : "Medium",
    });
    this.rec.sessionLogon(host, t + rng.real(1500, 3000), session, "LOCAL");
    const userinit = this.rec.spawn(
      host,
      t + 3000,
      state.winlogon,
      "C:\\Windows\\System32\\userinit.exe",
      "C:\\Windows\\system32\\userinit.exe",
      { session, currentDirectory: "C:\\Windows\\system32\\" },
    );
    const explorer = this.rec.spawn(host, t + 3500, userinit, "C:\\Windows\\explorer.exe", "C:\\Windows\\Explorer.EXE");
    // Logon scripts and drive mappings reach the domain controller and the file server.
    const dc = this.pickDc(rng, host);
    const source = { ip: host.ip, workstation: host.name };
    const dcSession = this.rec.logon(dc, t + rng.real(1000, 4000), {
      principal: principalOf(account),
      type: 3,
      source,
      integrity: "Medium",
    });
    this.rec.shareAccess(dc, t + rng.real(4000, 6000), dcSession, {
      share: "\\\\*\\NETLOGON",
      localPath: "\\??\\C:\\Windows\\SYSVOL\\sysvol\\corp.local\\SCRIPTS",
      source,
      files: ["logon.cmd"],
    });
    if (host.role === "hmi") {
      const view = this.rec.spawn(
        host,
        t + 20_000,
        explorer,
        "C:\\Program Files (x86)\\Wonderware\\InTouch\\view.exe",
        '"C:\\Program Files (x86)\\Wonderware\\InTouch\\view.exe" "C:\\InTouch Applications\\Plant\\"',
      );
      r.hmiViewer.process = view;
      return {
        account,
        session,
        explorer,
        browser: null,
        outlook: null,
        since: t + 30_000,
        until: nextShiftChange(t) + 30 * MINUTE,
      };
    }
    const oneDrive = `C:\\Users\\${account.sam}\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe`;
    this.rec.spawn(host, t + 8000, explorer, oneDrive, `"${oneDrive}" /background`);
    const outlook = this.rec.spawn(
      host,
      t + rng.real(30, 300) * 1000,
      explorer,
      "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
      '"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE" ',
    );
    const chrome = rng.chance(0.5);
    const browserImage = chrome
      ? "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe"
      : "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe";
    const browser = this.rec.spawn(host, t + rng.real(60, 600) * 1000, explorer, browserImage, `"${browserImage}" `);
    return {
      account,
      session,
      explorer,
      browser,
      outlook,
      since: t + 15 * MINUTE,
      until: t + rng.real(8.2, 9.5) * HOUR,
    };
  }

  private workAtDesk(r: HostRoutine, desk: Desk, since: number, to: number): void {
    const { host, rng } = r;
    const from = Math.max(since, desk.since);
    if (to <= from) return;
    const intensity = host.role === "hmi" ? 1 : officeIntensity((from + to) / 2) > 0.5 ? 1 : 0.3;
    // Browsing and mail.
    for (const t of this.times(rng, from, to, 14, intensity)) {
      const proc = rng.chance(0.7) ? desk.browser : desk.outlook;
      if (proc === null) continue;
      const [ip, name] = rng.pick(this.net.internet);
      this.rec.connect(host, t, proc, {
        initiated: true,
        sourceIp: host.ip,
        sourceHostname: host.fqdn,
        sourcePort: this.rec.ephemeralPort(),
        destinationIp: ip,
        destinationHostname: name,
        destinationPort: 443,
      });
      if (rng.chance(0.3))
        this.rec.createFile(
          host,
          t + rng.real(200, 2000),
          proc,
          `C:\\Users\\${desk.account.sam}\\AppData\\Local\\Temp\\${rng.hex(8)}.tmp`,
        );
      // A new tab or site: the browser starts a renderer.
      if (proc === desk.browser && rng.chance(0.35)) {
        this.rec.spawn(
          host,
          t + rng.real(5, 50),
          proc,
          proc.image,
          `"${proc.image}" --type=renderer --lang=en-US --js-flags=--ms-user-locale= --device-scale-factor=1 --num-raster-threads=2 --enable-main-frame-before-activation --renderer-client-id=${rng.int(5, 400)} --mojo-platform-channel-handle=${rng.int(2000, 9000)} /prefetch:1`,
          { integrity: "Medium" },
        );
      }
    }
    // Office documents, some from the file server.
    for (const t of this.times(rng, from, to, 1.5, intensity)) {
      const app = rng.pick(["EXCEL.EXE", "WINWORD.EXE"]);
      const file = rng.pick(SHARE_FILES);
      const image = `C:\\Program Files\\Microsoft Office\\root\\Office16\\${app}`;
      const proc = this.rec.spawn(host, t, desk.explorer, image, `"${image}" /n "\\\\FS01\\Shared\\${file}"`);
      this.fileShare(r, t + 500, desk.account, [file]);
      this.rec.createFile(
        host,
        t + rng.real(2000, 60_000),
        proc,
        `C:\\Users\\${desk.account.sam}\\AppData\\Roaming\\Microsoft\\Office\\Recent\\${file.split("\\").pop()}.LNK`,
      );
      this.rec.setRegistryValue(
        host,
        t + rng.real(2000, 10_000),
        proc,
        `HKU\\${desk.account.sid}\\Software\\Microsoft\\Office\\16.0\\${app === "EXCEL.EXE" ? "Excel" : "Word"}\\Reading Locations\\Document 0\\File Path`,
        `\\\\FS01\\Shared\\${file}`,
      );
    }
    // Screen locks and unlocks.
    for (const t of this.times(rng, from, to, 0.5, intensity)) {
      if (rng.chance(0.04))
        this.rec.failedLogon(host, t - 8000, {
          name: desk.account.sam,
          type: 7,
          source: { ip: "127.0.0.1", workstation: host.name },
          auth: "Negotiate",
        });
      this.rec.logon(host, t, {
        principal: principalOf(desk.account),
        type: 7,
        elevated: false,
        integrity: desk.session.integrity,
      });
    }
    // The shell now and then.
    for (const t of this.times(rng, from, to, 1, intensity)) {
      this.rec.spawn(
        host,
        t,
        this.rec.state(host).dcomLaunch,
        "C:\\Windows\\System32\\RuntimeBroker.exe",
        "C:\\Windows\\System32\\RuntimeBroker.exe -Embedding",
        { session: desk.session },
      );
      this.rec.setRegistryValue(
        host,
        t + 300,
        desk.explorer,
        `HKU\\${desk.account.sid}\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\RecentDocs\\.xlsx\\MRUListEx`,
        "Binary Data",
      );
    }
  }

  /** A person opens files on a file server: network logon, 5140 and 5145 there. */
  private fileShare(r: HostRoutine, t: number, account: Account, files: readonly string[]): void {
    const servers = this.net.roles["file-server"];
    const fs = r.rng.pick(servers);
    const source = { ip: r.host.ip, workstation: r.host.name };
    const session = this.rec.logon(fs, t, { principal: principalOf(account), type: 3, source, integrity: "Medium" });
    this.rec.shareAccess(fs, t + r.rng.real(50, 400), session, {
      share: "\\\\*\\Shared",
      localPath: "\\??\\D:\\Shares\\Shared",
      source,
      files,
    });
  }

  // ---- helpdesk, administrators, engineers --------------------------------------------------------------------

  private helpdesk(from: number, to: number): void {
    const staff = this.net.accountsOf.helpdesk;
    const workstations = this.net.roles.workstation;
    for (const hd of staff) {
      const deskHost = hd.desk;
      if (deskHost === null) continue;
      const r = this.routineOf(deskHost);
      const desk = r.desk;
      if (desk === null) continue;
      const { rng } = r;
      const targets = workstations.filter((w) => w !== deskHost);
      for (const t of this.times(rng, from, to, 0.6, officeIntensity(t0(from, to)))) {
        if (targets.length === 0) break;
        const target = rng.pick(targets);
        const { session, shell } = this.rec.remoteDesktop(deskHost, t, desk.explorer, target, hd);
        const cmd = this.rec.spawn(target, t + rng.real(60, 120) * 1000, shell, CMD, `"${CMD}" `, { session });
        let u = t + 150_000;
        for (const command of rng.sample(LEGITIMATE_LOOKALIKES.helpdeskCommands, rng.int(1, 2))) {
          u += rng.real(10, 60) * 1000;
          this.rec.spawn(target, u, cmd, imageOfCommand(command), command);
        }
        if (rng.chance(0.3)) {
          const back = u + rng.real(5, 30) * MINUTE;
          this.rec.rdpAuthenticated(target, back - 1500, hd, deskHost.ip);
          this.rec.logon(target, back, {
            principal: principalOf(hd),
            type: 7,
            source: { ip: deskHost.ip, workstation: deskHost.name },
            terminalSession: session.terminalSession,
          });
          this.rec.sessionReconnect(target, back + 800, session, deskHost.ip);
        }
      }
      // Now and then a new account for a new hire, and a group membership.
      for (const t of this.times(rng, from, to, 0.06, officeIntensity(t0(from, to)))) {
        const dc = this.net.roles["domain-controller"][0];
        const session = this.rec.logon(dc, t, {
          principal: principalOf(hd),
          type: 3,
          source: { ip: deskHost.ip, workstation: deskHost.name },
        });
        const sam = `${rng.pick(["j", "m", "a", "k", "s"])}.${rng.pick(["novak", "silva", "okafor", "lindqvist", "brennan", "tanaka"])}${rng.int(1, 9)}`;
        const sid = `${this.net.domain.sid}-${rng.int(5000, 9000)}`;
        this.rec.userCreated(dc, t + 2000, session, { sam, sid, displayName: sam });
        this.rec.groupMemberAdded(
          dc,
          t + rng.real(5000, 30_000),
          session,
          { name: `CN=${sam},OU=Staff,DC=corp,DC=local`, sid },
          { name: "Remote Desktop Users", domain: "Builtin", sid: "S-1-5-32-555" },
        );
      }
    }
  }

  private routineOf(host: Host): HostRoutine {
    return this.routines[this.net.hosts.indexOf(host)];
  }

  /** Administrators at ADM01: Remote Desktop to servers and the domain controllers, admin tools, share use. */
  private administration(r: HostRoutine, from: number, to: number): void {
    const { host, rng } = r;
    const desk = r.desk;
    if (desk === null) return;
    const intensity = officeIntensity(t0(from, to));
    const servers = this.net.hosts.filter((h) => h.server && h.role !== "domain-controller");
    for (const t of this.times(rng, from, to, 0.7, intensity)) {
      const domainAdmin = rng.chance(0.3);
      const account = rng.pick(domainAdmin ? this.net.accountsOf["domain-admin"] : this.net.accountsOf["server-admin"]);
      const target = rng.pick(domainAdmin ? this.net.roles["domain-controller"] : servers);
      const { session, shell } = this.rec.remoteDesktop(host, t, desk.explorer, target, account);
      this.adminSession(target, t + rng.real(60, 120) * 1000, session, shell, rng);
    }
    // Connections to administrative shares, and installers pushed through ADMIN$.
    for (const t of this.times(rng, from, to, 0.4, intensity)) {
      const target = rng.pick(this.net.hosts.filter((h) => h !== host));
      const account = rng.pick(this.net.accountsOf["server-admin"]);
      const source = { ip: host.ip, workstation: host.name };
      const session = this.rec.logon(target, t, { principal: principalOf(account), type: 3, source });
      if (rng.chance(0.5)) {
        this.rec.shareAccess(target, t + 300, session, {
          share: "\\\\*\\C$",
          localPath: "\\??\\C:\\",
          source,
          files: ["Windows\\Logs\\CBS\\CBS.log", "inetpub\\logs"],
        });
      } else {
        const installer = rng.pick(SOFTWARE).installer;
        this.rec.shareAccess(target, t + 300, session, {
          share: "\\\\*\\ADMIN$",
          localPath: "\\??\\C:\\Windows",
          source,
          files: [`Temp\\${installer}`],
          accessMask: 0x2,
        });
      }
    }
  }

  /** What an administrator does in a Remote Desktop session on a server. */
  private adminSession(host: Host, start: number, session: Session, shell: Process, rng: Random): void {
    let t = start;
    if (rng.chance(0.6)) {
      const cmd = this.rec.spawn(host, t, shell, CMD, `"${CMD}" `, { session });
      for (const command of rng.sample(LEGITIMATE_LOOKALIKES.adminCommands, rng.int(1, 3))) {
        t += rng.real(15, 120) * 1000;
        const proc = this.rec.spawn(host, t, cmd, imageOfCommand(command), command);
        if (command.startsWith("net "))
          this.rec.spawn(
            host,
            t + 40,
            proc,
            "C:\\Windows\\System32\\net1.exe",
            `C:\\Windows\\system32\\net1  ${command.slice(4)}`,
          );
      }
    }
    if (rng.chance(0.5)) {
      t += rng.real(30, 300) * 1000;
      const ps = this.rec.spawn(host, t, shell, POWERSHELL, `"${POWERSHELL}" `, { session });
      this.rec.scriptBlock(host, t + 1500, ps, "prompt");
      for (const text of rng.sample(LEGITIMATE_LOOKALIKES.adminPowerShell, rng.int(1, 2))) {
        t += rng.real(10, 90) * 1000;
        this.rec.scriptBlock(host, t, ps, text);
      }
    }
  }

  /**
   * Staff working from home reach their desk over the firewall's VPN: Remote Desktop from a VPN pool address and
   * their laptop's name, addresses no host of the network has (as the intruder's are).
   */
  private remoteWork(from: number, to: number): void {
    const rng = this.routines[this.routines.length - 1].rng;
    for (const t of this.times(rng, from, to, 0.12, officeIntensity(t0(from, to)))) {
      const ws = rng.pick(this.net.roles.workstation);
      const owner = ws.owner;
      if (owner === null) continue;
      const laptop = `LT-${owner.sam.split(".").pop()?.toUpperCase().slice(0, 8) ?? "USER"}`;
      const address = `${this.net.edge.vpnPool}${rng.int(20, 200)}`;
      const { session, shell } = this.rec.rdpLogon(ws, t, owner, { ip: address, workstation: laptop });
      const image = "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE";
      this.rec.spawn(ws, t + rng.real(30, 120) * 1000, shell, image, `"${image}" `, { session });
    }
  }

  private engineers(from: number, to: number): void {
    const jump = this.net.roles["jump-server"][0];
    const ot = [...this.net.roles["engineering-workstation"]];
    for (const eng of this.net.accountsOf.engineer) {
      const deskHost = eng.desk;
      if (deskHost === null) continue;
      const r = this.routineOf(deskHost);
      if (r.desk === null) continue;
      const { rng } = r;
      for (const t of this.times(rng, from, to, 0.25, officeIntensity(t0(from, to)))) {
        const hop = this.rec.remoteDesktop(deskHost, t, r.desk.explorer, jump, eng);
        const ews = rng.pick(ot);
        const u = t + rng.real(2, 10) * MINUTE;
        const inner = this.rec.remoteDesktop(jump, u, hop.shell, ews, eng);
        const v = u + rng.real(2, 5) * MINUTE;
        const tool = rng.chance(0.6)
          ? [
              "C:\\Program Files (x86)\\Rockwell Software\\Studio 5000\\Logix Designer\\ENU\\v33\\Bin\\LogixDesigner.exe",
              '"C:\\Program Files (x86)\\Rockwell Software\\Studio 5000\\Logix Designer\\ENU\\v33\\Bin\\LogixDesigner.exe" "C:\\Users\\Public\\Documents\\Studio 5000\\Projects\\Filter_Control.ACD"',
            ]
          : [
              "C:\\Program Files (x86)\\Rockwell Software\\RSLinx\\RSLINX.EXE",
              '"C:\\Program Files (x86)\\Rockwell Software\\RSLinx\\RSLINX.EXE" ',
            ];
        const proc = this.rec.spawn(ews, v, inner.shell, tool[0], tool[1]);
        for (const device of rng.sample(this.net.plant, rng.int(1, 3))) {
          this.rec.connect(ews, v + rng.real(5, 120) * 1000, proc, {
            initiated: true,
            sourceIp: ews.ip,
            sourceHostname: ews.fqdn,
            sourcePort: this.rec.ephemeralPort(),
            destinationIp: device.ip,
            destinationHostname: "-",
            destinationPort: device.port,
            destinationPortName: device.portName,
          });
        }
      }
    }
  }

  // ---- servers -----------------------------------------------------------------------------------------------

  /** Nightly backups (01:00-03:00 local): BKP01 reaches each protected server; its agent makes a shadow copy. */
  private backups(r: HostRoutine, from: number, to: number): void {
    const { host, rng } = r;
    const server = r.backupServer;
    if (server === null) return;
    const account = this.account("svc_backup");
    const day = localDayStart(from);
    const protectedServers = this.net.hosts.filter((h) => h.server && h !== host);
    protectedServers.forEach((target, i) => {
      const t = day + 1 * HOUR + i * 12 * MINUTE + rng.real(0, 5) * MINUTE;
      if (t < from || t >= to) return;
      const agent = this.routineOf(target).backupAgent;
      if (agent === null) return;
      this.rec.explicitCredentials(host, t, server, account, {
        name: target.name,
        info: target.name,
        ip: target.ip,
        port: 445,
      });
      this.rec.connectHosts(host, t + 100, server, target, 445, null);
      const source = { ip: host.ip, workstation: host.name };
      const session = this.rec.logon(target, t + 400, { principal: principalOf(account), type: 3, source });
      this.rec.shareAccess(target, t + 900, session, {
        share: "\\\\*\\C$",
        localPath: "\\??\\C:\\",
        source,
        files: ["ProgramData\\Northwind\\Backup Agent\\job.xml"],
      });
      const [create, list] = LEGITIMATE_LOOKALIKES.backupCommands;
      const state = this.rec.state(target);
      this.rec.spawn(target, t + 5000, agent, imageOfCommand(list), list);
      this.rec.spawn(target, t + 9000, agent, imageOfCommand(create), create);
      this.rec.spawn(
        target,
        t + 9500,
        state.services,
        "C:\\Windows\\System32\\vssvc.exe",
        "C:\\Windows\\system32\\vssvc.exe",
        { session: state.system },
      );
      this.rec.spawn(target, t + rng.real(15, 40) * MINUTE, agent, imageOfCommand(list), list);
    });
  }

  /** Every 15 minutes the monitoring account logs on to each server from BKP01 (WMI queries). */
  private monitoring(r: HostRoutine, from: number, to: number): void {
    const { host, rng } = r;
    const account = this.account("svc_monitor");
    const source = { ip: host.ip, workstation: host.name };
    const first = Math.ceil(from / (15 * MINUTE)) * 15 * MINUTE;
    for (let t = first; t < to; t += 15 * MINUTE) {
      for (const target of this.net.hosts) {
        if (!target.server || target === host) continue;
        this.rec.logon(target, t + rng.real(0, 20_000), { principal: principalOf(account), type: 3, source });
      }
    }
  }

  /**
   * The edge firewall checks VPN users against the directory with its own AD account: an LDAP simple bind every
   * half hour, a cleartext network logon (type 8) from the firewall's inside address (Microsoft notes Volt Typhoon
   * reusing such device accounts; here it is only the device).
   */
  private firewallBinds(r: HostRoutine, from: number, to: number): void {
    const { host, rng } = r;
    const account = this.account("svc_vpnldap");
    const first = Math.ceil(from / (30 * MINUTE)) * 30 * MINUTE;
    for (let t = first; t < to; t += 30 * MINUTE) {
      this.rec.logon(host, t + rng.real(0, 60_000), {
        principal: principalOf(account),
        type: 8,
        source: { ip: this.net.edge.insideIp, workstation: this.net.edge.name },
      });
    }
  }

  private scheduledScript(r: HostRoutine, from: number, to: number): void {
    const { host, rng } = r;
    const state = this.rec.state(host);
    const first = Math.ceil(from / HOUR) * HOUR + 7 * MINUTE;
    for (let t = first; t < to; t += HOUR) {
      const ps = this.rec.spawn(
        host,
        t,
        state.taskScheduler,
        POWERSHELL,
        `${POWERSHELL} -NoProfile -NonInteractive -File C:\\Scripts\\Check-DiskSpace.ps1`,
        { session: state.system },
      );
      this.rec.scriptBlock(
        host,
        t + rng.real(800, 1500),
        ps,
        '$threshold = 0.1\r\nGet-CimInstance Win32_LogicalDisk -Filter "DriveType=3" | Where-Object { $_.FreeSpace / $_.Size -lt $threshold } | ForEach-Object { Write-EventLog -LogName Application -Source DiskCheck -EventId 1001 -Message "Low disk space on $($_.DeviceID)" }',
        "C:\\Scripts\\Check-DiskSpace.ps1",
      );
    }
  }

  private esent(r: HostRoutine, from: number, to: number): void {
    const { host, rng } = r;
    const rate = host.server ? 0.3 : 1.2;
    for (const t of this.times(rng, from, to, rate)) {
      const [name, instance, path] = rng.pick(host.server ? ESENT_DATABASES.slice(1, 3) : ESENT_DATABASES);
      const pid = `${rng.int(300, 9000)},D,${rng.int(0, 90)}`;
      const timings =
        "[1] 0.000, [2] 0.000, [3] 0.015, [4] 0.000, [5] 0.000, [6] 0.000, [7] 0.000, [8] 0.000, [9] 0.000, [10] 0.000, [11] 0.000, [12] 0.000.";
      const kind = rng.next();
      if (kind < 0.006) {
        this.rec.esent(host, t, ESENT_LOCATION_CHANGE_216, [
          name,
          pid,
          instance,
          path.replace("C:\\", "C:\\Windows.old\\"),
          path,
        ]);
      } else if (kind < 0.06) {
        this.rec.esent(host, t, ESENT_DATABASE_CREATED_325, [name, pid, instance, "1", path, "0", timings]);
      } else {
        this.rec.esent(host, t, ESENT_DATABASE_ATTACHED_326, [name, pid, instance, "1", path, "0", timings, "0 0"]);
        this.rec.esent(host, t + rng.real(1, 40) * MINUTE, ESENT_DATABASE_DETACHED_327, [
          name,
          pid,
          instance,
          "1",
          path,
          "0",
          timings,
          "0 0",
        ]);
      }
    }
  }

  private softwareInstalls(from: number, to: number): void {
    const rng = this.routines[0].rng;
    for (const t of this.times(rng, from, to, 0.3, officeIntensity(t0(from, to)) > 0.5 ? 1 : 0.1)) {
      const host = rng.pick(this.net.hosts);
      const state = this.rec.state(host);
      const sw = rng.pick(SOFTWARE);
      const admin = rng.pick(this.net.accountsOf["server-admin"]);
      const msi = this.rec.spawn(
        host,
        t,
        state.services,
        "C:\\Windows\\System32\\msiexec.exe",
        `C:\\Windows\\system32\\msiexec.exe /i "C:\\Windows\\Temp\\${sw.installer}" /qn`,
        { session: state.system },
      );
      const imagePath = sw.image;
      const binary = imagePath.slice(1, imagePath.indexOf('"', 1));
      this.rec.createFile(host, t + rng.real(5, 30) * 1000, msi, binary);
      this.rec.setRegistryValue(
        host,
        t + rng.real(31, 40) * 1000,
        msi,
        `HKLM\\System\\CurrentControlSet\\Services\\${sw.name}\\ImagePath`,
        imagePath,
      );
      this.rec.serviceInstalled(host, t + rng.real(41, 45) * 1000, principalOf(admin), {
        name: sw.name,
        imagePath,
        startType: sw.start,
        account: sw.account,
      });
      this.rec.spawn(host, t + rng.real(46, 60) * 1000, state.services, binary, imagePath, {
        session: state.system,
        info: imageInfo(binary, host.server),
      });
    }
  }

  // ---- the plant ---------------------------------------------------------------------------------------------

  private plantPolling(r: HostRoutine, from: number, to: number): void {
    const { host, rng } = r;
    const view = r.hmiViewer.process;
    if (view === null) return;
    for (const t of this.times(rng, from, to, 6)) {
      const device = rng.pick(this.net.plant);
      this.rec.connect(host, t, view, {
        initiated: true,
        sourceIp: host.ip,
        sourceHostname: host.fqdn,
        sourcePort: this.rec.ephemeralPort(),
        destinationIp: device.ip,
        destinationHostname: "-",
        destinationPort: device.port,
        destinationPortName: device.portName,
      });
    }
  }

  /** The historian's collector logs on to each HMI every hour and reads its tags. */
  private historian(r: HostRoutine, from: number, to: number): void {
    const { host, rng } = r;
    const account = this.account("svc_historian");
    const state = this.rec.state(host);
    const first = Math.ceil(from / HOUR) * HOUR + 3 * MINUTE;
    for (let t = first; t < to; t += HOUR) {
      for (const hmi of this.net.roles.hmi) {
        this.rec.connectHosts(host, t, state.networkServiceHost, hmi, 5413, null);
        this.rec.logon(hmi, t + rng.real(100, 2000), {
          principal: principalOf(account),
          type: 3,
          source: { ip: host.ip, workstation: host.name },
        });
      }
    }
  }
}

/** The next 06:00 or 18:00 local time after t (HMI shift changes). */
function nextShiftChange(t: number): number {
  const day = localDayStart(t);
  for (const h of [6, 18, 30]) if (day + h * HOUR > t + HOUR) return day + h * HOUR;
  return day + 30 * HOUR;
}

/** The 8-hex-digit hash in a prefetch file's name (Windows hashes the path; any stable hash does here). */
function prefetchHash(path: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.toUpperCase().charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).toUpperCase().padStart(8, "0");
}

/** Middle of a slice, where its intensity is taken. */
function t0(from: number, to: number): number {
  return (from + to) / 2;
}
