/**
 * The asset inventory (`host,zone,role[,criticality]`): headers, quoting, case, FQDN and short names, addresses;
 * every bad line reported with its number and left out, never an exception; tier-0 roles.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { AssetIndex, parseAssets, parseZone, readAssets, tier0Role } from "../../src/scope/assets.js";

describe("parseAssets", () => {
  test("with a header, comments, blank lines, quotes, case and a BOM", () => {
    const { inventory, problems } = parseAssets(
      [
        "\uFEFFHost,Zone,Role,Criticality",
        "# the plant",
        "",
        "DC01.corp.local,IT,Domain Controller,critical",
        '"HIST01","ot-dmz","historian, OSIsoft PI",high',
        "hmi01,Ot,hmi",
        "10.20.0.5,OT,PLC gateway,critical",
        "ews01.plant.local , OT_DMZ , engineering workstation ,",
      ].join("\r\n"),
      "assets.csv",
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(
      inventory.assets.map((a) => [a.key, a.zone, a.role, a.criticality, a.tier0, a.line]),
      [
        ["dc01", "IT", "Domain Controller", "critical", "domain controller", 4],
        ["hist01", "OT-DMZ", "historian, OSIsoft PI", "high", null, 5],
        ["hmi01", "OT", "hmi", null, null, 6],
        ["10.20.0.5", "OT", "PLC gateway", "critical", null, 7],
        ["ews01", "OT-DMZ", "engineering workstation", null, null, 8],
      ],
    );
  });

  test("a header may order the columns differently; without one, the order is host,zone,role,criticality", () => {
    const reordered = parseAssets("zone,role,hostname\nOT,hmi,HMI07\n");
    assert.deepEqual(
      reordered.inventory.assets.map((a) => [a.key, a.zone, a.role]),
      [["hmi07", "OT", "hmi"]],
    );
    const bare = parseAssets("WS01,IT,workstation\n");
    assert.deepEqual(
      bare.inventory.assets.map((a) => a.key),
      ["ws01"],
    );
  });

  test("bad lines are reported with their number and skipped", () => {
    const { inventory, problems } = parseAssets(
      [
        "host,zone,role",
        "WS01,IT,workstation",
        "WS02,DMZ,workstation",
        "WS03,IT",
        ",IT,workstation",
        '"WS04,IT,workstation',
        "ws01.corp.local,OT,hmi",
        "WS05,IT,workstation,low,extra",
      ].join("\n"),
      "a.csv",
    );
    assert.deepEqual(
      inventory.assets.map((a) => a.key),
      ["ws01", "ws05"],
    );
    assert.deepEqual(
      problems.map((p) => `${p.file}:${p.line}: ${p.reason}`),
      [
        'a.csv:3: unknown zone "DMZ" (expected IT, OT-DMZ or OT)',
        "a.csv:4: expected host,zone,role[,criticality], found 2 columns",
        "a.csv:5: no host name",
        "a.csv:6: unclosed quote",
        "a.csv:7: ws01.corp.local is already listed on line 2 in zone IT; this line is ignored",
      ],
    );
  });

  test("a header without the needed columns is one problem, not a crash", () => {
    const { inventory, problems } = parseAssets("host,zone\nWS01,IT\n");
    assert.equal(inventory.assets.length, 0);
    assert.deepEqual(
      problems.map((p) => p.line),
      [1],
    );
  });
});

describe("readAssets", () => {
  test("reads a file; a missing file is a problem on line 0", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "vigil-scope-assets-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "assets.csv");
    writeFileSync(file, "host,zone,role\nVC01,OT-DMZ,vCenter\n");
    const read = await readAssets(file);
    assert.deepEqual(read.problems, []);
    assert.equal(read.inventory.assets[0].tier0, "hypervisor manager");
    const missing = await readAssets(join(dir, "nope.csv"));
    assert.equal(missing.inventory.assets.length, 0);
    assert.equal(missing.problems[0].line, 0);
    assert.match(missing.problems[0].reason, /ENOENT/);
  });
});

describe("zones, roles, lookup", () => {
  test("zone spellings", () => {
    assert.deepEqual(["IT", "it", "OT-DMZ", "ot dmz", "OT_DMZ", "IDMZ", "OT", "DMZ", "plant"].map(parseZone), [
      "IT",
      "IT",
      "OT-DMZ",
      "OT-DMZ",
      "OT-DMZ",
      "OT-DMZ",
      "OT",
      null,
      null,
    ]);
  });

  test("tier-0 roles: domain controllers, hypervisor managers, backup servers", () => {
    assert.deepEqual(
      [
        "domain-controller",
        "DC",
        "vCenter Server",
        "ESXi host",
        "Hyper-V manager",
        "Veeam backup",
        "backup-server",
        "file-server",
        "historian",
        "hmi",
      ].map(tier0Role),
      [
        "domain controller",
        "domain controller",
        "hypervisor manager",
        "hypervisor manager",
        "hypervisor manager",
        "backup server",
        "backup server",
        null,
        null,
        null,
      ],
    );
  });

  test("lookup by host key, FQDN or address", () => {
    const index = new AssetIndex(parseAssets("SRV01.corp.local,IT,app\n10.1.0.9,OT,plc\n").inventory);
    assert.equal(index.lookup("srv01")?.zone, "IT");
    assert.equal(index.lookup("nope", "10.1.0.9")?.zone, "OT");
    assert.equal(index.lookup("nope"), undefined);
  });
});
