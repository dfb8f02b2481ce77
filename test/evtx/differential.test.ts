/**
 * The reader against the reference data in ../shared/evtx: every file reads without throwing, the parser edge cases
 * give at least the records the Rust `evtx` crate reads (EXPECTED.md), and record counts agree with libevtx's
 * `evtxexport`, computed live, except where a known difference is written down below with its reason.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { after, test } from "node:test";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { isDeepStrictEqual } from "node:util";
import { closeWorkerPools, type EvtxRecord, readEvtxBuffer, readEvtxFile } from "../../src/evtx/index.js";
import { ChunkRecord } from "../../src/evtx/record.js";
import { FieldSink } from "../../src/evtx/render/fields.js";
import { stringifyJson } from "../../src/evtx/render/json.js";
import {
  countEvtxexport,
  type EvtxexportCount,
  hasEvtxexport,
  hasSharedEvtx,
  listEvtxexportRecords,
  listEvtxFiles,
  mapBounded,
  noEvtxexportReason,
  noSharedReason,
  sharedEvtxDir,
} from "./reference.js";

const edgeCasesDir = join(sharedEvtxDir, "parser-edge-cases");
const files = hasSharedEvtx ? listEvtxFiles(sharedEvtxDir) : [];
/** Path under ../shared/evtx with forward slashes: the key of the tables below. */
const nameOf = (path: string): string => relative(sharedEvtxDir, path).split(sep).join("/");

after(() => closeWorkerPools());

/**
 * Records a correct reader gets from each file of parser-edge-cases: the "ok" count of EXPECTED.md (the Rust `evtx`
 * crate's tests). Vigil may recover more, never fewer. Where EXPECTED.md says "all records" the number is the file's
 * record headers (python-evtx and evtxexport agree); the last three files are not in EXPECTED.md and are counted the
 * same way.
 */
const EDGE_CASES: Readonly<Record<string, { readonly ok: number; readonly what: string }>> = {
  "2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx": {
    ok: 1910,
    what: "chunk with a bad checksum",
  },
  "2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx": {
    ok: 1774,
    what: "bad checksum, second case",
  },
  "2-vss_7-System.evtx": { ok: 1160, what: "a chunk after a zeroed region" },
  "sample_with_a_bad_chunk_magic.evtx": { ok: 270, what: "bad chunk magic" },
  "Microsoft-Windows-HelloForBusiness%4Operational.evtx": { ok: 6, what: "BinXML with an incomplete SID" },
  "Microsoft-Windows-LanguagePackSetup%4Operational.evtx": { ok: 17, what: "incomplete template" },
  // 336 record slots, one of which has data size 0 and is reported as damage.
  "sample-with-zero-data-size-event.evtx": { ok: 335, what: "a record whose data size is 0" },
  "Application_no_crc32.evtx": { ok: 17, what: "file header flag 0x4: no CRC32" },
  "post-Security.evtx": { ok: 126, what: "unusual header flags" },
  "security_bad_string_cache.evtx": { ok: 2261, what: "a missing string-cache entry (all records)" },
  "E_Windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx": {
    ok: 340,
    what: "BinXML inside a substitution, PI target, UserData, entity references",
  },
  "E_ShadowCopy6_windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx": {
    ok: 459,
    what: "BinXML inside a substitution, second case",
  },
  "E_Windows_system32_winevt_logs_Microsoft-Windows-Shell-Core%4Operational.evtx": {
    ok: 1146,
    what: "several XML fragments in one record",
  },
  "sample-with-irregular-bool-values.evtx": { ok: 3028, what: "booleans other than 0 and 1" },
  "MSExchange_Management_wec.evtx": { ok: 1, what: "forwarded (WEC) rendered event" },
  "issue_201.evtx": { ok: 1, what: "several empty Data elements (all records)" },
  "Security_with_size_t.evtx": { ok: 636, what: "SizeT values (all records)" },
  "security.evtx": { ok: 2261, what: "a regular Security log (all records)" },
  "system.evtx": { ok: 1881, what: "EventID with Qualifiers, Data arrays (all records)" },
  "new-user-security.evtx": { ok: 4, what: "a single chunk" },
  "2-system-Microsoft-Windows-LiveId%4Operational.evtx": { ok: 399, what: "not in EXPECTED.md (all records)" },
  "Security_short_selected.evtx": { ok: 7, what: "not in EXPECTED.md (all records)" },
  "sysmon.evtx": { ok: 358, what: "not in EXPECTED.md (all records)" },
};

/*
 * Why counts differ from evtxexport (Debian libevtx 20181227), as found by comparing the record numbers each side
 * yields. Slack is the space after a chunk's free-space offset, where older records survive after a log was cleared,
 * exported or wrapped.
 */
const vigilSlack = (n: number): string =>
  `Vigil recovers ${n} slack records evtxexport does not output (libevtx does not find them, or cannot retrieve ` +
  "them and evtxexport skips them without a message); each decodes to a whole event, System.TimeCreated within " +
  "minutes of its record header's time";
