/**
 * Sigma logsource -> Windows EVTX: which channels and EventIDs a rule's `logsource` covers, and which flat event
 * path a Sigma field name reads. The mapping is data (`data/logsources.yml`, facts from SigmaHQ's thor.yml and the
 * Sigma taxonomy; see its header), read once on first use from `data/logsources.json`, which `npm run data` makes
 * from the YAML (a hunt then needs no YAML parser to start; a test checks the two agree). The build copies
 * `src/sigma/data/` to `dist/sigma/data/`, so the same `new URL("./data/…", import.meta.url)` finds it from `src/`
 * under tsx and from `dist/` after a build.
 *
 * Field rule (`eventFieldFor`), in this order:
 * 1. the target's rename (Sigma field -> event field name, e.g. Security 4688 `Image` -> `NewProcessName`);
 * 2. a name that already is a flat path (`System.…`, `EventData.…`, `UserData.…`) is used as is;
 * 3. the System fields of `systemFields` (`EventID` -> `System.EventID`, `Channel` -> `System.Channel`,
 *    `Provider_Name` -> `System.Provider.Name`, `Computer`, `Security_UserID` -> `System.Security.UserID`, …);
 * 4. anything else is `EventData.<name>` (unnamed `<Data>` is `EventData.Data`, which Sigma's `Data` field reads).
 * Events that carry `UserData.<Root>.<Child>` instead of EventData have a root that differs per event, so one path
 * cannot name it: `resolveField` reads the path and, when the event has no such EventData field, falls back to
 * `UserData.<any root>.<name>` and to an EventData name equal to `<name>` once spaces are removed (Defender writes
 * `Threat Name`; Sigma says `ThreatName`).
 */
import { readFileSync } from "node:fs";
import type { FieldValue, FieldView } from "../evtx/types.js";
import type { LogSource } from "./model.js";

export interface LogsourceTarget {
  /** Event-log channel as Windows names it; `*` (product windows with no category or service) is any channel. */
  readonly channel: string;
  /** EventIDs the logsource covers in this channel; null: all of them. */
  readonly eventIds: readonly number[] | null;
  /** Sigma field -> event field name (or flat path), for this source only. */
  readonly fieldRenames: ReadonlyMap<string, string>;
  /**
   * Further conditions a channel/EventID cannot express (thor.yml's `EventType` for registry_add/registry_delete):
   * Sigma field -> allowed values. Empty for most targets; the caller checks them on the event.
   */
  readonly conditions: ReadonlyMap<string, readonly string[]>;
}

/** The targets of a logsource, or null with the reason the rule is not evaluated on EVTX. */
export type LogsourceResolution =
  | { readonly targets: LogsourceTarget[]; readonly reason: null }
  | { readonly targets: null; readonly reason: string };

interface SourceData {
  readonly service: string;
  readonly eventIds: readonly number[] | null;
  readonly fieldRenames: ReadonlyMap<string, string>;
  readonly conditions: ReadonlyMap<string, readonly string[]>;
}

interface ProductData {
  readonly channels: readonly string[];
  readonly fieldRenames: ReadonlyMap<string, string>;
}

interface MappingData {
  readonly systemFields: ReadonlyMap<string, string>;
  readonly services: ReadonlyMap<string, readonly string[]>;
  readonly serviceAliases: ReadonlyMap<string, string>;
  readonly categories: ReadonlyMap<string, readonly SourceData[]>;
  readonly genericCategories: ReadonlyMap<string, readonly SourceData[]>;
  readonly products: ReadonlyMap<string, ProductData>;
  readonly notEvtx: ReadonlyMap<string, string>;
}

const DATA_URL = new URL("./data/logsources.json", import.meta.url);
const NO_RENAMES: ReadonlyMap<string, string> = new Map();
const NO_CONDITIONS: ReadonlyMap<string, readonly string[]> = new Map();
const PATH_PREFIXES = ["System.", "EventData.", "UserData."];

let mapping: MappingData | undefined;

