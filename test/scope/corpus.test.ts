/**
 * Edges from real logs: files of EVTX-ATTACK-SAMPLES' Lateral Movement folder read as a hunt reads them
 * (openEvidence), through a ScopeCollector and the report's graph, against edges worked out by hand from the records
 * (`vigil dump --format jsonl FILE`), named by EventRecordID. Lab names as the logs spell them: PC01 is 10.0.2.17 in
 * the EXAMPLE lab (4624 record 563297 says so), WIN-77LTAPHIQ1R its server.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { ScopeCollector } from "../../src/scope/collector.js";
import { buildScope, type GraphEdge, type ScopeReport } from "../../src/scope/report.js";
import { openEvidence } from "../../src/sources/open.js";

const folder = fileURLToPath(new URL("../../../shared/evtx/EVTX-ATTACK-SAMPLES/Lateral Movement/", import.meta.url));

async function scope(...files: string[]): Promise<ScopeReport> {
  const collector = new ScopeCollector();
  for await (const event of openEvidence(files.map((f) => join(folder, f)))) collector.observe(event);
  return buildScope(collector.facts(), []);
}

/** `method source -> target as account xCOUNT [first record ids]`. */
function edge(e: GraphEdge): string {
  const records = e.samples.map((s) => s.recordId).join(",");
  return `${e.method} ${e.source} -> ${e.target} as ${e.account ?? "-"} x${e.count} [${records}]`;
}

