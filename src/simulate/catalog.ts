/**
 * The executables of the simulated network and what Sysmon reports about them: version resource fields
 * (FileVersion, Description, Product, Company, OriginalFileName) and hashes. The Sysmon configuration the simulation
 * stands for hashes with `<HashAlgorithms>SHA256,IMPHASH</HashAlgorithms>`, so `Hashes` reads
 * `SHA256=…,IMPHASH=…`. Hashes of ordinary binaries are derived from their name and build, so the same binary has
 * the same hash on every host of the same build; the intruder's tools carry the SHA-256 values the advisories
 * published for them (intel digest §3.1), and no invented MD5 sits beside them.
 */
import { createHash } from "node:crypto";

export interface ImageInfo {
  readonly fileVersion: string;
  readonly description: string;
  readonly product: string;
  readonly company: string;
  readonly originalFileName: string;
  readonly hashes: string;
}

interface VersionResource {
  readonly description: string;
  readonly product: string;
  readonly company: string;
  readonly originalFileName: string;
  /** A fixed version; Windows binaries take the host's build instead. */
  readonly version?: string;
}

const WINDOWS = "Microsoft® Windows® Operating System";
const MICROSOFT = "Microsoft Corporation";
const windows = (description: string, originalFileName: string): VersionResource => ({
  description,
  product: WINDOWS,
  company: MICROSOFT,
  originalFileName,
});

