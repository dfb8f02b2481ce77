/**
 * A multi-pattern substring automaton (Aho-Corasick): one pass over a text reports every
 * occurrence of every needle, whatever the number of needles. The compiled matcher builds one per event field, over
 * the contains/startswith/endswith needles of all rules that read the field.
 *
 * Characters are mapped to classes first: only characters some needle contains get a class of their own; all
 * others share class 0, which leads every state back to the root (no needle can continue through them). The root's
 * transitions are a dense row; other states keep their children sparse and follow failure links, so memory stays
 * proportional to the needles' total length (thousands of needles with encoded and non-ASCII text would make a
 * full transition table hundreds of megabytes).
 *
 * When every needle is long (SKIP_FROM characters or more), ASCII text is searched by skipping instead (Wu and
 * Manber's scheme with blocks of two characters): the two characters at the end of a window of the shortest needle's
 * length tell how far the window can move on before some needle could start in it, and only where that is nowhere
 * are the needles starting there read through the trie. An automaton of keywords (Mimikatz's, which SigmaHQ searches
 * for in every field of every Windows event, the shortest nine characters long) reads a few characters in ten.
 */

/** Classes of the first 128 code units, looked up in an array; the rest in a map. */
const ASCII = 128;

/** The shortest needle length from which ASCII text is searched by skipping (see the module's comment). */
const SKIP_FROM = 4;

/** A character outside ASCII: such a text is lower-cased and scanned whole instead (its lower case may differ in length). */
const NON_ASCII = /[^\u0000-\u007f]/;

/** Transition-table entries (4 bytes each) an automaton may spend on dense rows for its shallowest states. */
const DENSE_BUDGET = 1 << 16;

/**
 * An automaton's tables, but for its dense rows: what `tables()` gives and the constructor takes back, so that a
 * stored matcher (bucket-store.ts) need not build its automata again. The dense rows, over half the bytes, are
 * quicker to derive again from the failure links than to read.
 */
export interface AutomatonTables {
  /** Number of needles, ids 0..size-1 in the order given. */
  readonly size: number;
  readonly asciiClass: Uint16Array;
  readonly otherClass: ReadonlyMap<number, number>;
  /** Classes 0..width-1 are those of ASCII characters (and 0, no needle's character): the dense rows' width. */
  readonly width: number;
  /**
   * States are numbered breadth-first, so the shallowest come first. States below `denseStates` have a complete
   * transition row in `dense` (most of a scan happens near the root); deeper states keep their children sparse and
   * follow failure links.
   */
  readonly denseStates: number;
  /** Sparse children: state s owns childClass/childState[firstChild[s] .. firstChild[s+1]), by class. */
  readonly firstChild: Int32Array;
  readonly childClass: Int32Array;
  readonly childState: Int32Array;
  readonly fail: Int32Array;
  /** The needle that ends exactly at a state, or -1. */
  readonly terminal: Int32Array;
  /** The nearest proper suffix state that ends a needle, or -1 (the "dictionary suffix link"). */
  readonly outputLink: Int32Array;
  readonly lengths: Int32Array;
}

/** The tables and the dense rows: `denseStates` rows of `width` transitions. */
interface Tables extends AutomatonTables {
  readonly dense: Int32Array;
}

export class AhoCorasick {
  private readonly t: Tables;
  /** Occurrences of the last scan: needle ids and start offsets, `found` of them. */
  matchNeedle = new Int32Array(64);
  matchStart = new Int32Array(64);

  /**
   * Whether a number's text (`String` of a number or bigint, case folded: digits, sign, point, exponent, `infinity`,
   * `nan`) can hold a needle: only when a needle is made of those characters alone.
   */
  readonly matchesNumbers: boolean;