const evtxexportStale = (n: number, cause: "names" | "template" | "names+template"): string =>
  `evtxexport outputs ${n} stale slack records as broken XML, none with a closing </Event>: ${
    {
      names: "their name offsets point at overwritten chunk data (garbage element and attribute names)",
      template: "the template they reference has been overwritten by another (template id mismatch)",
      "names+template": "their name offsets or their template point at overwritten chunk data",
    }[cause]
  }; Vigil rejects them as fragments`;
const evtxStopped = (read: number, lost: number, token: "0x05" | "0x49"): string =>
  `evtxexport stops after ${read} records at BinXML it does not support (libfwevt: unsupported token ${token}, ${
    { "0x05": "a value where it expects an attribute", "0x49": "an entity reference in an attribute value" }[token]
  }) and loses the ${lost} allocated records from there on; Vigil reads them (EXPECTED.md agrees)`;
const vigilBadSizeCopy = (n: number): string =>
  `Vigil reads ${n} allocated records at or after a record whose trailing size copy is wrong (partly zeroed or ` +
  "overwritten, in a chunk whose records CRC fails); libevtx stops reading that chunk's records there";

/**
 * Files whose record count differs from evtxexport's (allocated plus recovered records it renders), with both counts
 * and why. Counts are exact, so a change on either side shows up here and the table stays true.
 */
const KNOWN_DIFFERENCES: Readonly<
  Record<string, { readonly vigil: number; readonly evtxexport: number; readonly reason: string }>