/** By lower-case file name. */
const RESOURCES: Readonly<Record<string, VersionResource>> = {
  "arp.exe": windows("TCP/IP Arp Command", "arp.exe"),
  "backgroundtaskhost.exe": windows("Background Task Host", "backgroundTaskHost.exe"),
  "cmd.exe": windows("Windows Command Processor", "Cmd.Exe"),
  "compattelrunner.exe": windows("Microsoft Compatibility Telemetry", "CompatTelRunner.exe"),
  "conhost.exe": windows("Console Window Host", "CONHOST.EXE"),
  "consent.exe": windows("Consent UI for administrative applications", "consent.exe"),
  "curl.exe": {
    description: "The curl executable",
    product: "The curl executable",
    company: "curl, https://curl.se/",
    originalFileName: "curl.exe",
    version: "8.4.0",
  },
  "dllhost.exe": windows("COM Surrogate", "dllhost.exe"),
  "dnscmd.exe": windows("DNS Server Command Line Tool", "dnscmd.exe"),
  "dwm.exe": windows("Desktop Window Manager", "dwm.exe"),
  "explorer.exe": windows("Windows Explorer", "EXPLORER.EXE"),
  "gpupdate.exe": windows("Microsoft® Group Policy Update Utility", "GPUpdate.exe"),
  "ipconfig.exe": windows("IP Configuration Utility", "ipconfig.exe"),
  "ldifde.exe": windows("LDAP Directory Import/Export Utility", "ldifde.exe"),
  "logonui.exe": windows("Windows Logon User Interface Host", "logonui.exe"),
  "lsass.exe": windows("Local Security Authority Process", "lsass.exe"),
  "makecab.exe": windows("Microsoft® Cabinet Maker", "makecab.exe"),
  "mmc.exe": windows("Microsoft Management Console", "MMC.EXE"),
  "mpcmdrun.exe": {
    description: "Microsoft Malware Protection Command Line Utility",
    product: WINDOWS,
    company: MICROSOFT,
    originalFileName: "MpCmdRun.exe",
    version: "4.18.24090.11",
  },
  "msiexec.exe": windows("Windows® installer", "msiexec.exe"),
  "mstsc.exe": windows("Remote Desktop Connection", "mstsc.exe"),
  "net.exe": windows("Net Command", "net.exe"),
  "net1.exe": windows("Net Command", "net1.exe"),
  "netsh.exe": windows("Network Command Shell", "netsh.exe"),
  "netstat.exe": windows("TCP/IP Netstat Command", "netstat.exe"),
  "nltest.exe": windows("Microsoft® Logon Server Test Utility", "nltestrk.exe"),
  "ntdsutil.exe": windows("NT5DS", "ntdsutil.exe"),
  "powershell.exe": windows("Windows PowerShell", "PowerShell.EXE"),
  "rdpclip.exe": windows("RDP Clipboard Monitor", "rdpclip.exe"),
  "quser.exe": windows("Query User Utility", "quser.exe"),
  "reg.exe": windows("Registry Console Tool", "reg.exe"),
  "rundll32.exe": windows("Windows host process (Rundll32)", "RUNDLL32.EXE"),
  "runtimebroker.exe": windows("Runtime Broker", "RuntimeBroker.exe"),
  "sc.exe": windows("Service Control Manager Configuration Tool", "sc.exe"),
  "schtasks.exe": windows("Task Scheduler Configuration Tool", "schtasks.exe"),
  "searchfilterhost.exe": windows("Microsoft Windows Search Filter Host", "SearchFilterHost.exe"),
  "searchprotocolhost.exe": windows("Microsoft Windows Search Protocol Host", "SearchProtocolHost.exe"),
  "services.exe": windows("Services and Controller app", "services.exe"),
  "sihost.exe": windows("Shell Infrastructure Host", "sihost.exe"),
  "smartscreen.exe": windows("Windows Defender SmartScreen", "smartscreen.exe"),
  "svchost.exe": windows("Host Process for Windows Services", "svchost.exe"),
  "systeminfo.exe": windows("Displays system information", "sysinfo.exe"),
  "tasklist.exe": windows("Lists the current running tasks", "tasklist.exe"),
  "taskhostw.exe": windows("Host Process for Windows Tasks", "taskhostw.exe"),
  "tiworker.exe": windows("Windows Modules Installer Worker", "TiWorker.exe"),
  "userinit.exe": windows("Userinit Logon Application", "USERINIT.EXE"),
  "vssadmin.exe": windows("Command Line Interface for Microsoft® Volume Shadow Copy Service ", "VSSADMIN.EXE"),
  "vssvc.exe": windows("Microsoft® Volume Shadow Copy Service", "VSSVC.EXE"),
  "wevtutil.exe": windows("Eventing Command Line Utility", "wevtutil.exe"),
  "whoami.exe": windows("whoami - displays logged on user information", "whoami.exe"),
  "wmic.exe": windows("WMI Commandline Utility", "wmic.exe"),
  "wmiprvse.exe": windows("WMI Provider Host", "Wmiprvse.exe"),
  "wuauclt.exe": windows("Windows Update", "wuauclt.exe"),
  "chrome.exe": {
    description: "Google Chrome",
    product: "Google Chrome",
    company: "Google LLC",
    originalFileName: "chrome.exe",
    version: "131.0.6778.86",
  },
  "msedge.exe": {
    description: "Microsoft Edge",
    product: "Microsoft Edge",
    company: MICROSOFT,
    originalFileName: "msedge.exe",
    version: "131.0.2903.70",
  },
  "outlook.exe": {
    description: "Microsoft Outlook",
    product: "Microsoft Outlook",
    company: MICROSOFT,
    originalFileName: "Outlook.exe",
    version: "16.0.18129.20158",
  },
  "excel.exe": {
    description: "Microsoft Excel",
    product: "Microsoft Office",
    company: MICROSOFT,
    originalFileName: "Excel.exe",
    version: "16.0.18129.20158",
  },
  "winword.exe": {
    description: "Microsoft Word",
    product: "Microsoft Office",
    company: MICROSOFT,
    originalFileName: "WinWord.exe",
    version: "16.0.18129.20158",
  },
  "ms-teams.exe": {
    description: "Microsoft Teams",
    product: "Microsoft Teams",
    company: MICROSOFT,
    originalFileName: "ms-teams.exe",
    version: "24295.605.3225.8804",
  },
  "onedrive.exe": {
    description: "Microsoft OneDrive",
    product: "Microsoft OneDrive",
    company: MICROSOFT,
    originalFileName: "OneDrive.exe",
    version: "24.211.1020.0002",
  },
  "psexec64.exe": {
    description: "Execute processes remotely",
    product: "Sysinternals PsExec",
    company: "Sysinternals - www.sysinternals.com",
    originalFileName: "psexec.c",
    version: "2.43",
  },
  "psexesvc.exe": {
    description: "PsExec Service",
    product: "Sysinternals PsExec",
    company: "Sysinternals - www.sysinternals.com",
    originalFileName: "psexesvc.exe",
    version: "2.43",
  },
  "7z.exe": {
    description: "7-Zip Console",
    product: "7-Zip",
    company: "Igor Pavlov",
    originalFileName: "7z.exe",
    version: "23.01",
  },
  "rar.exe": {
    description: "Command line RAR",
    product: "WinRAR",
    company: "Alexander Roshal",
    originalFileName: "Rar.exe",
    version: "6.24.0",
  },
  "nwbagent.exe": {
    description: "Northwind Backup Agent",
    product: "Northwind Backup",
    company: "Northwind Traders",
    originalFileName: "nwbagent.exe",
    version: "12.3.1.4410",
  },
  "nwbserver.exe": {
    description: "Northwind Backup Server",
    product: "Northwind Backup",
    company: "Northwind Traders",
    originalFileName: "nwbserver.exe",
    version: "12.3.1.4410",
  },
  "googleupdate.exe": {
    description: "Google Installer",
    product: "Google Update",
    company: "Google LLC",
    originalFileName: "GoogleUpdate.exe",
    version: "1.3.36.372",
  },
  "microsoftedgeupdate.exe": {
    description: "Microsoft Edge Update",
    product: "Microsoft Edge Update",
    company: MICROSOFT,
    originalFileName: "msedgeupdate.dll",
    version: "1.3.195.35",
  },
  "maintenanceservice.exe": {
    description: "Mozilla Maintenance Service",
    product: "Firefox",
    company: "Mozilla Foundation",
    originalFileName: "maintenanceservice.exe",
    version: "133.0.0.8651",
  },
  "armsvc.exe": {
    description: "Adobe Acrobat Update Service",
    product: "Adobe Acrobat Update Service",
    company: "Adobe Inc.",
    originalFileName: "armsvc.exe",
    version: "1.824.460.1042",
  },
  "vmtoolsd.exe": {
    description: "VMware Tools Core Service",
    product: "VMware Tools",
    company: "VMware, Inc.",
    originalFileName: "vmtoolsd.exe",
    version: "12.4.5.45787",
  },
  "logixdesigner.exe": {
    description: "Logix Designer",
    product: "Studio 5000 Logix Designer",
    company: "Rockwell Automation, Inc.",
    originalFileName: "LogixDesigner.exe",
    version: "33.0.1.0",
  },
  "rslinx.exe": {
    description: "RSLinx Classic",
    product: "RSLinx Classic",
    company: "Rockwell Automation, Inc.",
    originalFileName: "RSLINX.EXE",
    version: "4.31.0.0",
  },
  "view.exe": {
    description: "InTouch WindowViewer",
    product: "AVEVA InTouch HMI",
    company: "AVEVA Group plc",
    originalFileName: "view.exe",
    version: "20.1.100.0",
  },
  "piarchss.exe": {
    description: "PI Archive Subsystem",
    product: "PI Data Archive",
    company: "AVEVA Group plc",
    originalFileName: "piarchss.exe",
    version: "3.4.445.688",
  },
};

