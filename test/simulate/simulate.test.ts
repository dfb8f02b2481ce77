/**
 * `simulate()`: the files a small simulation writes read back with Vigil's own readers without a problem, the
 * ground truth points at the records its steps describe, lateral movement carries the fields scoping rebuilds the
 * graph from, the background holds the legitimate look-alikes, and a seed always gives the same bytes.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { CHANNELS } from "../../src/simulate/event-templates.js";
import { STEP_IDS, simulate } from "../../src/simulate/index.js";
import { openEvidence } from "../../src/sources/index.js";
import {
  eventId,
  evtxFiles,
  type ReadFile,
  type ReadRecord,
  readBack,
  removeTemporary,
  type Simulated,
  simulateInto,
  temporaryFolder,
  text,
} from "./helpers.js";

const OPTIONS = { seed: 7, hosts: 8, days: 1 } as const;

let sim: Simulated;
const files = new Map<string, ReadFile>();
/** Every ground-truth record, by step. */
const stepRecords = new Map<string, ReadRecord[]>();
const truthKeys = new Set<string>();

interface Asset {
  readonly host: string;
  readonly zone: string;
  readonly role: string;
  readonly criticality: string;
  readonly ip: string;
}
let assets: Asset[] = [];

after(removeTemporary);

before(async () => {
  sim = await simulateInto(OPTIONS);
  for (const file of evtxFiles(sim.dir)) files.set(file, await readBack(join(sim.dir, file)));
  for (const step of sim.truth.steps) {
    const list: ReadRecord[] = [];
    for (const ref of step.records) {
      truthKeys.add(`${ref.file}#${ref.recordId}`);
      const record = files.get(ref.file)?.records.find((r) => r.recordId === ref.recordId);
      assert.ok(record !== undefined, `${step.id}: ${ref.file} record ${ref.recordId} exists`);
      list.push(record);
    }
    stepRecords.set(step.id, list);
  }
  const [header, ...rows] = readFileSync(join(sim.dir, "assets.csv"), "utf8").trimEnd().split("\n");
  assert.equal(header, "host,zone,role,criticality,ip");
  assets = rows.map((row) => {
    const [host, zone, role, criticality, ip] = row.split(",");
    return { host, zone, role, criticality, ip };
  });
});

function recordsOf(step: string): ReadRecord[] {
  const list = stepRecords.get(step);
  assert.ok(list !== undefined && list.length > 0, `step ${step} has records`);
  return list;
}

function withId(list: readonly ReadRecord[], id: number): ReadRecord[] {
  return list.filter((r) => eventId(r) === id);
}

describe("layout", () => {
  test("one folder per host with the seven logs under Windows' file names, plus ground truth and assets", () => {
    const expected = Object.values(CHANNELS)
      .map((c) => c.file)
      .sort();
    assert.deepEqual(expected, [
      "Application.evtx",
      "Microsoft-Windows-PowerShell%4Operational.evtx",
      "Microsoft-Windows-Sysmon%4Operational.evtx",
      "Microsoft-Windows-TerminalServices-LocalSessionManager%4Operational.evtx",
      "Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx",
      "Security.evtx",
      "System.evtx",
    ]);
    const all = evtxFiles(sim.dir);
    assert.equal(all.length, OPTIONS.hosts * expected.length);
    for (const a of assets) {
      for (const name of expected) assert.ok(all.includes(`evidence/${a.host}/${name}`), `${a.host}/${name}`);
    }
    assert.equal(sim.summary.files, all.length);
  });

  test("assets.csv: every host once, its zone, role and criticality", () => {
    assert.equal(assets.length, OPTIONS.hosts);
    assert.equal(new Set(assets.map((a) => a.host)).size, assets.length);
    for (const a of assets) {
      assert.match(a.host, /^[A-Z0-9]+\.corp\.local$/);
      assert.ok(["IT", "OT-DMZ", "OT"].includes(a.zone), a.zone);
      assert.ok(["critical", "high", "medium", "low"].includes(a.criticality), a.criticality);
      assert.match(a.ip, /^10\.\d+\.\d+\.\d+$/);
    }
    const zoneOf = (role: string) => assets.filter((a) => a.role === role).map((a) => a.zone);
    assert.deepEqual(zoneOf("domain-controller"), ["IT"]);
    assert.deepEqual(zoneOf("file-server"), ["IT"]);
    assert.deepEqual(zoneOf("jump-server"), ["OT-DMZ"]);
    assert.deepEqual(zoneOf("engineering-workstation"), ["OT"]);
    assert.deepEqual(zoneOf("hmi"), ["OT"]);
    assert.ok(zoneOf("workstation").length >= 1);
  });
});

