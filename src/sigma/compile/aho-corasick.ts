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
 */

/** Classes of the first 128 code units, looked up in an array; the rest in a map. */
const ASCII = 128;

/** Transition-table entries (4 bytes each) an automaton may spend on dense rows for its shallowest states. */
const DENSE_BUDGET = 1 << 16;

export class AhoCorasick {
  /** Number of needles, ids 0..size-1 in the order given. */
  readonly size: number;
  private readonly asciiClass = new Uint16Array(ASCII);
  private readonly otherClass = new Map<number, number>();
  /** Classes 0..width-1 are those of ASCII characters (and 0, no needle's character): the dense rows' width. */
  private readonly width: number;
  /**
   * States are numbered breadth-first, so the shallowest come first. States below `denseStates` have a complete
   * transition row in `dense` (most of a scan happens near the root); deeper states keep their children sparse and
   * follow failure links.
   */
  private readonly denseStates: number;
  private readonly dense: Int32Array;
  /** Sparse children: state s owns childClass/childState[firstChild[s] .. firstChild[s+1]), by class. */
  private readonly firstChild: Int32Array;
  private readonly childClass: Int32Array;
  private readonly childState: Int32Array;
  private readonly fail: Int32Array;
  /** The needle that ends exactly at a state, or -1. */
  private readonly terminal: Int32Array;
  /** The nearest proper suffix state that ends a needle, or -1 (the "dictionary suffix link"). */
  private readonly outputLink: Int32Array;
  private readonly lengths: Int32Array;
  /** Occurrences of the last scan: needle ids and start offsets, `found` of them. */
  matchNeedle = new Int32Array(64);
  matchStart = new Int32Array(64);