> = {
  "EVTX-ATTACK-SAMPLES/AutomatedTestingTools/Malware/DE_timestomp_and_dll_sideloading_and_RunPersist.evtx": {
    vigil: 30,
    evtxexport: 23,
    reason: vigilSlack(7),
  },
  "EVTX-ATTACK-SAMPLES/AutomatedTestingTools/Malware/rundll32_hollowing_wermgr_masquerading.evtx": {
    vigil: 118,
    evtxexport: 22,
    reason: vigilSlack(96),
  },
  "EVTX-ATTACK-SAMPLES/AutomatedTestingTools/Malware/sideloading_uacbypass_rundll32_injection_c2.evtx": {
    vigil: 117,
    evtxexport: 18,
    reason: vigilSlack(99),
  },
  "EVTX-ATTACK-SAMPLES/AutomatedTestingTools/WinDefender_Events_1117_1116_AtomicRedTeam.evtx": {
    vigil: 78,
    evtxexport: 11,
    reason: vigilSlack(67),
  },
  "EVTX-ATTACK-SAMPLES/Command and Control/bits_openvpn.evtx": {
    vigil: 1571,
    evtxexport: 1537,
    reason: vigilSlack(34),
  },
  "EVTX-ATTACK-SAMPLES/Credential Access/CA_Mimikatz_Memssp_Default_Logs_Sysmon_11.evtx": {
    vigil: 109,
    evtxexport: 1,
    reason: vigilSlack(108),
  },
  "EVTX-ATTACK-SAMPLES/Credential Access/CA_chrome_firefox_opera_4663.evtx": {
    vigil: 5,
    evtxexport: 7,
    reason: evtxexportStale(2, "names"),
  },
  "EVTX-ATTACK-SAMPLES/Credential Access/Sysmon13_MachineAccount_Password_Hash_Changed_via_LsarSetSecret.evtx": {
    vigil: 4,
    evtxexport: 43,
    reason: evtxexportStale(39, "template"),
  },
  "EVTX-ATTACK-SAMPLES/Credential Access/Sysmon_13_Local_Admin_Password_Changed.evtx": {
    vigil: 45,
    evtxexport: 1,
    reason: vigilSlack(44),
  },
  "EVTX-ATTACK-SAMPLES/Credential Access/babyshark_mimikatz_powershell.evtx": {
    vigil: 86,
    evtxexport: 33,
    reason: vigilSlack(53),
  },
  "EVTX-ATTACK-SAMPLES/Credential Access/phish_windows_credentials_powershell_scriptblockLog_4104.evtx": {
    vigil: 18,
    evtxexport: 2,
    reason: vigilSlack(16),
  },
  "EVTX-ATTACK-SAMPLES/Credential Access/remote_pwd_reset_rpc_mimikatz_postzerologon_target_DC.evtx": {
    vigil: 44,
    evtxexport: 8,
    reason: vigilSlack(36),
  },
  "EVTX-ATTACK-SAMPLES/Credential Access/sysmon17_18_kekeo_tsssp_default_np.evtx": {
    vigil: 111,
    evtxexport: 13,
    reason: vigilSlack(98),
  },
  "EVTX-ATTACK-SAMPLES/Credential Access/sysmon_10_lsass_mimikatz_sekurlsa_logonpasswords.evtx": {
    vigil: 24,
    evtxexport: 1,
    reason: vigilSlack(23),
  },
  "EVTX-ATTACK-SAMPLES/Credential Access/sysmon_13_keylogger_directx.evtx": {
    vigil: 41,
    evtxexport: 15,
    reason: vigilSlack(26),
  },
  "EVTX-ATTACK-SAMPLES/Credential Access/sysmon_2x10_lsass_with_different_pid_RtlCreateProcessReflection.evtx": {
    vigil: 146,
    evtxexport: 6,
    reason: vigilSlack(140),
  },
  "EVTX-ATTACK-SAMPLES/Credential Access/tutto_malseclogon.evtx": { vigil: 32, evtxexport: 15, reason: vigilSlack(17) },
  "EVTX-ATTACK-SAMPLES/Defense Evasion/DE_BYOV_Zam64_CA_Memdump_sysmon_7_10.evtx": {
    vigil: 29,
    evtxexport: 6,
    reason: vigilSlack(23),
  },
  "EVTX-ATTACK-SAMPLES/Defense Evasion/DE_Fake_ComputerAccount_4720.evtx": {
    vigil: 11,
    evtxexport: 2,
    reason: vigilSlack(9),
  },
  "EVTX-ATTACK-SAMPLES/Defense Evasion/Sysmon 7  Update Session Orchestrator Dll Hijack.evtx": {
    vigil: 93,
    evtxexport: 73,
    reason: vigilSlack(20),
  },
  "EVTX-ATTACK-SAMPLES/Defense Evasion/Sysmon 7 dllhijack_cdpsshims_CDPSvc.evtx": {
    vigil: 119,
    evtxexport: 13,
    reason: vigilSlack(106),
  },
  "EVTX-ATTACK-SAMPLES/Defense Evasion/de_hiding_files_via_attrib_cmdlet.evtx": {
    vigil: 113,
    evtxexport: 9,
    reason: vigilSlack(104),
  },
  "EVTX-ATTACK-SAMPLES/Defense Evasion/de_sysmon_13_VBA_Security_AccessVBOM.evtx": {
    vigil: 139,
    evtxexport: 1,
    reason: vigilSlack(138),
  },
  "EVTX-ATTACK-SAMPLES/Defense Evasion/process_suspend_sysmon_10_ga_800.evtx": {
    vigil: 50,
    evtxexport: 25,
    reason: vigilSlack(25),
  },
  "EVTX-ATTACK-SAMPLES/Defense Evasion/sideloading_wwlib_sysmon_7_1_11.evtx": {
    vigil: 84,
    evtxexport: 7,
    reason: vigilSlack(77),
  },
  "EVTX-ATTACK-SAMPLES/Defense Evasion/sysmon_10_1_ppid_spoofing.evtx": {
    vigil: 28,
    evtxexport: 5,
    reason: vigilSlack(23),
  },
  "EVTX-ATTACK-SAMPLES/Discovery/Discovery_Remote_System_NamedPipes_Sysmon_18.evtx": {
    vigil: 21,
    evtxexport: 23,
    reason: evtxexportStale(2, "names"),
  },
  "EVTX-ATTACK-SAMPLES/Discovery/discovery_enum_shares_target_sysmon_3_18.evtx": {
    vigil: 4,
    evtxexport: 20,
    reason: evtxexportStale(16, "names"),
  },
  "EVTX-ATTACK-SAMPLES/Discovery/discovery_local_user_or_group_windows_security_4799_4798.evtx": {
    vigil: 146,
    evtxexport: 139,
    reason: vigilSlack(7),
  },
  "EVTX-ATTACK-SAMPLES/Discovery/discovery_sysmon_18_Invoke_UserHunter_NetSessionEnum_DC-srvsvc.evtx": {
    vigil: 41,
    evtxexport: 7,
    reason: vigilSlack(34),
  },
  "EVTX-ATTACK-SAMPLES/Execution/exec_persist_rundll32_mshta_scheduledtask_sysmon_1_3_11.evtx": {
    vigil: 9,
    evtxexport: 8,
    reason: vigilSlack(1),
  },
  "EVTX-ATTACK-SAMPLES/Execution/exec_sysmon_1_11_lolbin_rundll32_openurl_FileProtocolHandler.evtx": {
    vigil: 102,
    evtxexport: 11,
    reason: vigilSlack(91),
  },
  "EVTX-ATTACK-SAMPLES/Execution/exec_sysmon_1_ftp.evtx": { vigil: 79, evtxexport: 4, reason: vigilSlack(75) },
  "EVTX-ATTACK-SAMPLES/Execution/exec_sysmon_1_lolbin_pcalua.evtx": { vigil: 6, evtxexport: 3, reason: vigilSlack(3) },
  "EVTX-ATTACK-SAMPLES/Execution/exec_sysmon_1_lolbin_rundll32_advpack_RegisterOCX.evtx": {
    vigil: 106,
    evtxexport: 98,
    reason: vigilSlack(8),
  },
  "EVTX-ATTACK-SAMPLES/Execution/exec_sysmon_1_rundll32_pcwutl_LaunchApplication.evtx": {
    vigil: 85,
    evtxexport: 1,
    reason: vigilSlack(84),
  },
  "EVTX-ATTACK-SAMPLES/Execution/exec_sysmon_lobin_regsvr32_sct.evtx": {
    vigil: 130,
    evtxexport: 31,
    reason: vigilSlack(99),
  },
  "EVTX-ATTACK-SAMPLES/Execution/revshell_cmd_svchost_sysmon_1.evtx": {
    vigil: 32,
    evtxexport: 4,
    reason: vigilSlack(28),
  },
  "EVTX-ATTACK-SAMPLES/Execution/rogue_msi_url_1040_1042.evtx": { vigil: 430, evtxexport: 351, reason: vigilSlack(79) },
  "EVTX-ATTACK-SAMPLES/Execution/sysmon_11_1_lolbas_downldr_desktopimgdownldr.evtx": {
    vigil: 3,
    evtxexport: 12,
    reason: evtxexportStale(9, "template"),
  },
  "EVTX-ATTACK-SAMPLES/Execution/sysmon_lolbas_rundll32_zipfldr_routethecall_shell.evtx": {
    vigil: 58,
    evtxexport: 2,
    reason: vigilSlack(56),
  },
  "EVTX-ATTACK-SAMPLES/Execution/sysmon_vbs_sharpshooter_stageless_meterpreter.evtx": {
    vigil: 97,
    evtxexport: 5,
    reason: vigilSlack(92),
  },
  "EVTX-ATTACK-SAMPLES/Execution/sysmon_zipexec.evtx": { vigil: 74, evtxexport: 8, reason: vigilSlack(66) },
  "EVTX-ATTACK-SAMPLES/Lateral Movement/DFIR_RDP_Client_TimeZone_RdpCoreTs_104_example.evtx": {
    vigil: 123,
    evtxexport: 21,
    reason: vigilSlack(102),
  },
  "EVTX-ATTACK-SAMPLES/Lateral Movement/ImpersonateUser-via local Pass The Hash Sysmon and Security.evtx": {
    vigil: 42,
    evtxexport: 14,
    reason: vigilSlack(28),
  },
  "EVTX-ATTACK-SAMPLES/Lateral Movement/LM_NewShare_Added_Sysmon_12_13.evtx": {
    vigil: 141,
    evtxexport: 101,
    reason: vigilSlack(40),
  },
  "EVTX-ATTACK-SAMPLES/Lateral Movement/LM_PowershellRemoting_sysmon_1_wsmprovhost.evtx": {
    vigil: 1,
    evtxexport: 17,
    reason: evtxexportStale(16, "names"),
  },
  "EVTX-ATTACK-SAMPLES/Lateral Movement/LM_WMIC_4648_rpcss.evtx": {
    vigil: 5,
    evtxexport: 48,
    reason: evtxexportStale(43, "names+template"),
  },
  "EVTX-ATTACK-SAMPLES/Lateral Movement/LM_impacket_docmexec_mmc_sysmon_01.evtx": {
    vigil: 20,
    evtxexport: 15,
    reason: vigilSlack(5),
  },
  "EVTX-ATTACK-SAMPLES/Lateral Movement/LM_sysmon_remote_task_src_powershell.evtx": {
    vigil: 151,
    evtxexport: 4,
    reason: vigilSlack(147),
  },
  "EVTX-ATTACK-SAMPLES/Lateral Movement/LM_wmi_PoisonHandler_Mr-Un1k0d3r_sysmon_1_13.evtx": {
    vigil: 45,
    evtxexport: 21,
    reason: vigilSlack(24),
  },
  "EVTX-ATTACK-SAMPLES/Lateral Movement/RemotePowerShell_MS_Windows-Remote_Management_EventID_169.evtx": {
    vigil: 74,
    evtxexport: 6,
    reason: vigilSlack(68),
  },
  "EVTX-ATTACK-SAMPLES/Lateral Movement/dfir_rdpsharp_target_RdpCoreTs_168_68_131.evtx": {
    vigil: 66,
    evtxexport: 40,
    reason: vigilSlack(26),
  },
  "EVTX-ATTACK-SAMPLES/Lateral Movement/lateral_movement_startup_3_11.evtx": {
    vigil: 79,
    evtxexport: 44,
    reason: vigilSlack(35),
  },
  "EVTX-ATTACK-SAMPLES/Lateral Movement/lm_remote_registry_sysmon_1_13_3.evtx": {
    vigil: 127,
    evtxexport: 4,
    reason: vigilSlack(123),
  },
  "EVTX-ATTACK-SAMPLES/Lateral Movement/sharprdp_sysmon_7_mstscax.dll.evtx": {
    vigil: 104,
    evtxexport: 4,
    reason: vigilSlack(100),
  },
  "EVTX-ATTACK-SAMPLES/Lateral Movement/smb_bi_auth_conn_spoolsample.evtx": {
    vigil: 141,
    evtxexport: 41,
    reason: vigilSlack(100),
  },
  "EVTX-ATTACK-SAMPLES/Lateral Movement/smbmap_upload_exec_sysmon.evtx": {
    vigil: 89,
    evtxexport: 29,
    reason: vigilSlack(60),
  },
  "EVTX-ATTACK-SAMPLES/Lateral Movement/wmi_remote_registry_sysmon.evtx": {
    vigil: 83,
    evtxexport: 37,
    reason: vigilSlack(46),
  },
  "EVTX-ATTACK-SAMPLES/Other/emotet/exec_emotet_ps_4104.evtx": {
    vigil: 1,
    evtxexport: 2,
    reason: evtxexportStale(1, "names"),
  },
  "EVTX-ATTACK-SAMPLES/Other/emotet/exec_emotet_sysmon_1.evtx": { vigil: 9, evtxexport: 1, reason: vigilSlack(8) },
  "EVTX-ATTACK-SAMPLES/Other/rdpcorets_148_mst120_bluekeep_rpdscan_full.evtx": {
    vigil: 831,
    evtxexport: 747,
    reason: vigilSlack(84),
  },
  "EVTX-ATTACK-SAMPLES/Persistence/Persistence_Winsock_Catalog Change EventId_1.evtx": {
    vigil: 141,
    evtxexport: 2,
    reason: vigilSlack(139),
  },
  "EVTX-ATTACK-SAMPLES/Persistence/evasion_persis_hidden_run_keyvalue_sysmon_13.evtx": {
    vigil: 20,
    evtxexport: 1,
    reason: vigilSlack(19),
  },
  "EVTX-ATTACK-SAMPLES/Persistence/persist_bitsadmin_Microsoft-Windows-Bits-Client-Operational.evtx": {
    vigil: 118,
    evtxexport: 6,
    reason: vigilSlack(112),
  },
  "EVTX-ATTACK-SAMPLES/Persistence/persist_turla_outlook_backdoor_comhijack.evtx": {
    vigil: 3,
    evtxexport: 26,
    reason: evtxexportStale(23, "names"),
  },
  "EVTX-ATTACK-SAMPLES/Persistence/persist_valid_account_guest_rid_hijack.evtx": {
    vigil: 48,
    evtxexport: 17,
    reason: vigilSlack(31),
  },
  "EVTX-ATTACK-SAMPLES/Persistence/persistence_SilentProcessExit_ImageHijack_sysmon_13_1.evtx": {
    vigil: 96,
    evtxexport: 49,
    reason: vigilSlack(47),
  },
  "EVTX-ATTACK-SAMPLES/Persistence/persistence_hidden_local_account_sysmon.evtx": {
    vigil: 100,
    evtxexport: 41,
    reason: vigilSlack(59),
  },
  "EVTX-ATTACK-SAMPLES/Persistence/persistence_pendingGPO_sysmon_13.evtx": {
    vigil: 40,
    evtxexport: 10,
    reason: vigilSlack(30),
  },
  "EVTX-ATTACK-SAMPLES/Persistence/persistence_startup_UserShellStartup_Folder_Changed_sysmon_13.evtx": {
    vigil: 98,
    evtxexport: 1,
    reason: vigilSlack(97),
  },
  "EVTX-ATTACK-SAMPLES/Persistence/persistence_sysmon_11_13_1_shime_appfix.evtx": {
    vigil: 264,
    evtxexport: 263,
    reason: vigilSlack(1),
  },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/CVE-2020-0796_SMBV3Ghost_LocalPrivEsc_Sysmon_3_1_10.evtx": {
    vigil: 138,
    evtxexport: 4,
    reason: vigilSlack(134),
  },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/EfsPotato_sysmon_17_18_privesc_seimpersonate_to_system.evtx": {
    vigil: 47,
    evtxexport: 22,
    reason: vigilSlack(25),
  },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/Invoke_TokenDuplication_UAC_Bypass4624.evtx": {
    vigil: 113,
    evtxexport: 26,
    reason: vigilSlack(87),
  },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/PrivEsc_CVE-2020-1313_Sysmon_13_UScheduler_Cmdline.evtx": {
    vigil: 113,
    evtxexport: 8,
    reason: vigilSlack(105),
  },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/PrivEsc_Imperson_NetSvc_to_Sys_Decoder_Sysmon_1_17_18.evtx": {
    vigil: 135,
    evtxexport: 13,
    reason: vigilSlack(122),
  },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/PrivEsc_NetSvc_SessionToken_Retrival_via_localSMB_Auth_5145.evtx": {
    vigil: 135,
    evtxexport: 1,
    reason: vigilSlack(134),
  },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/PrivEsc_SeImpersonatePriv_enabled_back_for_upnp_localsvc_4698.evtx": {
    vigil: 2,
    evtxexport: 11,
    reason: evtxexportStale(9, "template"),
  },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/Sysmon_13_1_UACBypass_SDCLTBypass.evtx": {
    vigil: 11,
    evtxexport: 5,
    reason: vigilSlack(6),
  },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/Sysmon_13_1_UAC_Bypass_EventVwrBypass.evtx": {
    vigil: 12,
    evtxexport: 6,
    reason: vigilSlack(6),
  },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/Sysmon_UACME_30.evtx": {
    vigil: 90,
    evtxexport: 20,
    reason: vigilSlack(70),
  },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/Sysmon_UACME_33.evtx": { vigil: 88, evtxexport: 9, reason: vigilSlack(79) },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/Sysmon_UACME_34.evtx": {
    vigil: 132,
    evtxexport: 73,
    reason: vigilSlack(59),
  },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/Sysmon_UACME_36_FileCreate.evtx": {
    vigil: 14,
    evtxexport: 13,
    reason: vigilSlack(1),
  },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/Sysmon_UACME_38.evtx": { vigil: 71, evtxexport: 8, reason: vigilSlack(63) },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/Sysmon_UACME_39.evtx": {
    vigil: 118,
    evtxexport: 10,
    reason: vigilSlack(108),
  },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/Sysmon_UACME_41.evtx": { vigil: 72, evtxexport: 4, reason: vigilSlack(68) },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/Sysmon_UACME_53.evtx": {
    vigil: 87,
    evtxexport: 14,
    reason: vigilSlack(73),
  },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/Sysmon_UACME_56.evtx": {
    vigil: 111,
    evtxexport: 19,
    reason: vigilSlack(92),
  },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/Sysmon_uacme_58.evtx": {
    vigil: 113,
    evtxexport: 41,
    reason: vigilSlack(72),
  },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/UACME_59_Sysmon.evtx": { vigil: 36, evtxexport: 32, reason: vigilSlack(4) },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/privesc_KrbRelayUp_windows_4624.evtx": {
    vigil: 1,
    evtxexport: 3,
    reason: evtxexportStale(2, "template"),
  },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/privesc_rotten_potato_from_webshell_metasploit_sysmon_1_8_3.evtx": {
    vigil: 56,
    evtxexport: 13,
    reason: vigilSlack(43),
  },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/privesc_seimpersonate_tosys_spoolsv_sysmon_17_18.evtx": {
    vigil: 111,
    evtxexport: 7,
    reason: vigilSlack(104),
  },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/privesc_spoolfool_mahdihtm_sysmon_1_11_7_13.evtx": {
    vigil: 83,
    evtxexport: 4,
    reason: vigilSlack(79),
  },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/privesc_sysmon_cve_20201030_spooler.evtx": {
    vigil: 107,
    evtxexport: 8,
    reason: vigilSlack(99),
  },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/privesc_unquoted_svc_sysmon_1_11.evtx": {
    vigil: 122,
    evtxexport: 116,
    reason: vigilSlack(6),
  },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/sysmon_11_1_7_uacbypass_cliconfg.evtx": {
    vigil: 22,
    evtxexport: 17,
    reason: vigilSlack(5),
  },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/sysmon_1_11_exec_as_system_via_schedtask.evtx": {
    vigil: 66,
    evtxexport: 6,
    reason: vigilSlack(60),
  },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/sysmon_1_7_11_mcx2prov_uacbypass.evtx": {
    vigil: 97,
    evtxexport: 10,
    reason: vigilSlack(87),
  },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/sysmon_1_7_11_migwiz.evtx": {
    vigil: 12,
    evtxexport: 7,
    reason: vigilSlack(5),
  },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/sysmon_1_7_11_sysprep_uacbypass.evtx": {
    vigil: 11,
    evtxexport: 8,
    reason: vigilSlack(3),
  },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/sysmon_privesc_from_admin_to_system_handle_inheritance.evtx": {
    vigil: 3,
    evtxexport: 9,
    reason: evtxexportStale(6, "names"),
  },
  "EVTX-ATTACK-SAMPLES/Privilege Escalation/win10_4703_SeDebugPrivilege_enabled.evtx": {
    vigil: 141,
    evtxexport: 12,
    reason: vigilSlack(129),
  },
  "EVTX-ATTACK-SAMPLES/UACME_59_Sysmon.evtx": { vigil: 36, evtxexport: 32, reason: vigilSlack(4) },
  "YamatoSecurity/IntialAccess/ValidAccounts/ID302 RDS Gateway Logon Logoff.evtx": {
    vigil: 17,
    evtxexport: 16,
    reason: vigilSlack(1),
  },
  "YamatoSecurity/LateralMovement/T1563.002_RDP-Hijacking_Security.evtx": {
    vigil: 4,
    evtxexport: 16,
    reason: evtxexportStale(12, "template"),
  },
  "YamatoSecurity/Persistence/T1197_BitsClient.evtx": { vigil: 148, evtxexport: 7, reason: vigilSlack(141) },
  "YamatoSecurity/Vulnerabilities/App_1_CVE-Detected.evtx": { vigil: 101, evtxexport: 86, reason: vigilSlack(15) },
  "parser-edge-cases/2-system-Microsoft-Windows-LiveId%4Operational.evtx": {
    vigil: 408,
    evtxexport: 399,
    reason: vigilSlack(9),
  },
  "parser-edge-cases/2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx": {
    vigil: 2065,
    evtxexport: 1951,
    reason: `${vigilBadSizeCopy(24)}; ${vigilSlack(90)}`,
  },
  "parser-edge-cases/2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx": {
    vigil: 2042,
    evtxexport: 2040,
    reason: `${vigilBadSizeCopy(1)}; ${vigilSlack(1)}`,
  },
  "parser-edge-cases/E_ShadowCopy6_windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx": {
    vigil: 459,
    evtxexport: 89,
    reason: evtxStopped(89, 370, "0x49"),
  },
  "parser-edge-cases/E_Windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx": {
    vigil: 340,
    evtxexport: 24,
    reason: evtxStopped(24, 316, "0x49"),
  },
  "parser-edge-cases/E_Windows_system32_winevt_logs_Microsoft-Windows-Shell-Core%4Operational.evtx": {
    vigil: 1274,
    evtxexport: 1272,
    reason: vigilSlack(2),
  },
  "parser-edge-cases/MSExchange_Management_wec.evtx": { vigil: 1, evtxexport: 0, reason: evtxStopped(0, 1, "0x05") },
  "parser-edge-cases/Microsoft-Windows-HelloForBusiness%4Operational.evtx": {
    vigil: 6,
    evtxexport: 5,
    reason: vigilBadSizeCopy(1),
  },
  "parser-edge-cases/Microsoft-Windows-LanguagePackSetup%4Operational.evtx": {
    vigil: 32,
    evtxexport: 16,
    reason: `${vigilBadSizeCopy(1)}; ${vigilSlack(15)}`,
  },
  "parser-edge-cases/issue_201.evtx": { vigil: 1, evtxexport: 0, reason: evtxStopped(0, 1, "0x05") },
  "parser-edge-cases/sample-with-irregular-bool-values.evtx": {
    vigil: 3132,
    evtxexport: 3028,
    reason: vigilSlack(104),
  },
  "parser-edge-cases/sample_with_a_bad_chunk_magic.evtx": { vigil: 351, evtxexport: 348, reason: vigilBadSizeCopy(3) },
  "parser-edge-cases/security.evtx": { vigil: 2289, evtxexport: 2261, reason: vigilSlack(28) },
  "parser-edge-cases/security_bad_string_cache.evtx": { vigil: 2289, evtxexport: 2261, reason: vigilSlack(28) },
  "parser-edge-cases/system.evtx": { vigil: 1925, evtxexport: 1881, reason: vigilSlack(44) },
};

