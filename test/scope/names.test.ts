/** Host keys, addresses, accounts and the time sketch: the small things every join depends on. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parsePsexec, parseWmicNode } from "../../src/scope/collector.js";
import {
  accountName,
  endpointOf,
  hostKey,
  isCommonAccount,
  parseAddress,
  remoteAddress,
} from "../../src/scope/names.js";
import { MAX_BUCKETS, mergeSketches, nearestInSketch, TimeSketchBuilder } from "../../src/scope/time-sketch.js";

describe("names", () => {
  test("host keys: case, domain suffix, UNC prefix; no key for `-`, localhost, addresses", () => {
    assert.deepEqual(
      [
        "PC01.example.corp",
        "pc01",
        "\\\\PC01",
        "PC01.",
        "MSEDGEWIN10.home",
        "-",
        "",
        "localhost",
        "LOCAL",
        "NULL",
        "10.0.0.5",
        null,
      ].map(hostKey),
      ["pc01", "pc01", "pc01", "pc01", "msedgewin10", null, null, null, null, null, null, null],
    );
  });

  test("addresses: IPv4, IPv6, mapped, bracketed, with port or zone; loopback is no remote address", () => {
    assert.deepEqual(
      [
        "10.0.2.16",
        "::ffff:10.0.2.16",
        "10.0.2.16:52202",
        "[10.0.2.16]:59407",
        "FE80::79BF:8EE2:433C:2567%12",
        "[fe80::1]:3389",
        "999.1.1.1",
        "PC01",
        "-",
      ].map(parseAddress),
      ["10.0.2.16", "10.0.2.16", "10.0.2.16", "10.0.2.16", "fe80::79bf:8ee2:433c:2567", "fe80::1", null, null, null],
    );
    assert.deepEqual(["127.0.0.1", "::1", "0.0.0.0", "::", "10.0.0.1"].map(remoteAddress), [
      null,
      null,
      null,
      null,
      "10.0.0.1",
    ]);
    assert.deepEqual(endpointOf("10.0.0.5"), { kind: "address", key: "10.0.0.5" });
    assert.deepEqual(endpointOf("SRV01.corp.local"), { kind: "host", key: "srv01" });
    assert.equal(endpointOf("127.0.0.1"), null);
  });

  test("accounts: DOMAIN\\user, user@domain, local accounts keep their host", () => {
    assert.deepEqual(accountName("EXAMPLE\\User01", null, "pc01"), {
      key: "user01",
      display: "EXAMPLE\\User01",
      domain: "EXAMPLE",
      name: "User01",
    });
    assert.equal(accountName("user01@example.corp", null, null)?.key, "user01");
    assert.equal(accountName("Administrator", "PC01", "pc01")?.key, "pc01\\administrator");
    assert.equal(accountName("Administrator", "example.corp", "example")?.key, "administrator");
    assert.equal(accountName("-", "-", null), null);
    assert.equal(accountName("S-1-5-18", null, null), null);
    const common = ["SYSTEM", "LOCAL SERVICE", "ANONYMOUS LOGON", "DWM-3", "UMFD-1", "PC01$"].map((n) =>
      accountName(n, "NT AUTHORITY", null),
    );
    assert.ok(common.every((a) => a !== null && isCommonAccount(a)));
    assert.equal(isCommonAccount(accountName("jdoe", "CORP", null) ?? assert.fail()), false);
  });

  test("wmic /node and psexec \\\\host command lines", () => {
    assert.deepEqual(parseWmicNode('wmic /node:"SRV02" /user:CORP\\admin process call create "cmd"'), {
      targets: ["SRV02"],
      user: "CORP\\admin",
    });
    assert.deepEqual(parseWmicNode("WMIC /NODE:a,b PROCESS CALL CREATE calc"), { targets: ["a", "b"], user: null });
    assert.equal(parseWmicNode("wmic /node:@hosts.txt process call create calc"), null);
    assert.equal(parseWmicNode("wmic /node:SRV02 os get caption"), null);
    assert.deepEqual(parsePsexec('psexec.exe \\\\SRV03 -u "CORP\\admin" cmd'), {
      targets: ["SRV03"],
      user: "CORP\\admin",
    });
    assert.equal(parsePsexec("psexec \\\\* cmd"), null);
  });
});

describe("time sketch", () => {
  test("keeps exact times while few, coarsens past MAX_BUCKETS, merges", () => {
    const b = new TimeSketchBuilder();
    for (const t of [5_000, 1_000, 5_500, 3_000, 5_000]) b.add(t);
    assert.deepEqual(b.toSketch(), { width: 1, buckets: [1000, 3000, 5000, 5500] });
    for (let i = 0; i < 100; i++) b.add(i * 10_000);
    const coarse = b.toSketch();
    assert.ok(coarse.buckets.length <= MAX_BUCKETS && coarse.width > 1, JSON.stringify(coarse));
    assert.ok(coarse.buckets.every((x) => x % coarse.width === 0));
    const merged = mergeSketches({ width: 1, buckets: [1000] }, { width: 4096, buckets: [16384] });
    assert.deepEqual(merged, { width: 4096, buckets: [0, 16384] });
  });

  test("nearest occurrence within a window", () => {
    const s = { width: 1000, buckets: [10_000, 50_000] };
    // A bucket 1 s wide holds 50.000-50.999 s: the nearest point of it, or the time itself inside it.
    assert.equal(nearestInSketch(s, 52_000, 5_000, 1_000), 50_999);
    assert.equal(nearestInSketch(s, 50_400, 5_000, 1_000), 50_400);
    assert.equal(nearestInSketch(s, 30_000, 5_000, 1_000), null);
    assert.equal(nearestInSketch(s, 49_500, 5_000, 1_000), 50_000);
  });
});