if (!existsSync(folder)) {
  test("Lateral Movement corpus", (t) => {
    t.skip("../shared not found: corpus tests skipped");
  });
} else {
  describe("EVTX-ATTACK-SAMPLES/Lateral Movement", () => {
    test("LM_WMI_4624_4688_TargetHost: network logons from PC01, and WMI running calc.exe for it", async () => {
      const r = await scope("LM_WMI_4624_4688_TargetHost.evtx");
      assert.deepEqual(r.graph.edges.map(edge), [
        // 4624 type 3 from 10.0.2.17: 563285 and 563294 (Kerberos), 563297 (NTLM, WorkstationName PC01).
        "network-logon PC01 -> WIN-77LTAPHIQ1R.example.corp as EXAMPLE\\Administrator x3 [563285,563294,563297]",
        // 4688 563298 starts WmiPrvSE.exe (pid 0xae8); 563299 calc.exe has parent pid 0xae8, 31 ms after 563297.
        "remote-wmi PC01 -> WIN-77LTAPHIQ1R.example.corp as EXAMPLE\\Administrator x1 [563299]",
        // 4624 563300: user01 by Kerberos from 10.0.2.17 (after calc.exe started: not WMI's session).
        "network-logon PC01 -> WIN-77LTAPHIQ1R.example.corp as EXAMPLE\\user01 x1 [563300]",
      ]);
      assert.deepEqual(r.graph.edges[0].sourceAddresses, ["10.0.2.17"]);
      // 563265 (the server's machine account from fe80::…) and 563342 (from ::1) are the server itself: no edge.
      assert.deepEqual(r.graph.nodes.find((n) => n.key === "win-77ltaphiq1r")?.addresses, [
        "fe80::79bf:8ee2:433c:2567",
      ]);
    });

    test("LM_WMIC_4648_rpcss: explicit credentials from PC01 to the server", async () => {
      const r = await scope("LM_WMIC_4648_rpcss.evtx");
      assert.deepEqual(r.graph.edges.map(edge), [
        // 4648 433333 (svchost, RPCSS/…), 433340 and 433350 (WMIC.exe): administrator's credentials toward the server.
        "explicit-credentials PC01.example.corp -> WIN-77LTAPHIQ1R.example.corp as example\\administrator x3 [433333,433340,433350]",
      ]);
      assert.deepEqual(r.graph.edges[0].details, ["svchost.exe", "WMIC.exe"]);
      // 4688 433308 is WMIC.exe with an empty CommandLine: no /node to read, no wmic-node edge.
    });

    test("LM_ScheduledTask_ATSVC_target_host: a task created over IPC$\\atsvc, files dropped in ADMIN$", async () => {
      const r = await scope("LM_ScheduledTask_ATSVC_target_host.evtx");
      assert.deepEqual(r.graph.edges.map(edge), [
        // 4624 566826 and 566830 from 10.0.2.17 (566823 is ANONYMOUS LOGON; 566835 has no address: no source).
        "network-logon 10.0.2.17 -> WIN-77LTAPHIQ1R.example.corp as EXAMPLE\\Administrator x2 [566826,566830]",
        // 5145 566832 on IPC$ atsvc (5140 566831 on IPC$ alone is no edge).
        "remote-task 10.0.2.17 -> WIN-77LTAPHIQ1R.example.corp as EXAMPLE\\Administrator x1 [566832]",
        // 5140 566841, 566845, 566847 and 5145 566842, 566843, 566846, 566848 on ADMIN$ (Temp\CYAlyNSS.tmp).
        "admin-share 10.0.2.17 -> WIN-77LTAPHIQ1R.example.corp as EXAMPLE\\Administrator x7 [566841,566842,566843]",
      ]);
    });

    test("LM_REMCOM_5145_TargetHost: RemCom copied to ADMIN$ and started through svcctl, three times", async () => {
      const r = await scope("LM_REMCOM_5145_TargetHost.evtx");
      assert.deepEqual(r.graph.edges.map(edge), [
        // 5145 237285-237287, 237370-237372, 237399-237401 on ADMIN$ (System32\RemComSvc.exe) from 10.0.2.16.
        "admin-share 10.0.2.16 -> PC01.example.corp as PC01\\IEUser x9 [237285,237286,237287]",
        // 5145 237343, 237384, 237415 on IPC$ svcctl.
        "remote-service 10.0.2.16 -> PC01.example.corp as PC01\\IEUser x3 [237343,237384,237415]",
      ]);
      // 237972-237989 on C$ come from ::1, the host itself: no edge.
    });

    test("LM_renamed_psexecsvc_5145: PsExec with a renamed service (-r blabla)", async () => {
      const r = await scope("LM_renamed_psexecsvc_5145.evtx");
      assert.deepEqual(r.graph.edges.map(edge), [
        // 5145 83997, 83998 on IPC$ winreg.
        "remote-registry 10.0.2.16 -> IEWIN7 as IEWIN7\\IEUser x2 [83997,83998]",
        // 5145 84002, 84003, 84012, 84037, 84038, 84039 (blabla.exe) on ADMIN$.
        "admin-share 10.0.2.16 -> IEWIN7 as IEWIN7\\IEUser x6 [84002,84003,84012]",
        // 5145 84044 on IPC$ svcctl.
        "remote-service 10.0.2.16 -> IEWIN7 as IEWIN7\\IEUser x1 [84044]",
        // 5145 84050-84052: PsExec's blabla-NLLT108334-37048-stdin/stdout/stderr pipes.
        "psexec 10.0.2.16 -> IEWIN7 as IEWIN7\\IEUser x3 [84050,84051,84052]",
      ]);
      // 84009, 84011, 84015, 84018: IEWIN7$ from 10.0.2.15, the host's own machine account: its address, no edge.
      assert.deepEqual(r.graph.nodes.find((n) => n.key === "iewin7")?.addresses, ["10.0.2.15"]);
    });

    test("LM_5145_Remote_FileCopy: 888 objects of C$ read from 10.0.2.15", async () => {
      const r = await scope("LM_5145_Remote_FileCopy.evtx");
      // Every record 437472..438258 is a 5145 on C$ by Administrator from 10.0.2.15.
      assert.deepEqual(r.graph.edges.map(edge), [
        "admin-share 10.0.2.15 -> PC01.example.corp as EXAMPLE\\Administrator x888 [437472,437473,437474]",
      ]);
      assert.equal(r.graph.edges[0].firstSeen, "2019-03-18T14:23:22.134Z");
    });

    test("LM_Remote_Service01 + 02: the 7045 after the svcctl access is the same remote service", async () => {
      const alone = await scope("LM_Remote_Service02_7045.evtx");
      // 7045 4480 (spoolfool), 4482 (spoolsv), 6045 (remotesvc): no session in this log, so no edge from it alone.
      assert.deepEqual(alone.graph.edges.map(edge), []);
      const r = await scope("LM_Remote_Service01_5145_svcctl.evtx", "LM_Remote_Service02_7045.evtx");
      assert.deepEqual(r.graph.edges.map(edge), [
        // 5145 568342 (IPC$ svcctl from 10.0.2.17, SID …-500) and, 47 ms later, 7045 6045 `remotesvc` (calc.exe)
        // installed by Security.UserID …-500: one remote service edge, seen twice.
        "remote-service 10.0.2.17 -> WIN-77LTAPHIQ1R.example.corp as EXAMPLE\\Administrator x2 [568342,6045]",
      ]);
      assert.deepEqual(r.graph.edges[0].details, ["IPC$\\svcctl", "remotesvc"]);
    });

    test("remote task update 4624 4702 same logonid: a-jbrown from workstation 04246W-WIN10", async () => {
      const r = await scope("remote task update 4624 4702 same logonid.evtx");
      assert.deepEqual(r.graph.edges.map(edge), [
        // 4624 2171290 (NTLM, WorkstationName 04246W-WIN10, 172.16.66.142), 2171291 and 2171292 (Kerberos).
        "network-logon 04246W-WIN10 -> 01566s-win16-ir.threebeesco.com as 3B\\a-jbrown x3 [2171290,2171291,2171292]",
      ]);
      assert.deepEqual(r.graph.edges[0].sourceAddresses, ["172.16.66.142"]);
      // 2171294-2171296: the server's machine account from ::1: no edge.
    });

    test("LM_wmiexec_impacket_sysmon_whoami: Impacket wmiexec from 10.0.2.19", async () => {
      const r = await scope("LM_wmiexec_impacket_sysmon_whoami.evtx");
      assert.deepEqual(r.graph.edges.map(edge), [
        // Sysmon 1 9826, 9827, 9828: cmd.exe /Q /c … 1> \\127.0.0.1\ADMIN$\__1556656369.7, parent WmiPrvSE.exe, as
        // IEWIN7\IEUser, after Sysmon 3 9825: 10.0.2.19 into port 445 (UtcTime 20:32:49.659).
        "remote-wmi 10.0.2.19 -> IEWIN7 as IEWIN7\\IEUser x3 [9826,9827,9828]",
      ]);
      assert.equal(r.graph.edges[0].inferred, true);
    });

    test("LM_sysmon_psexec_smb_meterpreter: a service created by services.exe after an SMB session", async () => {
      const r = await scope("LM_sysmon_psexec_smb_meterpreter.evtx");
      assert.deepEqual(r.graph.edges.map(edge), [
        // Sysmon 13 9806: services.exe sets …\services\hello\ImagePath; Sysmon 3 9811: 10.0.2.19 into port 445 at
        // UtcTime 20:26:51.599, before it (the event itself was written at 20:26:53).
        "remote-service 10.0.2.19 -> IEWIN7 as - x1 [9806]",
      ]);
      assert.deepEqual(r.graph.edges[0].details, ["hello"]);
    });

    test("dfir_rdpsharp_target_RdpCoreTs_168_68_131: RDP connections from 10.0.2.16", async () => {
      const r = await scope("dfir_rdpsharp_target_RdpCoreTs_168_68_131.evtx");
      assert.deepEqual(r.graph.edges.map(edge), [
        // RdpCoreTS 131, 22 records from 12551 (ClientIP 10.0.2.16:52202) on.
        "rdp-connection 10.0.2.16 -> MSEDGEWIN10 as - x22 [12551,12572,12635]",
      ]);
    });

    test("no edge from the host to itself: local pass-the-hash and a type 9 logon", async () => {
      // 4624 321446 and 5145 321447 (IPC$ samir) come from 127.0.0.1; 4624 432903 is logon type 9 from ::1.
      const r = await scope(
        "ImpersonateUser-via local Pass The Hash Sysmon and Security.evtx",
        "LM_4624_mimikatz_sekurlsa_pth_source_machine.evtx",
      );
      assert.deepEqual(r.graph.edges.map(edge), []);
    });
  });
}