  /**
   * The automaton of `needles`, or the one whose tables are given (which are checked: see `checkTables`).
   * `denseBudget`: transition-table entries for dense rows (tests lower it to exercise the sparse states).
   */
  constructor(source: readonly string[] | AutomatonTables, denseBudget = DENSE_BUDGET) {
    this.t = isNeedles(source) ? buildTables(source, denseBudget) : withDenseRows(checkTables(source));
    this.matchesNumbers = reachesNeedle(this.t, NUMBER_TEXT);
    const { terminal, outputLink } = this.t;
    this.firstOutput = terminal.map((id, state) => (id !== -1 ? state : (outputLink[state] as number)));
    this.asciiNeedles = this.t.otherClass.size === 0;
    this.shortest = this.t.lengths.reduce((m, n) => Math.min(m, n), Number.POSITIVE_INFINITY);
    this.shift =
      this.shortest >= SKIP_FROM && this.shortest !== Number.POSITIVE_INFINITY
        ? skipTable(this.t, this.shortest)
        : null;
  }

  /** The shortest needle's length (Infinity for none). */
  private readonly shortest: number;
  /** Every needle is ASCII (no character has a class outside the ASCII table): see scanAscii. */
  private readonly asciiNeedles: boolean;
  /**
   * Per state, the first state of its output chain (itself when it ends a needle, else its output link), or -1: a
   * scan reads it to pass by the states that end no needle, most of those it goes through, without a call.
   */
  private readonly firstOutput: Int32Array;
  /**
   * For two ASCII characters' classes `a`, `b` (at `a * width + b`): how far a window may move on when they end it,
   * or null when some needle is too short to skip by.
   */
  private readonly shift: Uint8Array | null;

  /** Whether ASCII text is searched by skipping rather than character by character. */
  get skips(): boolean {
    return this.shift !== null;
  }

  /** Number of needles, ids 0..size-1 in the order given. */
  get size(): number {
    return this.t.size;
  }

  tables(): AutomatonTables {
    const { dense: _, ...tables } = this.t;
    return tables;
  }

  needleLength(id: number): number {
    return this.t.lengths[id] as number;
  }

