/**
 * The logs of every simulated host, laid out as a collector brings them back: `<host>/<channel file>.evtx`, one
 * EVTX file per host and channel, written as records arrive (in time order), each file numbering its records from 1.
 */
import { mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { EvtxFileWriter } from "../evtx/write/index.js";
import { fileTime } from "./actions.js";
import { CHANNEL_IDS, CHANNELS, type ChannelId, SystemTemplates, systemValues } from "./event-templates.js";
import type { Host } from "./network.js";
import type { SimRecord } from "./sim-record.js";

/** Where a record went: the file relative to the output folder (forward slashes) and its record number. */
export interface WrittenRef {
  readonly file: string;
  readonly recordId: number;
}

interface OpenLog {
  readonly writer: EvtxFileWriter;
  readonly relative: string;
  readonly templates: SystemTemplates;
}

export interface LogSetTotals {
  readonly files: number;
  readonly events: number;
  readonly bytes: number;
}

/** Relative path of a host's log of a channel. */
/**
 * Where a host's log goes, relative to the output folder: under `evidence/`, as a collector brings logs back, so that
 * `vigil hunt DIR/evidence` reads logs only (ground-truth.json and assets.csv sit beside that folder).
 */
export function logPath(host: Host, channel: ChannelId): string {
  return `evidence/${host.fqdn}/${CHANNELS[channel].file}`;
}

export class LogSet {
  private readonly logs = new Map<string, Map<ChannelId, OpenLog>>();
  private events = 0;

  constructor(
    private readonly outDir: string,
    hosts: readonly Host[],
  ) {
    // Every log of every host exists, as a collection brings back every log file even when it holds little.
    for (const host of hosts) {
      const templates = new SystemTemplates(host.fqdn);
      const byChannel = new Map<ChannelId, OpenLog>();
      for (const channel of CHANNEL_IDS) {
        const relative = logPath(host, channel);
        mkdirSync(dirname(join(outDir, relative)), { recursive: true });
        byChannel.set(channel, { writer: new EvtxFileWriter(join(outDir, relative)), relative, templates });
      }
      this.logs.set(host.name, byChannel);
    }
  }

  get eventsWritten(): number {
    return this.events;
  }

  write(record: SimRecord): WrittenRef {
    const log = this.logs.get(record.host.name)?.get(record.def.channel);
    if (log === undefined) throw new Error(`no log for ${record.host.name} ${record.def.channel}`);
    const recordId = log.writer.nextRecordId;
    const time = fileTime(record.time);
    const values = systemValues(record.def, {
      time,
      recordId,
      processId: record.processId,
      threadId: record.threadId,
      userSid: record.userSid,
      activityId: record.activityId,
      data: record.data,
    });
    log.writer.addRecord({ timestamp: time, template: log.templates.of(record.def), values });
    this.events++;
    return { file: log.relative, recordId };
  }

  close(): LogSetTotals {
    let files = 0;
    let bytes = 0;
    for (const byChannel of this.logs.values()) {
      for (const log of byChannel.values()) {
        log.writer.close();
        files++;
        bytes += statSync(join(this.outDir, log.relative)).size;
      }
    }
    return { files, events: this.events, bytes };
  }
}
