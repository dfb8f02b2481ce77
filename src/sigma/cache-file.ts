/**
 * The layout of Vigil's cache files (the parsed rules, rule-cache.ts; the compiled matcher, compile/bucket-store.ts):
 *
 *     tag (4 bytes) | CRC-32 of all that follows (u32) | index length (u32) | 0 (u32)
 *     index: V8 serialization of the contents, each typed array in it a reference into the data
 *     data: the typed arrays' bytes, each at a multiple of 8
 *
 * Read back, each typed array is a view of the file's bytes, not a copy. With typed arrays inline, V8's format puts
 * them at whatever offset the stream has reached and Node copies every unaligned one on reading: for the compiled
 * matcher of SigmaHQ's rules (14.7 MB, mostly Int32Arrays), 50-90 ms of each hunt's start.
 *
 * The checksum covers the whole file. Parts of the contents are trusted once the file is opened and read only later
 * (rule bodies, stored-rule.ts), so a damaged file is refused whole, at opening.
 */
import { DefaultDeserializer, DefaultSerializer } from "node:v8";
import { crc32 } from "node:zlib";

const HEADER = 16;
const ALIGN = 8;

type ViewType =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

/** Typed arrays by index in the file. A Buffer is written as a Uint8Array and read back as one. */
const VIEW_TYPES: readonly ViewType[] = [
  Int8Array,
  Uint8Array,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
];

function typeIndex(view: ArrayBufferView): number {
  for (let i = VIEW_TYPES.length - 1; i >= 0; i--) if (view instanceof (VIEW_TYPES[i] as ViewType)) return i;
  throw new Error(`a cache file cannot hold a ${view.constructor.name}`);
}

const aligned = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

class IndexWriter extends DefaultSerializer {
  readonly views: { readonly view: ArrayBufferView; readonly at: number }[] = [];
  size = 0;

  /** Called by V8 for each typed array (Node's default serializer treats them as host objects). */
  _writeHostObject(object: object): void {
    if (!ArrayBuffer.isView(object)) throw new Error("a cache file holds only typed arrays besides plain data");
    const type = typeIndex(object);
    const at = this.size;
    if (at + object.byteLength > 0xffff_ffff) throw new Error("a cache file's data is limited to 4 GiB");
    this.views.push({ view: object, at });
    this.size = aligned(at + object.byteLength);
    this.writeUint32(type);
    this.writeUint32(at);
    this.writeUint32(object.byteLength);
  }
}

class IndexReader extends DefaultDeserializer {
  constructor(
    index: Buffer,
    private readonly data: Buffer,
  ) {
    super(index);
  }

  _readHostObject(): ArrayBufferView {
    const type = VIEW_TYPES[this.readUint32()];
    const at = this.readUint32();
    const length = this.readUint32();
    if (type === undefined || at % ALIGN !== 0 || at + length > this.data.length || length % type.BYTES_PER_ELEMENT) {
      throw new Error("a cache file's typed array lies outside its data");
    }
    // A file read from disk is never in shared memory.
    return new type(this.data.buffer as ArrayBuffer, this.data.byteOffset + at, length / type.BYTES_PER_ELEMENT);
  }
}

export function encodeCacheFile(tag: string, contents: unknown): Buffer {
  const writer = new IndexWriter();
  writer.writeHeader();
  writer.writeValue(contents);
  const index = writer.releaseBuffer();
  const dataStart = aligned(HEADER + index.length);
  const file = Buffer.alloc(dataStart + writer.size);
  file.write(tag, 0, 4, "latin1");
  file.writeUInt32LE(index.length, 8);
  index.copy(file, HEADER);
  for (const { view, at } of writer.views) {
    file.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), dataStart + at);
  }
  file.writeUInt32LE(crc32(file.subarray(8)), 4);
  return file;
}

/** The contents of a file `encodeCacheFile` wrote with this tag; throws on any other file, or a damaged one. */
export function decodeCacheFile(tag: string, file: Buffer): unknown {
  if (file.length < HEADER || file.toString("latin1", 0, 4) !== tag) throw new Error("not this kind of cache file");
  if (file.readUInt32LE(4) !== crc32(file.subarray(8))) throw new Error("a damaged cache file");
  const indexEnd = HEADER + file.readUInt32LE(8);
  const dataStart = aligned(indexEnd);
  if (dataStart > file.length) throw new Error("a truncated cache file");
  // Views must be aligned in memory too: a file read into a buffer at an odd place is copied once, whole.
  let data = file.subarray(dataStart);
  if (data.byteOffset % ALIGN !== 0) {
    const copy = Buffer.alloc(data.length);
    data.copy(copy);
    data = copy;
  }
  const reader = new IndexReader(file.subarray(HEADER, indexEnd), data);
  reader.readHeader();
  return reader.readValue();
}