test("every EVTX file under ../shared/evtx reads without throwing, streamed and from a buffer alike", {
  skip: hasSharedEvtx ? false : noSharedReason,
  timeout: 10 * 60_000,
}, async () => {
  assert.ok(files.length > 300, `expected the ~334 reference EVTX files, found ${files.length}`);
  const disagreements: string[] = [];
  for (const path of files) {
    const reader = readEvtxFile(path, { file: nameOf(path), threads: 2 });
    let streamed = 0;
    for await (const _ of reader) streamed++;
    const buffered = readEvtxBuffer(await readFile(path), { file: nameOf(path) });
    if (streamed !== reader.stats.records || streamed !== buffered.stats.records) {
      disagreements.push(
        `${nameOf(path)}: readEvtxFile yielded ${streamed} (stats.records ${reader.stats.records}), readEvtxBuffer read ${buffered.stats.records}`,
      );
    }
  }
  assert.deepEqual(disagreements, [], `record counts disagree:\n${disagreements.join("\n")}`);
});

test("every record under ../shared/evtx: its compiled fields and JSON are the generic walk's, and most records compile", {
  skip: hasSharedEvtx ? false : noSharedReason,
  timeout: 10 * 60_000,
}, async () => {
  let records = 0;
  let compiled = 0;
  const differ: string[] = [];
  for (const path of files) {
    for (const record of readEvtxBuffer(await readFile(path), { file: nameOf(path) }).records) {
      records++;
      const sink = new FieldSink();
      assert.ok(record instanceof ChunkRecord);
      record.walk(sink);
      const view = record.fields;
      if ((view.layout?.() ?? null) !== null) compiled++;
      if (!isDeepStrictEqual([...view.entries()], [...sink.fields]))
        differ.push(`${nameOf(path)} ${record.recordId}: fields`);
      if (record.toJsonText() !== stringifyJson(record.toJson()))
        differ.push(`${nameOf(path)} ${record.recordId}: JSON`);
    }
    await yieldToEventLoop();
  }
  assert.deepEqual(differ.slice(0, 10), [], `${differ.length} records differ`);
  // Those left to the generic walk: BinXML values that are element trees (CAPI2), records that are not one template.
  // Recovered records whose nested BinXML no longer parses compile, and so do lists of unnamed Data.
  assert.ok(compiled / records > 0.97, `${compiled} of ${records} records have a compiled shape`);
});