  /**
   * Finds every occurrence of every needle in `text`; returns how many, with their needle ids and start offsets in
   * `matchNeedle` and `matchStart` (valid until the next scan).
   */
  scan(text: string): number {
    const t = this.t;
    const { asciiClass, otherClass } = t;
    let found = 0;
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      const c = code < ASCII ? (asciiClass[code] as number) : (otherClass.get(code) ?? 0);
      state = c === 0 ? 0 : step(t, state, c);
      const out = this.firstOutput[state] as number;
      if (out !== -1) found = this.record(out, i + 1, found);
    }
    return found;
  }
  /**
   * `scan` of the lower-cased text without lower-casing it, folding ASCII case on the fly; -1 (and no result) when the
   * text holds a character whose lower case the caller must compute and scan instead.
   *
   * When every needle is ASCII, a character outside ASCII is no part of any occurrence, in the text or in its lower
   * case, but for the two whose lower case is ASCII (U+0130 İ, to i and a combining dot; U+212A, the Kelvin sign, to
   * k). Without those, the lower case has the text's length and its ASCII characters where the text has them: other
   * characters are passed over as no needle's. V8 tells the two absent at once from a text it holds in one byte a
   * character (most log text), where a test for any character outside ASCII read every character.
   */
  scanAscii(text: string): number {
    const n = text.length;
    // A text shorter than every needle holds none, unless its lower case is longer: only U+0130 lengthens, to two
    // units. Most values scanned are short and most automata carry the keyword needles (nine characters and up with
    // SigmaHQ's rules), so this spares a scan of most values.
    if (n < this.shortest && (2 * n < this.shortest || !text.includes("\u0130"))) return 0;
    const passOther = this.asciiNeedles;
    if (passOther) {
      if (text.includes("\u0130") || text.includes("\u212A")) return -1;
    } else if (this.shift !== null && NON_ASCII.test(text)) {
      return -1;
    }
    if (this.shift !== null) return this.skipAscii(text, this.shift, this.shortest);
    const t = this.t;
    const { asciiClass, dense, width, denseStates } = t;
    const firstOutput = this.firstOutput;
    let found = 0;
    let state = 0;
    for (let i = 0; i < n; i++) {
      const code = text.charCodeAt(i);
      let c = 0;
      if (code < ASCII) c = asciiClass[code] as number;
      else if (!passOther) return -1;
      state = c === 0 ? 0 : state < denseStates ? (dense[state * width + c] as number) : step(t, state, c);
      const out = firstOutput[state] as number;
      if (out !== -1) found = this.record(out, i + 1, found);
    }
    return found;
  }

  /**
   * `scanAscii` by skipping, for text with no character outside ASCII that a needle could hold: a window of the
   * shortest needle's length (`m`) moves along the text by what the last two characters of it allow (`shift`).
   * Where they allow no move, the window's end may be the end of a needle's first `m` characters: the needles that
   * start at the window's start are read through the trie there. Every occurrence is found once, as the
   * character-by-character scan finds it (in another order).
   */
  private skipAscii(text: string, shift: Uint8Array, m: number): number {
    const t = this.t;
    const { asciiClass, width, terminal } = t;
    const n = text.length;
    let found = 0;
    let pos = m - 1;
    while (pos < n) {
      const x = text.charCodeAt(pos - 1);
      const y = text.charCodeAt(pos);
      const a = x < ASCII ? (asciiClass[x] as number) : 0;
      const b = y < ASCII ? (asciiClass[y] as number) : 0;
      const by = shift[a * width + b] as number;
      if (by !== 0) {
        pos += by;
        continue;
      }
      const start = pos - m + 1;
      let state = 0;
      for (let i = start; i < n; i++) {
        const code = text.charCodeAt(i);
        const c = code < ASCII ? (asciiClass[code] as number) : 0;
        if (c === 0) break;
        state = child(t, state, c);
        if (state === -1) break;
        const id = terminal[state] as number;
        if (id !== -1) {
          if (found === this.matchNeedle.length) this.grow();
          this.matchNeedle[found] = id;
          this.matchStart[found++] = start;
        }
      }
      pos++;
    }
    return found;
  }

  /** Records the needles that end at `end` along the output chain from `first`; returns the new count. */
  private record(first: number, end: number, found: number): number {
    const { terminal, outputLink, lengths } = this.t;
    let out = first;
    let n = found;
    while (out !== -1) {
      const id = terminal[out] as number;
      if (n === this.matchNeedle.length) this.grow();
      this.matchNeedle[n] = id;
      this.matchStart[n++] = end - (lengths[id] as number);
      out = outputLink[out] as number;
    }
    return n;
  }

  private grow(): void {
    const needle = new Int32Array(this.matchNeedle.length * 2);
    const start = new Int32Array(this.matchStart.length * 2);
    needle.set(this.matchNeedle);
    start.set(this.matchStart);
    this.matchNeedle = needle;
    this.matchStart = start;
  }
}

const NUMBER_TEXT = "0123456789-+.einfinitynan";

/**
 * Whether some needle is made only of `chars`: a needle ends in a state the trie reaches from the root through
 * children on those characters' classes alone.
 */
function reachesNeedle(t: Tables, chars: string): boolean {
  const classes = new Set<number>();
  for (const ch of chars) {
    const c = t.asciiClass[ch.charCodeAt(0)] as number;
    if (c !== 0) classes.add(c);
  }
  const queue = [0];
  for (let head = 0; head < queue.length; head++) {
    const state = queue[head] as number;
    if (t.terminal[state] !== -1) return true;
    for (let k = t.firstChild[state] as number; k < (t.firstChild[state + 1] as number); k++) {
      if (classes.has(t.childClass[k] as number)) queue.push(t.childState[k] as number);
    }
  }
  return false;
}

/**
 * The skip table for needles of `m` characters or more: a window of `m` characters whose last two characters are a
 * pair that ends, at depth d (2 <= d <= m), a path of the trie from the root may hold the first d characters of a
 * needle at its end, so it may move on by m - d at most; a pair that ends no such path, by m - 1. Only pairs of ASCII
 * classes are kept (the text searched this way is ASCII); moves are capped at 255, which only makes them shorter.
 */
