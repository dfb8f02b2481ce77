/**
 * Fixtures of the scope tests, built in code: a HuntEvent from a flat record (the EVTX reader's paths, so a test
 * shows exactly the fields that matter), shorthands for the Security, System, Sysmon and TerminalServices events
 * scoping reads, and a Detection as the hunt hands it to the incident builder.
 */
import { eventTimestamp, type HuntEvent } from "../../src/events/event.js";
import { mapFieldView } from "../../src/events/field-map.js";
import type { FieldValue } from "../../src/evtx/types.js";
import type { Detection, Level, PlainValue } from "../../src/hunt/detection.js";
import { ScopeCollector } from "../../src/scope/collector.js";
import type { ScopeFacts } from "../../src/scope/facts.js";

export const SYSMON = "Microsoft-Windows-Sysmon/Operational";

/** 2024-03-01T10:00:00Z plus `minutes` (fractions allowed), as the EVTX reader writes times. */
export function at(minutes: number): string {
  return new Date(Date.UTC(2024, 2, 1, 10, 0) + minutes * 60_000).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

export function ms(minutes: number): number {
  return Date.UTC(2024, 2, 1, 10, 0) + minutes * 60_000;
}

let nextRecord = 1000;

export function huntEvent(fields: Record<string, FieldValue>, file = "evidence.evtx"): HuntEvent {
  const map = new Map<string, FieldValue>(Object.entries(fields));
  if (!map.has("System.EventRecordID")) map.set("System.EventRecordID", nextRecord++);
  const view = mapFieldView(map);
  return { fields: view, timestamp: eventTimestamp(view), source: { file, offset: null }, recovered: false };
}

/** An event of `channel` on `computer` at minute `minute`, with EventData fields by short name. */
export function event(
  channel: string,
  id: number,
  computer: string,
  minute: number,
  data: Record<string, FieldValue>,
  extra: Record<string, FieldValue> = {},
  file?: string,
): HuntEvent {
  const fields: Record<string, FieldValue> = {
    "System.EventID": id,
    "System.TimeCreated.SystemTime": at(minute),
    "System.Channel": channel,
    "System.Computer": computer,
    ...extra,
  };
  for (const [k, v] of Object.entries(data)) fields[`EventData.${k}`] = v;
  return huntEvent(fields, file);
}

export function security(id: number, computer: string, minute: number, data: Record<string, FieldValue>): HuntEvent {
  return event("Security", id, computer, minute, data);
}

export function sysmon(id: number, computer: string, minute: number, data: Record<string, FieldValue>): HuntEvent {
  return event(SYSMON, id, computer, minute, data);
}

/** 4624 as Windows writes a network (3) or RDP (10) logon. */
export function logon(
  computer: string,
  minute: number,
  o: { user: string; domain?: string; type?: number; ip?: string; workstation?: string; sid?: string; auth?: string },
): HuntEvent {
  return security(4624, computer, minute, {
    SubjectUserSid: "S-1-0-0",
    SubjectUserName: "-",
    SubjectDomainName: "-",
    TargetUserSid: o.sid ?? "S-1-5-21-1-2-3-1105",
    TargetUserName: o.user,
    TargetDomainName: o.domain ?? "CORP",
    LogonType: o.type ?? 3,
    AuthenticationPackageName: o.auth ?? "NTLM",
    WorkstationName: o.workstation ?? "-",
    IpAddress: o.ip ?? "-",
    IpPort: "49152",
  });
}

export function failedLogon(computer: string, minute: number, user: string, ip: string, workstation = "-"): HuntEvent {
  return security(4625, computer, minute, {
    TargetUserName: user,
    TargetDomainName: "CORP",
    Status: "0xc000006d",
    SubStatus: "0xc000006a",
    LogonType: 3,
    WorkstationName: workstation,
    IpAddress: ip,
  });
}

export function shareAccess(
  id: 5140 | 5145,
  computer: string,
  minute: number,
  o: { user: string; domain?: string; ip: string; share: string; relative?: string; sid?: string },
): HuntEvent {
  return security(id, computer, minute, {
    SubjectUserSid: o.sid ?? "S-1-5-21-1-2-3-1105",
    SubjectUserName: o.user,
    SubjectDomainName: o.domain ?? "CORP",
    ObjectType: "File",
    IpAddress: o.ip,
    IpPort: "49160",
    ShareName: `\\\\*\\${o.share}`,
    ...(id === 5145 ? { RelativeTargetName: o.relative ?? "\\" } : {}),
  });
}

export function collect(events: readonly HuntEvent[]): ScopeFacts {
  const collector = new ScopeCollector();
  for (const e of events) collector.observe(e);
  return collector.facts();
}

export interface DetectionSpec {
  readonly minute: number;
  readonly computer: string | null;
  readonly title?: string;
  readonly level?: Level;
  readonly tags?: readonly string[];
  readonly eventId?: number;
  readonly channel?: string;
  readonly event?: Record<string, PlainValue>;
  readonly details?: Record<string, string>;
  readonly id?: string;
}

export function detection(d: DetectionSpec): Detection {
  const title = d.title ?? "Test rule";
  return {
    timestamp: ms(d.minute),
    rule: {
      id: d.id ?? `id-${title}`,
      title,
      level: d.level ?? "high",
      tags: d.tags ?? [],
      file: "rules/test.yml",
      kind: "detection",
    },
    computer: d.computer,
    channel: d.channel ?? "Security",
    eventId: d.eventId ?? 4688,
    recordId: String(d.minute * 10),
    source: { file: "evidence.evtx", offset: null },
    details: d.details ?? {},
    event: d.event ?? {},
  };
}