describe("read back", () => {
  test("every file reads with Vigil's EVTX reader without damage, records in time order numbered from 1", () => {
    let total = 0;
    for (const [file, read] of files) {
      assert.deepEqual(read.damage, [], file);
      const [, computer, name] = file.split("/");
      const channel = Object.values(CHANNELS).find((c) => c.file === name);
      assert.ok(channel !== undefined);
      read.records.forEach((r, i) => {
        assert.equal(r.recordId, i + 1, `${file}: record numbers from 1`);
        assert.equal(Number(r.fields.get("System.EventRecordID")), r.recordId, `${file}: EventRecordID`);
        assert.equal(r.fields.get("System.Computer"), computer, `${file}: Computer`);
        assert.equal(r.fields.get("System.Channel"), channel.name, `${file}: Channel`);
        if (i > 0) assert.ok(read.records[i - 1].timestamp <= r.timestamp, `${file}: time order at ${r.recordId}`);
      });
      total += read.records.length;
    }
    assert.equal(total, sim.summary.events);
  });

  test("openEvidence reads the host folders with no problem and the same number of events", async () => {
    // ground-truth.json and assets.csv beside them are no evidence (openEvidence would report them as unknown).
    const evidence = openEvidence(
      assets.map((a) => join(sim.dir, "evidence", a.host)),
      { threads: 1 },
    );
    let events = 0;
    for await (const _ of evidence) events++;
    assert.equal(events, sim.summary.events);
    const problems = evidence.sources.flatMap((s) => s.problems.map((p) => `${s.file}: ${p.reason}`));
    assert.deepEqual(problems, []);
    assert.ok(evidence.sources.filter((s) => s.format === "evtx").length === sim.summary.files);
  });
});