function skipTable(t: Tables, m: number): Uint8Array {
  const { width, firstChild, childClass, childState } = t;
  const shift = new Uint8Array(width * width).fill(Math.min(m - 1, 255));
  // Breadth-first from the root, each state with its depth and the class of the edge into it, down to depth m.
  let level = [0];
  const classInto = new Int32Array(t.terminal.length);
  for (let depth = 1; depth <= m && level.length > 0; depth++) {
    const next: number[] = [];
    for (const state of level) {
      const a = classInto[state] as number;
      for (let k = firstChild[state] as number; k < (firstChild[state + 1] as number); k++) {
        const b = childClass[k] as number;
        const to = childState[k] as number;
        // The root's children start paths (no pair ends there); pairs with a class outside ASCII never occur in text
        // this search reads.
        if (depth >= 2 && a < width && b < width) {
          const i = a * width + b;
          shift[i] = Math.min(shift[i] as number, m - depth);
        }
        classInto[to] = b;
        next.push(to);
      }
    }
    level = next;
  }
  return shift;
}

function isNeedles(source: readonly string[] | AutomatonTables): source is readonly string[] {
  return Array.isArray(source);
}

/** The child of `state` on class `c`, or -1. */
function child(t: Tables, state: number, c: number): number {
  const { childClass, childState, firstChild } = t;
  for (let k = firstChild[state] as number, end = firstChild[state + 1] as number; k < end; k++) {
    const cc = childClass[k] as number;
    if (cc === c) return childState[k] as number;
    if (cc > c) return -1;
  }
  return -1;
}

/** The automaton's transition from `state` on class `c`: a dense row where there is one, else sparse children. */
function step(t: Tables, state: number, c: number): number {
  let s = state;
  for (;;) {
    if (s < t.denseStates && c < t.width) return t.dense[s * t.width + c] as number;
    const next = child(t, s, c);
    if (next !== -1) return next;
    if (s === 0) return 0;
    s = t.fail[s] as number;
  }
}

