/** One event record waiting to be written: which host's log, when, and the values of its System element. */
import type { EvtxValue } from "../evtx/write/index.js";
import type { EventDefinition } from "./event-templates.js";
import type { Host } from "./network.js";

export interface SimRecord {
  /** Milliseconds since the epoch (UTC), with a fraction below the millisecond. */
  readonly time: number;
  /** Creation order: ties in time keep it, so a record never precedes the one that caused it. */
  readonly seq: number;
  readonly host: Host;
  readonly def: EventDefinition;
  /** The nested EventData/UserData value. */
  readonly data: EvtxValue;
  readonly processId: number;
  readonly threadId: number;
  readonly userSid: EvtxValue | null;
  readonly activityId: EvtxValue | null;
  /** The intrusion steps the record is evidence of (a wmiexec command line can show two); empty for background. */
  readonly steps: readonly string[];
}

export function compareRecords(a: SimRecord, b: SimRecord): number {
  return a.time - b.time || a.seq - b.seq;
}