describe("ground truth", () => {
  test("every step, in the chain's order, with its technique, tactic, host and description", () => {
    assert.equal(sim.truth.seed, OPTIONS.seed);
    assert.deepEqual(
      sim.truth.steps.map((s) => s.id),
      [...STEP_IDS],
    );
    const hosts = new Set(assets.map((a) => a.host));
    for (const s of sim.truth.steps) {
      assert.match(s.technique, /^T\d{4}(\.\d{3})?$/, s.id);
      assert.match(s.tactic, /^[a-z-]+$/, s.id);
      assert.ok(hosts.has(s.host), `${s.id}: host ${s.host} is an asset`);
      assert.ok(s.description.length > 20, s.id);
      assert.ok(s.records.length > 0, s.id);
      for (const r of s.records) assert.doesNotMatch(r.file, /\\/, "forward slashes");
    }
    assert.equal(sim.summary.steps, STEP_IDS.length);
  });

  test("compromised hosts and accounts: names as the logs have them, every intrusion record on one of those hosts", () => {
    const hosts = new Set(assets.map((a) => a.host));
    for (const h of sim.truth.compromisedHosts) assert.ok(hosts.has(h), h);
    const roleOf = (h: string) => assets.find((a) => a.host === h)?.role;
    const roles = sim.truth.compromisedHosts.map(roleOf);
    assert.ok(roles.includes("domain-controller"));
    assert.ok(roles.includes("jump-server"));
    assert.ok(roles.includes("engineering-workstation"));
    for (const a of sim.truth.compromisedAccounts) assert.match(a, /^CORP\\[a-z0-9._]+$/);
    for (const s of sim.truth.steps) {
      for (const r of s.records) {
        assert.ok(sim.truth.compromisedHosts.includes(r.file.split("/")[1] as string), `${s.id}: ${r.file}`);
      }
    }
  });

  test("records have the event IDs their steps name", () => {
    const allowed: Record<string, readonly number[]> = {
      "password-spray": [4625, 4624, 4672],
      "valid-account-logon": [1149, 4624, 4672, 21, 25, 1, 4688],
      "discovery-burst": [1, 4688, 3],
      "frp-proxy-client": [11, 1, 4688, 3],
      "powershell-hidden-start": [1, 4688, 4104],
      "lateral-wmic-remote": [1, 4688, 4648, 3, 4624, 4672, 11],
      "lsass-dump-comsvcs": [1, 4688, 11],
      "reg-save-hives": [1, 4688, 11],
      "rdp-domain-admin-to-dc": [1, 4688, 4648, 3, 1149, 4624, 4672, 21],
      "impacket-wmiexec": [4624, 4672, 5140, 5145, 1, 4688],
      "ad-discovery": [1, 4688, 11],
      "logon-event-discovery": [1, 4688, 4104, 11],
      "ntdsutil-ifm": [1, 4688, 11, 216, 325, 326, 327, 5145],
      "vss-shadow-create": [1, 4688, 11],
      "vss-ntds-copy": [1, 4688, 11],
      "archive-staging": [1, 4688, 11],
      "psexec-to-jump-server": [1, 4688, 11, 13, 4648, 3, 4624, 4672, 5140, 5145, 7045],
      "credential-store-discovery": [1, 4688],
      "portproxy-add": [1, 4688, 13],
      "portproxy-traffic": [3],
      "rdp-to-jump-server": [1, 4688, 4648, 3, 1149, 4624, 4672, 21],
      "rdp-to-ot-workstation": [1, 4688, 4648, 3, 1149, 4624, 4672, 21],
      "ot-workstation-discovery": [1, 4688, 11],
      "log-clearing": [1, 4688, 104, 1102],
    };
    for (const id of STEP_IDS) {
      for (const r of recordsOf(id)) assert.ok(allowed[id].includes(eventId(r)), `${id}: event ${eventId(r)}`);
    }
  });

  test("initial access: a spray over many accounts from one address, then a Remote Desktop logon from a SOHO router", () => {
    const spray = withId(recordsOf("password-spray"), 4625);
    assert.ok(spray.length >= 12);
    assert.equal(new Set(spray.map((r) => text(r, "IpAddress"))).size, 1);
    assert.equal(new Set(spray.map((r) => text(r, "TargetUserName"))).size, spray.length);
    assert.ok(sim.truth.externalAddresses.includes(text(spray[0], "IpAddress")));
    const found = withId(recordsOf("password-spray"), 4624);
    assert.equal(found.length, 1, "the spray's success");
    assert.equal(text(found[0], "IpAddress"), text(spray[0], "IpAddress"));
    assert.ok(found[0].timestamp > spray[spray.length - 1].timestamp);
    const logon = withId(recordsOf("valid-account-logon"), 4624).find((r) => text(r, "LogonType") === "10");
    assert.ok(logon !== undefined);
    assert.ok(sim.truth.externalAddresses.includes(text(logon, "IpAddress")));
    assert.equal(`CORP\\${text(logon, "TargetUserName")}`, sim.truth.compromisedAccounts[0]);
    const rcm = withId(recordsOf("valid-account-logon"), 1149)[0];
    assert.equal(text(rcm, "Param3"), text(logon, "IpAddress"));
    assert.equal(text(withId(recordsOf("valid-account-logon"), 21)[0], "Address"), text(logon, "IpAddress"));
  });

  test("discovery burst: C1 and at least eight distinct tools, one user, within minutes", () => {
    const procs = withId(recordsOf("discovery-burst"), 1);
    assert.ok(
      procs.some(
        (r) =>
          text(r, "CommandLine") ===
          'cmd.exe /C "wmic path win32_logicaldisk get caption,filesystem,freespace,size,volumename"',
      ),
    );
    assert.ok(new Set(procs.map((r) => text(r, "Image"))).size >= 8);
    assert.equal(new Set(procs.map((r) => text(r, "User"))).size, 1);
    const times = procs.map((r) => Date.parse(r.timestamp));
    assert.ok(Math.max(...times) - Math.min(...times) < 15 * 60_000);
  });

  test("credential access: ntdsutil IFM with ESENT, shadow copy and copies, lsass via comsvcs, saved hives", () => {
    const ntds = recordsOf("ntdsutil-ifm");
    assert.ok(
      withId(ntds, 1).some(
        (r) =>
          text(r, "Image").endsWith("\\ntdsutil.exe") &&
          /^ntdsutil {2}"ac i ntds" ifm "create full [^"]+" q q$/.test(text(r, "CommandLine")),
      ),
    );
    for (const id of [216, 325, 326, 327]) {
      const esent = withId(ntds, id);
      assert.ok(esent.length > 0, `ESENT ${id}`);
      for (const r of esent) {
        assert.equal(r.fields.get("System.Provider.Name"), "ESENT");
        assert.ok(text(r, "Data").includes("ntds.dit"), `ESENT ${id} names ntds.dit`);
      }
    }
    assert.ok(withId(ntds, 11).some((r) => text(r, "TargetFilename").endsWith("\\Active Directory\\ntds.dit")));
    assert.ok(
      withId(recordsOf("vss-shadow-create"), 1).some((r) =>
        text(r, "CommandLine").includes("vssadmin create shadow /for=C:"),
      ),
    );
    const copies = withId(recordsOf("vss-ntds-copy"), 1).map((r) => text(r, "CommandLine"));
    assert.ok(copies.some((c) => c.includes("HarddiskVolumeShadowCopy") && c.includes("\\NTDS\\ntds.dit")));
    assert.ok(copies.some((c) => c.includes("HarddiskVolumeShadowCopy") && c.includes("\\config\\SYSTEM")));
    assert.ok(
      withId(recordsOf("lsass-dump-comsvcs"), 1).some((r) =>
        /comsvcs\.dll, MiniDump \d+ /.test(text(r, "CommandLine")),
      ),
    );
    const hives = withId(recordsOf("reg-save-hives"), 1).map((r) => text(r, "CommandLine"));
    assert.ok(hives.includes("reg  save hklm\\sam ss.dat"));
    assert.ok(hives.includes("reg  save hklm\\system sy.dat"));
  });

  test("remote execution: wmic /node, wmiexec's ADMIN$ redirection, PsExec's service", () => {
    assert.ok(
      withId(recordsOf("lateral-wmic-remote"), 1).some((r) =>
        /^wmic \/node:\S+ \/user:\S+ \/password:"[^"]+" process call create "/.test(text(r, "CommandLine")),
      ),
    );
    const wmiexec = recordsOf("impacket-wmiexec");
    const wrapped = withId(wmiexec, 1).filter((r) =>
      /^cmd\.exe \/Q \/c .* 1> \\\\127\.0\.0\.1\\ADMIN\$\\__\d+\.\d{6} 2>&1$/.test(text(r, "CommandLine")),
    );
    assert.ok(wrapped.length >= 3);
    for (const r of wrapped) assert.ok(text(r, "ParentImage").endsWith("\\WmiPrvSE.exe"));
    const reads = withId(wmiexec, 5145);
    assert.ok(
      reads.length > 0 &&
        reads.every((r) => text(r, "ShareName") === "\\\\*\\ADMIN$" && text(r, "RelativeTargetName").startsWith("__")),
    );
    const psexec = recordsOf("psexec-to-jump-server");
    const service = withId(psexec, 7045)[0];
    assert.equal(text(service, "ServiceName"), "PSEXESVC");
    assert.equal(text(service, "ImagePath"), "%SystemRoot%\\PSEXESVC.exe");
    assert.ok(
      withId(psexec, 5145).some(
        (r) => text(r, "ShareName") === "\\\\*\\ADMIN$" && text(r, "RelativeTargetName") === "PSEXESVC.exe",
      ),
    );
    assert.ok(withId(psexec, 1).some((r) => text(r, "CommandLine").includes("-accepteula")));
  });

  test("port proxy: netsh add, its registry value, then traffic on the listening port", () => {
    const add = recordsOf("portproxy-add");
    assert.ok(withId(add, 1).some((r) => text(r, "CommandLine").includes("netsh interface portproxy add v4tov4")));
    const value = withId(add, 13)[0];
    const key = text(value, "TargetObject");
    assert.match(key, /^HKLM\\System\\CurrentControlSet\\Services\\PortProxy\\v4tov4\\tcp\\0\.0\.0\.0\/(\d+)$/);
    const port = Number(key.split("/").pop());
    const traffic = withId(recordsOf("portproxy-traffic"), 3);
    assert.ok(traffic.some((r) => Number(text(r, "DestinationPort")) === port && text(r, "Initiated") === "false"));
  });

  test("C2, PowerShell, logs: FRP with the advisory hash, hidden Start-Process, Get-EventLog security, 1102 and 104", () => {
    const frp = recordsOf("frp-proxy-client");
    const start = withId(frp, 1)[0];
    assert.match(text(start, "Hashes"), /^SHA256=[0-9A-F]{64},IMPHASH=[0-9A-F]{32}$/);
    assert.ok(withId(frp, 3).some((r) => sim.truth.externalAddresses.includes(text(r, "DestinationIp"))));
    assert.ok(
      withId(recordsOf("powershell-hidden-start"), 4104).some((r) =>
        /start-process -filepath \S+ -windowstyle hidden/i.test(text(r, "ScriptBlockText")),
      ),
    );
    assert.ok(
      withId(recordsOf("logon-event-discovery"), 4104).some((r) =>
        text(r, "ScriptBlockText").startsWith("Get-EventLog security"),
      ),
    );
    const clearing = recordsOf("log-clearing");
    assert.equal(withId(clearing, 1102).length, 1);
    assert.ok(withId(clearing, 104).length >= 1);
    assert.ok(withId(clearing, 1).some((r) => text(r, "CommandLine").startsWith("wevtutil cl ")));
  });

  test("lateral movement carries the fields scoping rebuilds the graph from", () => {
    const byIp = new Map(assets.map((a) => [a.ip, a.host]));
    const shortName = (fqdn: string) => fqdn.split(".")[0];
    let checked = 0;
    for (const id of STEP_IDS) {
      for (const r of recordsOf(id)) {
        const e = eventId(r);
        if (e === 4624 && ["3", "10"].includes(text(r, "LogonType"))) {
          const ip = text(r, "IpAddress");
          const source = byIp.get(ip);
          if (source !== undefined) {
            assert.equal(text(r, "WorkstationName"), shortName(source), `${id}: 4624 from ${ip}`);
            checked++;
          } else assert.ok(sim.truth.externalAddresses.includes(ip) || ip === "127.0.0.1", `${id}: ${ip}`);
        }
        if (e === 4648) {
          const target = assets.find((a) => shortName(a.host) === text(r, "TargetServerName"));
          assert.ok(target !== undefined, `${id}: 4648 TargetServerName ${text(r, "TargetServerName")}`);
          assert.equal(text(r, "IpAddress"), target.ip);
        }
        if (e === 1149)
          assert.ok(byIp.has(text(r, "Param3")) || sim.truth.externalAddresses.includes(text(r, "Param3")));
        if (e === 21 || e === 25)
          assert.ok(byIp.has(text(r, "Address")) || sim.truth.externalAddresses.includes(text(r, "Address")));
      }
    }
    assert.ok(checked >= 5);
  });
});