function buildTables(needles: readonly string[], denseBudget: number): Tables {
  const lengths = Int32Array.from(needles, (n) => n.length);
  const asciiClass = new Uint16Array(ASCII);
  const otherClass = new Map<number, number>();
  // ASCII characters get the low classes, so that dense rows need only cover them (see `width`).
  let classes = 1;
  for (const needle of needles) {
    for (let i = 0; i < needle.length; i++) {
      const code = needle.charCodeAt(i);
      if (code < ASCII && asciiClass[code] === 0) asciiClass[code] = classes++;
    }
  }
  const width = classes;
  const classOf = (code: number): number => {
    if (code < ASCII) {
      if (asciiClass[code] === 0) asciiClass[code] = classes++;
      return asciiClass[code] as number;
    }
    let c = otherClass.get(code);
    if (c === undefined) {
      c = classes++;
      otherClass.set(code, c);
    }
    return c;
  };
  // The trie, built from the needles in sorted order: a needle shares with the one before it exactly the prefix
  // it shares with any earlier needle, so the nodes of that prefix are on the previous needle's path and no map
  // of children is needed (a field such as CommandLine has a hundred thousand nodes). Ids in creation order.
  // At most one node per needle character: typed arrays of that size rather than growing lists.
  let characters = 0;
  for (const needle of needles) characters += needle.length;
  const edgeParent = new Int32Array(characters);
  const edgeClass = new Int32Array(characters);
  const ends = new Int32Array(characters + 1).fill(-1);
  let created = 1;
  const sorted = needles
    .map((_, i) => i)
    .sort((a, b) => {
      const x = needles[a] as string;
      const y = needles[b] as string;
      return x < y ? -1 : x > y ? 1 : 0;
    });
  let previous = "";
  const path: number[] = [0];
  for (const id of sorted) {
    const needle = needles[id] as string;
    let shared = 0;
    const most = Math.min(needle.length, previous.length);
    while (shared < most && needle.charCodeAt(shared) === previous.charCodeAt(shared)) shared++;
    let state = path[shared] as number;
    for (let i = shared; i < needle.length; i++) {
      const child = created++;
      edgeParent[child - 1] = state;
      edgeClass[child - 1] = classOf(needle.charCodeAt(i));
      path[i + 1] = child;
      state = child;
    }
    // A repeated needle keeps its first id (the sort is stable); callers pass distinct needles.
    if (ends[state] === -1) ends[state] = id;
    previous = needle;
  }
  // Needles are lower-cased, so no needle holds A-Z: an upper-case ASCII letter can take its lower-case letter's
  // class, and ASCII text can be scanned as it is (scanAscii) without a lower-cased copy.
  for (let code = 65; code <= 90; code++) asciiClass[code] = asciiClass[code + 32] as number;
  const states = created;
  // Children of each state (creation ids), contiguous and by class: edge e created state e + 1.
  const childStart = new Int32Array(states + 1);
  const edges = states - 1;
  for (let e = 0; e < edges; e++) {
    const parent = edgeParent[e] as number;
    childStart[parent + 1] = (childStart[parent + 1] as number) + 1;
  }
  for (let st = 0; st < states; st++) childStart[st + 1] = (childStart[st + 1] as number) + (childStart[st] as number);
  const fill = childStart.slice(0, states);
  const childrenOf = new Int32Array(Math.max(states - 1, 0));
  for (let e = 0; e < edges; e++) {
    const parent = edgeParent[e] as number;
    childrenOf[fill[parent] as number] = e + 1;
    fill[parent] = (fill[parent] as number) + 1;
  }
  const classOfState = (st: number): number => edgeClass[st - 1] as number;
  for (let st = 0; st < states; st++) {
    // Insertion sort by class: a state has few children (the root the most, some dozens).
    for (let i = (childStart[st] as number) + 1; i < (childStart[st + 1] as number); i++) {
      const x = childrenOf[i] as number;
      let j = i - 1;
      while (j >= (childStart[st] as number) && classOfState(childrenOf[j] as number) > classOfState(x)) {
        childrenOf[j + 1] = childrenOf[j] as number;
        j--;
      }
      childrenOf[j + 1] = x;
    }
  }
  // Breadth-first numbering.
  const order = new Int32Array(states);
  let tail = 1;
  for (let head = 0; head < tail; head++) {
    const st = order[head] as number;
    for (let i = childStart[st] as number; i < (childStart[st + 1] as number); i++)
      order[tail++] = childrenOf[i] as number;
  }
  const renumber = new Int32Array(states);
  order.forEach((old, id) => {
    renumber[old] = id;
  });
  const terminal = new Int32Array(states);
  const firstChild = new Int32Array(states + 1);
  const childClass = new Int32Array(Math.max(states - 1, 0));
  const childState = new Int32Array(Math.max(states - 1, 0));
  let k = 0;
  order.forEach((old, id) => {
    terminal[id] = ends[old] as number;
    firstChild[id] = k;
    for (let i = childStart[old] as number; i < (childStart[old + 1] as number); i++) {
      const child = childrenOf[i] as number;
      childClass[k] = classOfState(child);
      childState[k++] = renumber[child] as number;
    }
  });
  firstChild[states] = k;
  const denseStates = Math.max(1, Math.min(states, Math.floor(denseBudget / width)));
  const t: Tables = {
    size: needles.length,
    asciiClass,
    otherClass,
    width,
    denseStates,
    dense: new Int32Array(denseStates * width),
    firstChild,
    childClass,
    childState,
    fail: new Int32Array(states),
    terminal,
    outputLink: new Int32Array(states).fill(-1),
    lengths,
  };
  const { fail, outputLink } = t;
  // In breadth-first order a state's failure state has a lower number, so it is complete when the state is reached
  // (and so is its dense row, which `step` reads).
  for (let state = 0; state < states; state++) {
    if (state > 0) {
      const f = fail[state] as number;
      outputLink[state] = terminal[f] !== -1 ? f : (outputLink[f] as number);
    }
    for (let j = firstChild[state] as number; j < (firstChild[state + 1] as number); j++) {
      const next = childState[j] as number;
      fail[next] = state === 0 ? 0 : step(t, fail[state] as number, childClass[j] as number);
    }
    if (state < denseStates) fillDenseRow(t, state);
  }
  return t;
}