  /** `denseBudget`: transition-table entries for dense rows (tests lower it to exercise the sparse states). */
  constructor(needles: readonly string[], denseBudget = DENSE_BUDGET) {
    this.size = needles.length;
    this.lengths = Int32Array.from(needles, (n) => n.length);
    // ASCII characters get the low classes, so that dense rows need only cover them (see `width`).
    let classes = 1;
    for (const needle of needles) {
      for (let i = 0; i < needle.length; i++) {
        const code = needle.charCodeAt(i);
        if (code < ASCII && this.asciiClass[code] === 0) this.asciiClass[code] = classes++;
      }
    }
    this.width = classes;
    const classOf = (code: number): number => {
      if (code < ASCII) {
        if (this.asciiClass[code] === 0) this.asciiClass[code] = classes++;
        return this.asciiClass[code] as number;
      }
      let c = this.otherClass.get(code);
      if (c === undefined) {
        c = classes++;
        this.otherClass.set(code, c);
      }
      return c;
    };
    // The trie, built from the needles in sorted order: a needle shares with the one before it exactly the prefix
    // it shares with any earlier needle, so the nodes of that prefix are on the previous needle's path and no map
    // of children is needed (a field such as CommandLine has a hundred thousand nodes). Ids in creation order.
    const edgeParent: number[] = [];
    const edgeClass: number[] = [];
    const ends: number[] = [-1];
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
        edgeParent.push(state);
        edgeClass.push(classOf(needle.charCodeAt(i)));
        ends.push(-1);
        path[i + 1] = child;
        state = child;
      }
      // A repeated needle keeps its first id (the sort is stable); callers pass distinct needles.
      if (ends[state] === -1) ends[state] = id;
      previous = needle;
    }
    // Needles are lower-cased, so no needle holds A-Z: an upper-case ASCII letter can take its lower-case letter's
    // class, and ASCII text can be scanned as it is (scanAscii) without a lower-cased copy.
    for (let code = 65; code <= 90; code++) this.asciiClass[code] = this.asciiClass[code + 32] as number;
    const states = created;
    // Children of each state (creation ids), contiguous and by class: edge e created state e + 1.
    const childStart = new Int32Array(states + 1);
    for (const parent of edgeParent) childStart[parent + 1] = (childStart[parent + 1] as number) + 1;
    for (let st = 0; st < states; st++)
      childStart[st + 1] = (childStart[st + 1] as number) + (childStart[st] as number);
    const fill = childStart.slice(0, states);
    const childrenOf = new Int32Array(Math.max(states - 1, 0));
    for (let e = 0; e < edgeParent.length; e++) {
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
    this.terminal = new Int32Array(states);
    this.firstChild = new Int32Array(states + 1);
    this.childClass = new Int32Array(Math.max(states - 1, 0));
    this.childState = new Int32Array(Math.max(states - 1, 0));
    let k = 0;
    order.forEach((old, id) => {
      this.terminal[id] = ends[old] as number;
      this.firstChild[id] = k;
      for (let i = childStart[old] as number; i < (childStart[old + 1] as number); i++) {
        const child = childrenOf[i] as number;
        this.childClass[k] = classOfState(child);
        this.childState[k++] = renumber[child] as number;
      }
    });
    this.firstChild[states] = k;
    const width = this.width;
    this.denseStates = Math.max(1, Math.min(states, Math.floor(denseBudget / width)));
    this.dense = new Int32Array(this.denseStates * width);
    this.fail = new Int32Array(states);
    this.outputLink = new Int32Array(states).fill(-1);
    // In breadth-first order a state's failure state has a lower number, so it is complete when the state is reached.
    for (let state = 0; state < states; state++) {
      if (state > 0) {
        const f = this.fail[state] as number;
        this.outputLink[state] = this.terminal[f] !== -1 ? f : (this.outputLink[f] as number);
      }
      for (let j = this.firstChild[state] as number; j < (this.firstChild[state + 1] as number); j++) {
        const child = this.childState[j] as number;
        this.fail[child] = state === 0 ? 0 : this.step(this.fail[state] as number, this.childClass[j] as number);
      }
      if (state < this.denseStates) {
        // The failure state's row, then this state's own children over it.
        const row = state * width;
        if (state > 0) {
          const failRow = (this.fail[state] as number) * width;
          this.dense.copyWithin(row, failRow, failRow + width);
        }
        for (let j = this.firstChild[state] as number; j < (this.firstChild[state + 1] as number); j++) {
          const c = this.childClass[j] as number;
          if (c < width) this.dense[row + c] = this.childState[j] as number;
        }
      }
    }
  }

  needleLength(id: number): number {
    return this.lengths[id] as number;
  }

  /** The child of `state` on class `c`, or -1. */
  private child(state: number, c: number): number {
    const { childClass, childState } = this;
    for (let k = this.firstChild[state] as number, end = this.firstChild[state + 1] as number; k < end; k++) {
      const cc = childClass[k] as number;
      if (cc === c) return childState[k] as number;
      if (cc > c) return -1;
    }
    return -1;
  }

  /** The automaton's transition from `state` on class `c`: a dense row where there is one, else sparse children. */
  private step(state: number, c: number): number {
    let s = state;
    for (;;) {
      if (s < this.denseStates && c < this.width) return this.dense[s * this.width + c] as number;
      const next = this.child(s, c);
      if (next !== -1) return next;
      if (s === 0) return 0;
      s = this.fail[s] as number;
    }
  }

  /**
   * Finds every occurrence of every needle in `text`; returns how many, with their needle ids and start offsets in
   * `matchNeedle` and `matchStart` (valid until the next scan).
   */
  scan(text: string): number {
    const { asciiClass, otherClass } = this;
    let found = 0;
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      const c = code < ASCII ? (asciiClass[code] as number) : (otherClass.get(code) ?? 0);
      state = c === 0 ? 0 : this.step(state, c);
      if (state !== 0) found = this.record(state, i + 1, found);
    }
    return found;
  }
  /**
   * `scan` of the lower-cased text, for a text that is all ASCII, without lower-casing it; -1 (and no result) as
   * soon as a non-ASCII character shows up, whose lower case the caller must compute.
   */
  scanAscii(text: string): number {
    const { asciiClass, dense, width, denseStates } = this;
    let found = 0;
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code >= ASCII) return -1;
      const c = asciiClass[code] as number;
      state = c === 0 ? 0 : state < denseStates ? (dense[state * width + c] as number) : this.step(state, c);
      if (state !== 0) found = this.record(state, i + 1, found);
    }
    return found;
  }

  /** Records the needles that end at `end` in `state` (its own and its suffixes'); returns the new count. */
  private record(state: number, end: number, found: number): number {
    const { terminal, outputLink, lengths } = this;
    let out = terminal[state] !== -1 ? state : (outputLink[state] as number);
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