describe("background", () => {
  /** Every Sysmon process creation that is no part of the intrusion. */
  function benignProcesses(): ReadRecord[] {
    const out: ReadRecord[] = [];
    for (const [file, read] of files) {
      if (!file.endsWith("Sysmon%4Operational.evtx")) continue;
      for (const r of read.records) if (eventId(r) === 1 && !truthKeys.has(`${file}#${r.recordId}`)) out.push(r);
    }
    return out;
  }

  test("legitimate use of the intruder's tools: backups' shadow copies, admins' wmic, netsh and vssadmin", () => {
    const benign = benignProcesses();
    const backup = benign.filter(
      (r) => text(r, "CommandLine") === "C:\\Windows\\system32\\vssadmin.exe create shadow /for=C:",
    );
    assert.ok(backup.length > 0, "the backup agent's shadow copies");
    for (const r of backup) {
      assert.ok(text(r, "ParentImage").endsWith("\\nwbagent.exe"));
      assert.equal(text(r, "User"), "CORP\\svc_backup");
    }
    const tools = new Set(benign.map((r) => text(r, "Image").split("\\").pop()?.toLowerCase()));
    for (const tool of ["vssadmin.exe", "mstsc.exe", "powershell.exe", "cmd.exe"]) assert.ok(tools.has(tool), tool);
    // Which administrative commands a day holds is drawn; over a day some of them always occur.
    assert.ok(["wmic.exe", "netsh.exe", "ipconfig.exe", "net.exe"].some((tool) => tools.has(tool)));
  });

  test("benign lateral-looking activity from accounts that are not compromised", () => {
    let remote = 0;
    for (const [file, read] of files) {
      if (!file.endsWith("/Security.evtx")) continue;
      for (const r of read.records) {
        if (truthKeys.has(`${file}#${r.recordId}`) || eventId(r) !== 4624) continue;
        if (!["3", "10"].includes(text(r, "LogonType"))) continue;
        if (sim.truth.compromisedAccounts.includes(`CORP\\${text(r, "TargetUserName")}`)) continue;
        remote++;
      }
    }
    assert.ok(remote > 200, `${remote} benign network and Remote Desktop logons`);
  });
});