function fail(where: string, what: string): never {
  throw new Error(`${DATA_URL.pathname}: ${where}: ${what}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function record(v: unknown, where: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (!isRecord(v)) fail(where, "expected a map");
  return v;
}

function stringList(v: unknown, where: string): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) fail(where, "expected a list of strings");
  return v;
}

function stringMap(v: unknown, where: string): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  for (const [k, x] of Object.entries(record(v, where))) {
    if (typeof x !== "string") fail(`${where}.${k}`, "expected a string");
    out.set(k, x);
  }
  return out.size === 0 ? NO_RENAMES : out;
}

function sources(v: unknown, where: string, services: ReadonlyMap<string, readonly string[]>): SourceData[] {
  if (!Array.isArray(v) || v.length === 0) fail(where, "expected a non-empty list of sources");
  return v.map((s, i) => {
    const at = `${where}[${i}]`;
    const r = record(s, at);
    if (typeof r.service !== "string" || !services.has(r.service)) fail(at, `unknown service ${String(r.service)}`);
    let eventIds: number[] | null = null;
    if (r.eventIds !== undefined) {
      if (!Array.isArray(r.eventIds) || !r.eventIds.every((x) => Number.isInteger(x))) {
        fail(`${at}.eventIds`, "expected a list of integers");
      }
      eventIds = r.eventIds as number[];
    }
    const conditions = new Map<string, readonly string[]>();
    for (const [k, x] of Object.entries(record(r.conditions, `${at}.conditions`))) {
      conditions.set(k, stringList(x, `${at}.conditions.${k}`));
    }
    return {
      service: r.service,
      eventIds,
      fieldRenames: stringMap(r.fieldRenames, `${at}.fieldRenames`),
      conditions: conditions.size === 0 ? NO_CONDITIONS : conditions,
    };
  });
}

function loadMapping(): MappingData {
  const doc = record(JSON.parse(readFileSync(DATA_URL, "utf8")) as unknown, "document");
  const services = new Map<string, readonly string[]>();
  for (const [k, v] of Object.entries(record(doc.services, "services"))) {
    services.set(k.toLowerCase(), stringList(v, `services.${k}`));
  }
  const serviceAliases = new Map<string, string>();
  for (const [k, v] of stringMap(doc.serviceAliases, "serviceAliases")) {
    if (!services.has(v)) fail(`serviceAliases.${k}`, `unknown service ${v}`);
    serviceAliases.set(k.toLowerCase(), v);
  }
  const categoryMap = (key: string): Map<string, readonly SourceData[]> => {
    const out = new Map<string, readonly SourceData[]>();
    for (const [k, v] of Object.entries(record(doc[key], key))) {
      out.set(k.toLowerCase(), sources(v, `${key}.${k}`, services));
    }
    return out;
  };
  const products = new Map<string, ProductData>();
  for (const [k, v] of Object.entries(record(doc.products, "products"))) {
    const r = record(v, `products.${k}`);
    products.set(k.toLowerCase(), {
      channels: stringList(r.channels, `products.${k}.channels`),
      fieldRenames: stringMap(r.fieldRenames, `products.${k}.fieldRenames`),
    });
  }
  const notEvtx = new Map<string, string>();
  for (const [k, v] of stringMap(doc.notEvtx, "notEvtx")) notEvtx.set(k.toLowerCase(), v);
  return {
    systemFields: stringMap(doc.systemFields, "systemFields"),
    services,
    serviceAliases,
    categories: categoryMap("categories"),
    genericCategories: categoryMap("genericCategories"),
    products,
    notEvtx,
  };
}

function data(): MappingData {
  mapping ??= loadMapping();
  return mapping;
}

function targetsOf(source: SourceData, m: MappingData): LogsourceTarget[] {
  return (m.services.get(source.service) ?? []).map((channel) => ({
    channel,
    eventIds: source.eventIds,
    fieldRenames: source.fieldRenames,
    conditions: source.conditions,
  }));
}

function notMapped(reason: string): LogsourceResolution {
  return { targets: null, reason };
}

/**
 * The channels/EventIDs a logsource covers, or the reason it is not a Windows EVTX logsource. Product, category
 * and service are compared case-insensitively. Product windows: a service gives its channels (all EventIDs), a
 * category its channels and EventIDs, both the category's sources in that service, neither every channel.
 * Without product: only the generic categories that Windows logs (antivirus -> Defender). Other products: those
 * that write an event-log channel (rpc_firewall).
 */
export function resolveLogsource(ls: LogSource): LogsourceResolution {
  const m = data();
  const product = ls.product?.toLowerCase();
  const category = ls.category?.toLowerCase();
  const rawService = ls.service?.toLowerCase();
  const service = rawService === undefined ? undefined : (m.serviceAliases.get(rawService) ?? rawService);

  if (product !== undefined && product !== "windows") {
    const p = m.products.get(product);
    if (p === undefined) return notMapped(`product ${product} is not logged to Windows event logs`);
    return {
      targets: p.channels.map((channel) => ({
        channel,
        eventIds: null,
        fieldRenames: p.fieldRenames,
        conditions: NO_CONDITIONS,
      })),
      reason: null,
    };
  }

  if (product === undefined) {
    const generic = category === undefined ? undefined : m.genericCategories.get(category);
    if (generic === undefined) {
      return notMapped(
        category === undefined ? "logsource names no product" : `category ${category} without product windows`,
      );
    }
    return { targets: generic.flatMap((s) => targetsOf(s, m)), reason: null };
  }

  for (const name of [category, service]) {
    const why = name === undefined ? undefined : m.notEvtx.get(name);
    if (why !== undefined) return notMapped(`windows ${name}: ${why}`);
  }
  if (service !== undefined && !m.services.has(service)) return notMapped(`unknown windows service ${rawService}`);
  if (category === undefined) {
    if (service === undefined) {
      return {
        targets: [{ channel: "*", eventIds: null, fieldRenames: NO_RENAMES, conditions: NO_CONDITIONS }],
        reason: null,
      };
    }
    return {
      targets: targetsOf({ service, eventIds: null, fieldRenames: NO_RENAMES, conditions: NO_CONDITIONS }, m),
      reason: null,
    };
  }
  const all = m.categories.get(category) ?? m.genericCategories.get(category);
  if (all === undefined) return notMapped(`unknown windows category ${category}`);
  const chosen = service === undefined ? all : all.filter((s) => s.service === service);
  if (chosen.length === 0) return notMapped(`windows category ${category} is not logged by service ${rawService}`);
  return { targets: chosen.flatMap((s) => targetsOf(s, m)), reason: null };
}

/** The targets of a logsource; null: not a Windows EVTX logsource (use `resolveLogsource` for the reason). */
export function logsourceTargets(ls: LogSource): LogsourceTarget[] | null {
  return resolveLogsource(ls).targets;
}

/** The first target covering this channel (case-insensitive) and EventID, if any. */
export function appliesTo(
  targets: readonly LogsourceTarget[],
  channel: string,
  eventId: number,
): LogsourceTarget | undefined {
  const key = channel.toLowerCase();
  return targets.find(
    (t) =>
      (t.channel === "*" || t.channel.toLowerCase() === key) && (t.eventIds === null || t.eventIds.includes(eventId)),
  );
}

/**
 * Paths already worked out, per target: a rule's evaluation asks for every field it reads on every event it is
 * evaluated on, and working a path out again made a new string each time (`EventData.` and the name), which the
 * event's lookup then had to hash anew. The fields are those of the rules read through the target.
 */
const pathsByTarget = new WeakMap<LogsourceTarget, Map<string, string>>();

/** The flat event path a Sigma field reads under this target (rule in the module comment). */
export function eventFieldFor(target: LogsourceTarget, sigmaField: string): string {
  let paths = pathsByTarget.get(target);
  if (paths === undefined) {
    paths = new Map();
    pathsByTarget.set(target, paths);
  }
  let path = paths.get(sigmaField);
  if (path === undefined) {
    const name = target.fieldRenames.get(sigmaField) ?? sigmaField;
    path = PATH_PREFIXES.some((p) => name.startsWith(p))
      ? name
      : (data().systemFields.get(name) ?? `EventData.${name}`);
    paths.set(sigmaField, path);
  }
  return path;
}

/**
 * The value a Sigma field reads on one event: `eventFieldFor`'s path; when that is an EventData path the event
 * lacks, `UserData.<Root>.<name>` (any root), then an EventData field whose name without spaces is `<name>`.
 */
export function resolveField(target: LogsourceTarget, sigmaField: string, fields: FieldView): FieldValue | undefined {
  return readEventPath(eventFieldFor(target, sigmaField), fields);
}

/** A path through which `readEventPath` may find a field named otherwise: a UserData leaf, an EventData name with spaces. */
export function readsThroughFallback(path: string): boolean {
  return path.startsWith("UserData.") || (path.startsWith("EventData.") && path.includes(" "));
}

/** The value at an `eventFieldFor` path, with `resolveField`'s fallbacks for EventData paths the event lacks. */
export function readEventPath(path: string, fields: FieldView): FieldValue | undefined {
  const direct = fields.get(path);
  if (direct !== undefined || !path.startsWith("EventData.")) return direct;
  return fallbackIndex(fields)?.get(path.slice("EventData.".length));
}

/**
 * Per event, the names the fallback accepts (`UserData.<Root>.<name>` leaves and EventData names without their
 * spaces), built once on the first miss and reused by every rule that looks at the same event.
 */
const fallbacks = new WeakMap<FieldView, Map<string, FieldValue>>();

/** Per record layout (FieldView.layout), whether any of its paths reads through a fallback. */
const layoutFallbacks = new WeakMap<readonly string[], boolean>();

/**
 * Whether a record layout has a path `readEventPath` may find a field through (a UserData leaf, a spaced EventData
 * name), worked out once per layout. Most layouts have none, and a rule asking for a field the event lacks (an
 * optional field, a filter's) is common: the fallback index need not be built for them.
 */
export function layoutReadsThroughFallback(layout: readonly string[]): boolean {
  let any = layoutFallbacks.get(layout);
  if (any === undefined) {
    any = layout.some(readsThroughFallback);
    layoutFallbacks.set(layout, any);
  }
  return any;
}

function fallbackIndex(fields: FieldView): Map<string, FieldValue> | null {
  const layout = fields.layout?.() ?? null;
  if (layout !== null && !layoutReadsThroughFallback(layout)) return null;
  let index = fallbacks.get(fields);
  if (index === undefined) {
    const built = new Map<string, FieldValue>();
    fields.forEach((value, key) => {
      if (key.startsWith("UserData.")) {
        const rest = key.slice("UserData.".length);
        const dot = rest.indexOf(".");
        if (dot > 0 && !built.has(rest.slice(dot + 1))) built.set(rest.slice(dot + 1), value);
      } else if (key.startsWith("EventData.") && key.includes(" ")) {
        const name = key.slice("EventData.".length).replaceAll(" ", "");
        if (!built.has(name)) built.set(name, value);
      }
    });
    index = built;
    fallbacks.set(fields, index);
  }
  return index;
}