test("parser edge cases give at least the records the Rust evtx crate reads (EXPECTED.md)", {
  skip: hasSharedEvtx ? false : noSharedReason,
}, async () => {
  const present = listEvtxFiles(edgeCasesDir).map((p) => relative(edgeCasesDir, p));
  assert.deepEqual(
    present,
    Object.keys(EDGE_CASES).sort(),
    "parser-edge-cases and the EDGE_CASES table list different files",
  );
  const short: string[] = [];
  for (const [name, { ok, what }] of Object.entries(EDGE_CASES)) {
    const { stats } = readEvtxBuffer(await readFile(join(edgeCasesDir, name)), { file: name });
    if (stats.records < ok) short.push(`${name} (${what}): ${stats.records} records, expected at least ${ok}`);
  }
  assert.deepEqual(short, [], `fewer records than EXPECTED.md:\n${short.join("\n")}`);
});

test("a zero data size record is reported as damage, and reading goes on", {
  skip: hasSharedEvtx ? false : noSharedReason,
}, async () => {
  const name = "sample-with-zero-data-size-event.evtx";
  const { damage } = readEvtxBuffer(await readFile(join(edgeCasesDir, name)), { file: name });
  assert.ok(
    damage.some((d) => d.kind === "record"),
    `no "record" damage among: ${damage.map((d) => `${d.kind}: ${d.reason}`).join("; ")}`,
  );
});