/** SHA-256 values the advisories published for the intruder's FRP clients (intel digest §3.1). */
export const INDICATOR_SHA256: Readonly<Record<string, string>> = {
  "smsvcservice.exe": "99b80c5ac352081a64129772ed5e1543d94cad708ba2adc46dc4ab7a0bd563f1",
  // Name mapping inferred by elimination in the digest [?].
  "brightmetricagent.exe": "edc0c63065e88ec96197c8d7a40662a15a812a9583dc6c82b18ecd7e43b13b70",
};

/** Microsoft's custom FRP executables (intel digest §3.1-B), for FRP clients given the AA23 names. */
export const MICROSOFT_FRP_SHA256: readonly string[] = [
  "baeffeb5fdef2f42a752c65c2d2a52e84fb57efc906d981f89dd518c314e231c",
  "b4f7c5e3f14fb57be8b5f020377b993618b6e3532a4e1eb1eae9976d4130cc74",
  "4b0c4170601d6e922cf23b1caf096bba2fade3dfcf92f0ab895a5f0b9a310349",
  "c0fc29a52ec3202f71f6378d9f7f9a8a3a10eb19acb8765152d758aded98c76d",
  "d6ab36cb58c6c8c3527e788fc9239d8dcc97468b6999cf9ccd8a815c8b4a80af",
  "9dd101caee49c692e5df193b236f8d52a07a2030eed9bd858ed3aaccb406401a",
];

const cache = new Map<string, ImageInfo>();

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("\\") + 1);
}

function derivedHex(text: string, digits: number): string {
  return createHash("sha256").update(text).digest("hex").slice(0, digits).toUpperCase();
}

/**
 * What Sysmon reports for an image on a host of a Windows build (`server`: Server 2019, else Windows 10 22H2).
 * Images without a version resource (the intruder's FRP clients, built with Go) report `-`.
 */
export function imageInfo(path: string, server: boolean, sha256Override?: string): ImageInfo {
  const key = `${server ? "S" : "W"}|${path.toLowerCase()}|${sha256Override ?? ""}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  const name = baseName(path).toLowerCase();
  const resource = RESOURCES[name];
  const build = server ? "10.0.17763" : "10.0.19041";
  const fileVersion = resource === undefined ? "-" : (resource.version ?? `${build}.1 (WinBuild.160101.0800)`);
  const sha256 = (sha256Override ?? INDICATOR_SHA256[name] ?? derivedHex(`${name}|${fileVersion}`, 64)).toUpperCase();
  const info: ImageInfo = {
    fileVersion,
    description: resource?.description ?? "-",
    product: resource?.product ?? "-",
    company: resource?.company ?? "-",
    originalFileName: resource?.originalFileName ?? "-",
    hashes: `SHA256=${sha256},IMPHASH=${derivedHex(`imphash|${name}|${resource?.originalFileName ?? name}`, 32)}`,
  };
  cache.set(key, info);
  return info;
}

const SYSTEM32 = "C:\\Windows\\System32\\";

/** Where the built-in tools a command line may start with live. */
const TOOL_PATHS: Readonly<Record<string, string>> = {
  wmic: `${SYSTEM32}wbem\\WMIC.exe`,
  powershell: `${SYSTEM32}WindowsPowerShell\\v1.0\\powershell.exe`,
};

/**
 * The image a command line starts: its first word as a path when it is one, else the built-in tool of that name in
 * System32 (`net group /dom` starts `C:\Windows\System32\net.exe`).
 */
export function imageOfCommand(commandLine: string): string {
  const trimmed = commandLine.trimStart();
  const first = trimmed.startsWith('"') ? trimmed.slice(1, trimmed.indexOf('"', 1)) : trimmed.split(" ")[0];
  if (first.includes("\\")) return /\.[a-z0-9]+$/i.test(first) ? first : `${first}.exe`;
  const name = first.toLowerCase().replace(/\.exe$/, "");
  return TOOL_PATHS[name] ?? `${SYSTEM32}${name}.exe`;
}