describe("determinism and options", () => {
  test("the same seed writes byte-identical files; another seed does not", async () => {
    const again = await simulateInto(OPTIONS);
    const digest = (dir: string, file: string) =>
      createHash("sha256")
        .update(readFileSync(join(dir, file)))
        .digest("hex");
    for (const file of [...evtxFiles(sim.dir), "ground-truth.json", "assets.csv"]) {
      assert.equal(digest(again.dir, file), digest(sim.dir, file), file);
    }
    const other = await simulateInto({ ...OPTIONS, seed: OPTIONS.seed + 1 });
    assert.notEqual(digest(other.dir, "ground-truth.json"), digest(sim.dir, "ground-truth.json"));
  });

  test("every step is played for other seeds and network sizes", async () => {
    for (const [seed, hosts] of [
      [11, 9],
      [12, 13],
      [13, 17],
    ] as const) {
      const run = await simulateInto({ seed, hosts, days: 1 });
      assert.deepEqual(
        run.truth.steps.map((s) => s.id),
        [...STEP_IDS],
      );
      for (const s of run.truth.steps) assert.ok(s.records.length > 0, `seed ${seed}: ${s.id}`);
      assert.equal(readFileSync(join(run.dir, "assets.csv"), "utf8").trimEnd().split("\n").length, hosts + 1);
    }
  });

  test("refuses a folder that is not empty and out-of-range sizes", async () => {
    const dir = temporaryFolder();
    writeFileSync(join(dir, "keep.txt"), "mine");
    await assert.rejects(simulate({ outDir: dir }), /not empty/);
    const fresh = join(dir, "new");
    mkdirSync(fresh);
    await assert.rejects(simulate({ outDir: fresh, hosts: 3 }), /hosts must be/);
    await assert.rejects(simulate({ outDir: fresh, days: 0 }), /days must be/);
    await assert.rejects(simulate({ outDir: fresh, seed: -1 }), /seed must be/);
  });
});