test("binxml.dat, a bare BinXML fragment, is rejected cleanly as not EVTX", {
  skip: hasSharedEvtx ? false : noSharedReason,
}, async () => {
  const { records, damage } = readEvtxBuffer(await readFile(join(edgeCasesDir, "binxml.dat")), { file: "binxml.dat" });
  assert.equal(records.length, 0);
  assert.ok(
    damage.some((d) => d.kind === "not-evtx"),
    `no "not-evtx" damage among: ${damage.map((d) => `${d.kind}: ${d.reason}`).join("; ")}`,
  );
});

test("record counts agree with evtxexport, or differ for a known reason", {
  skip: !hasSharedEvtx ? noSharedReason : !hasEvtxexport ? noEvtxexportReason : false,
  timeout: 10 * 60_000,
}, async () => {
  // evtxexport runs on the other cores while this thread decodes.
  const reference = mapBounded(files, countEvtxexport);
  const vigil: { records: number; recovered: number; ids: number[] }[] = [];
  for (const path of files) {
    const { records, stats } = readEvtxBuffer(await readFile(path), { file: nameOf(path) });
    vigil.push({ records: stats.records, recovered: stats.recovered, ids: records.map((r: EvtxRecord) => r.recordId) });
    await yieldToEventLoop();
  }
  const theirs = await reference;

  const problems: string[] = [];
  for (const [i, path] of files.entries()) {
    const name = nameOf(path);
    const ours = vigil[i];
    const known = KNOWN_DIFFERENCES[name];
    if (known !== undefined) {
      if (known.vigil !== ours.records || known.evtxexport !== theirs[i].decoded) {
        problems.push(
          `${name}: known difference is now Vigil ${ours.records} / evtxexport ${theirs[i].decoded} (table: ${known.vigil} / ${known.evtxexport}): update KNOWN_DIFFERENCES`,
        );
      }
    } else if (ours.records !== theirs[i].decoded) {
      problems.push(await explain(path, ours, theirs[i]));
    }
  }
  for (const name of Object.keys(KNOWN_DIFFERENCES)) {
    if (!files.some((p) => nameOf(p) === name))
      problems.push(`${name}: in KNOWN_DIFFERENCES but not under ../shared/evtx`);
  }
  assert.deepEqual(problems, [], `record counts differ from evtxexport:\n${problems.join("\n")}`);
});