/** A state's dense row: its failure state's row (complete: it has a lower number), then its own children over it. */
function fillDenseRow(t: Tables, state: number): void {
  const { dense, width, firstChild, childClass, childState } = t;
  const row = state * width;
  if (state > 0) {
    const failRow = (t.fail[state] as number) * width;
    dense.copyWithin(row, failRow, failRow + width);
  }
  for (let j = firstChild[state] as number; j < (firstChild[state + 1] as number); j++) {
    const c = childClass[j] as number;
    if (c < width) dense[row + c] = childState[j] as number;
  }
}

/** Checked tables with their dense rows derived again. */
function withDenseRows(tables: AutomatonTables): Tables {
  const t: Tables = { ...tables, dense: new Int32Array(tables.denseStates * tables.width) };
  for (let state = 0; state < t.denseStates; state++) fillDenseRow(t, state);
  return t;
}

/**
 * Tables from elsewhere (a cache file), checked so that no scan can loop or read out of bounds whatever they hold:
 * every failure and output link points to a lower state (so following them ends at the root), every child to an
 * existing state (and so every dense entry derived from them), every class of an ASCII character inside the dense
 * rows. Throws when they do not hold.
 */
export function checkTables(t: AutomatonTables): AutomatonTables {
  const fail = (why: string): never => {
    throw new Error(`automaton tables: ${why}`);
  };
  const ints = [t.firstChild, t.childClass, t.childState, t.fail, t.terminal, t.outputLink, t.lengths];
  if (!ints.every((a) => a instanceof Int32Array) || !(t.asciiClass instanceof Uint16Array)) fail("not typed arrays");
  if (!(t.otherClass instanceof Map)) fail("no class map");
  const states = t.terminal.length;
  const { size, width, denseStates } = t;
  if (!Number.isInteger(size) || size < 0 || t.lengths.length !== size) fail("needle count");
  if (states < 1 || t.fail.length !== states || t.outputLink.length !== states) fail("state count");
  if (t.firstChild.length !== states + 1 || t.childState.length !== t.childClass.length) fail("children");
  if (t.firstChild[0] !== 0 || t.firstChild[states] !== t.childState.length) fail("children");
  if (!Number.isInteger(width) || width < 1 || t.asciiClass.length !== ASCII) fail("classes");
  if (!Number.isInteger(denseStates) || denseStates < 1 || denseStates > states) fail("dense states");
  // The dense rows' size is bounded as the automaton's own build bounds it (DENSE_BUDGET).
  if (denseStates * width > Math.max(DENSE_BUDGET, width)) fail("dense rows");
  for (let s = 0; s < states; s++) {
    if ((t.firstChild[s + 1] as number) < (t.firstChild[s] as number)) fail("children");
    const f = t.fail[s] as number;
    const out = t.outputLink[s] as number;
    if (f < 0 || (s > 0 && f >= s) || (s === 0 && f !== 0)) fail("failure link");
    if (out < -1 || out >= Math.max(s, 1)) fail("output link");
    const id = t.terminal[s] as number;
    if (id < -1 || id >= size) fail("terminal");
  }
  for (const next of t.childState) if (next < 1 || next >= states) fail("child state");
  for (const c of t.asciiClass) if (c >= width) fail("ASCII class");
  for (const [code, c] of t.otherClass) if (!Number.isInteger(code) || !Number.isInteger(c) || c < 1) fail("class");
  return t;
}
