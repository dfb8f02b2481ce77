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

export class AhoCorasick {
  /** Number of needles, ids 0..size-1 in the order given. */
  readonly size: number;
  private readonly asciiClass = new Uint16Array(ASCII);
  private readonly otherClass = new Map<number, number>();
  /** The root's transitions, dense: most steps of a scan start from the root or near it. */
  private readonly rootNext: Int32Array;
  /** Other states' children, sparse: state s owns childClass/childState[firstChild[s] .. firstChild[s+1]). */
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

  constructor(needles: readonly string[]) {
    this.size = needles.length;
    this.lengths = Int32Array.from(needles, (n) => n.length);
    let classes = 1;
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
    // The trie, with maps of children while building.
    const children: Map<number, number>[] = [new Map()];
    const terminal: number[] = [-1];
    needles.forEach((needle, id) => {
      let state = 0;
      for (let i = 0; i < needle.length; i++) {
        const c = classOf(needle.charCodeAt(i));
        const map = children[state] as Map<number, number>;
        let child = map.get(c);
        if (child === undefined) {
          child = children.length;
          children.push(new Map());
          terminal.push(-1);
          map.set(c, child);
        }
        state = child;
      }
      // A repeated needle keeps its first id; callers pass distinct needles.
      if (terminal[state] === -1) terminal[state] = id;
    });
    const states = children.length;
    this.terminal = Int32Array.from(terminal);
    this.rootNext = new Int32Array(classes);
    this.firstChild = new Int32Array(states + 1);
    this.childClass = new Int32Array(states - 1);
    this.childState = new Int32Array(states - 1);
    let k = 0;
    for (let s = 0; s < states; s++) {
      this.firstChild[s] = k;
      for (const [c, child] of [...(children[s] as Map<number, number>)].sort((a, b) => a[0] - b[0])) {
        this.childClass[k] = c;
        this.childState[k++] = child;
      }
    }
    this.firstChild[states] = k;
    for (const [c, child] of children[0] as Map<number, number>) this.rootNext[c] = child;
    this.fail = new Int32Array(states);
    this.outputLink = new Int32Array(states).fill(-1);
    // Breadth-first: a state's failure state is shallower, so it is complete when the state is reached.
    const queue: number[] = [...(children[0] as Map<number, number>).values()];
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head] as number;
      const f = this.fail[state] as number;
      this.outputLink[state] = this.terminal[f] !== -1 ? f : (this.outputLink[f] as number);
      for (const [c, child] of children[state] as Map<number, number>) {
        this.fail[child] = this.step(f, c);
        queue.push(child);
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

  /** The automaton's transition from `state` on class `c`, following failure links. */
  private step(state: number, c: number): number {
    let s = state;
    while (s !== 0) {
      const next = this.child(s, c);
      if (next !== -1) return next;
      s = this.fail[s] as number;
    }
    return this.rootNext[c] as number;
  }

  /**
   * Finds every occurrence of every needle in `text`; returns how many, with their needle ids and start offsets in
   * `matchNeedle` and `matchStart` (valid until the next scan).
   */
  scan(text: string): number {
    const { terminal, outputLink, asciiClass, otherClass, lengths } = this;
    let found = 0;
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      const c = code < ASCII ? (asciiClass[code] as number) : (otherClass.get(code) ?? 0);
      state = c === 0 ? 0 : this.step(state, c);
      let out = terminal[state] !== -1 ? state : (outputLink[state] as number);
      while (out !== -1) {
        const id = terminal[out] as number;
        if (found === this.matchNeedle.length) this.grow();
        this.matchNeedle[found] = id;
        this.matchStart[found++] = i + 1 - (lengths[id] as number);
        out = outputLink[out] as number;
      }
    }
    return found;
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