/** A line saying how the two readers' records differ: counts, and which record numbers only one of them yields. */
async function explain(
  path: string,
  ours: { records: number; recovered: number; ids: number[] },
  theirs: EvtxexportCount,
): Promise<string> {
  const listed = await listEvtxexportRecords(path);
  const theirIds = [...listed.items, ...listed.recovered].filter((r) => r.decoded).map((r) => r.number);
  const onlyOurs = multisetMinus(ours.ids, theirIds);
  const onlyTheirs = multisetMinus(theirIds, ours.ids);
  return [
    `${nameOf(path)}: Vigil ${ours.records} (${ours.recovered} recovered), evtxexport ${theirs.decoded}`,
    `(${listed.items.length} allocated, ${listed.recovered.filter((r) => r.decoded).length} recovered,`,
    `${theirs.unreadable} recovered unreadable${theirs.itemsError ? `; stopped: ${theirs.itemsError}` : ""});`,
    `record numbers only Vigil yields: ${ranges(onlyOurs)}; only evtxexport: ${ranges(onlyTheirs)}`,
  ].join(" ");
}

/** Elements of `a` left after removing one occurrence for each element of `b`, sorted. */
function multisetMinus(a: readonly number[], b: readonly number[]): number[] {
  const left = new Map<number, number>();
  for (const x of b) left.set(x, (left.get(x) ?? 0) + 1);
  const out: number[] = [];
  for (const x of a) {
    const n = left.get(x) ?? 0;
    if (n > 0) left.set(x, n - 1);
    else out.push(x);
  }
  return out.sort((x, y) => x - y);
}

/** `1-5, 9, 12-13 (8 records)`, or `none`. */
function ranges(sorted: readonly number[]): string {
  if (sorted.length === 0) return "none";
  const parts: string[] = [];
  let start = sorted[0];
  let end = start;
  for (const x of sorted.slice(1)) {
    if (x === end || x === end + 1) end = x;
    else {
      parts.push(start === end ? `${start}` : `${start}-${end}`);
      start = end = x;
    }
  }
  parts.push(start === end ? `${start}` : `${start}-${end}`);
  const shown = parts.length > 12 ? [...parts.slice(0, 12), "…"] : parts;
  return `${shown.join(", ")} (${sorted.length} records)`;
}
