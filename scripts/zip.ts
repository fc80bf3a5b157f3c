// Rewrites a zip archive into a canonical form: entries sorted by name, every time stamp set to one
// given instant, no extra fields, comments or data descriptors. The compressed data of each entry
// is copied unchanged (so CRCs and sizes stay valid), which makes the result depend only on the
// names, file modes and compressed bytes of the entries.
//
// `mcpb pack` stamps entries with the current time and orders them as the file system lists the
// directory; canonicalZip() is what makes the MCPB bundles reproducible.

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
/** General-purpose flag bits: 0 encrypted, 3 sizes in a data descriptor, 11 UTF-8 names. */
const FLAG_ENCRYPTED = 0x0001;
const FLAG_DATA_DESCRIPTOR = 0x0008;
const FLAG_UTF8 = 0x0800;
/** DOS time stamps cannot go below 1980-01-01. */
const DOS_EPOCH = 315532800;

export interface ZipEntry {
  readonly name: string;
  readonly versionMadeBy: number;
  readonly versionNeeded: number;
  readonly flags: number;
  readonly method: number;
  readonly dosTime: number;
  readonly dosDate: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly externalAttributes: number;
  /** Unix permission bits (external attributes >> 16, & 0o777). */
  readonly mode: number;
  readonly extraLength: number;
  /** The entry's data as stored (compressed when method is 8). */
  readonly stored: Buffer;
}

/** Reads the central directory of a zip archive (no zip64, no encryption, one disk). */
export function readZipEntries(zip: Buffer): ZipEntry[] {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === END_OF_CENTRAL_DIRECTORY) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error("not a zip archive: no end of central directory record");
  const count = zip.readUInt16LE(eocd + 10);
  const dirSize = zip.readUInt32LE(eocd + 12);
  const dirOffset = zip.readUInt32LE(eocd + 16);
  if (
    zip.readUInt16LE(eocd + 4) !== 0 ||
    zip.readUInt16LE(eocd + 6) !== 0 ||
    zip.readUInt16LE(eocd + 8) !== count
  ) {
    throw new Error("multi-disk zip archives are not supported");
  }
  if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
    throw new Error("zip64 archives are not supported");
  }
  if (dirOffset + dirSize > eocd) throw new Error("corrupt zip archive: central directory out of range");

  const entries: ZipEntry[] = [];
  let off = dirOffset;
  for (let i = 0; i < count; i++) {
    if (off + 46 > eocd || zip.readUInt32LE(off) !== CENTRAL_HEADER) {
      throw new Error(`corrupt zip archive: central directory entry ${i} is missing`);
    }
    const flags = zip.readUInt16LE(off + 8);
    const compressedSize = zip.readUInt32LE(off + 20);
    const size = zip.readUInt32LE(off + 24);
    const nameLength = zip.readUInt16LE(off + 28);
    const extraLength = zip.readUInt16LE(off + 30);
    const commentLength = zip.readUInt16LE(off + 32);
    const externalAttributes = zip.readUInt32LE(off + 38);
    const localOffset = zip.readUInt32LE(off + 42);
    const name = zip.subarray(off + 46, off + 46 + nameLength).toString("utf8");
    if (flags & FLAG_ENCRYPTED) throw new Error(`${name}: encrypted entries are not supported`);
    if (compressedSize === 0xffffffff || size === 0xffffffff || localOffset === 0xffffffff) {
      throw new Error(`${name}: zip64 entries are not supported`);
    }
    if (localOffset + 30 > zip.length || zip.readUInt32LE(localOffset) !== LOCAL_HEADER) {
      throw new Error(`corrupt zip archive: no local header for ${name}`);
    }
    const dataStart =
      localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    if (dataStart + compressedSize > dirOffset)
      throw new Error(`corrupt zip archive: data of ${name} out of range`);
    entries.push({
      name,
      versionMadeBy: zip.readUInt16LE(off + 4),
      versionNeeded: zip.readUInt16LE(off + 6),
      flags,
      method: zip.readUInt16LE(off + 10),
      dosTime: zip.readUInt16LE(off + 12),
      dosDate: zip.readUInt16LE(off + 14),
      crc32: zip.readUInt32LE(off + 16),
      compressedSize,
      size,
      externalAttributes,
      mode: (externalAttributes >>> 16) & 0o777,
      extraLength: extraLength + zip.readUInt16LE(localOffset + 28),
      stored: zip.subarray(dataStart, dataStart + compressedSize),
    });
    off += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** DOS date and time (UTC) of a Unix time, floored to the format's 2-second steps. */
export function dosDateTime(epochSeconds: number): { date: number; time: number } {
  const d = new Date(Math.max(epochSeconds, DOS_EPOCH) * 1000);
  return {
    date: ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
  };
}

/** The canonical form of `zip` (see the top of this file), every entry dated `epochSeconds`. */
export function canonicalZip(zip: Buffer, epochSeconds: number): Buffer {
  const entries = readZipEntries(zip).sort((a, b) =>
    Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)),
  );
  for (let i = 1; i < entries.length; i++) {
    if (entries[i]?.name === entries[i - 1]?.name) throw new Error(`duplicate zip entry ${entries[i]?.name}`);
  }
  const { date, time } = dosDateTime(epochSeconds);
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, "utf8");
    // Data descriptors are dropped: sizes and CRC go into the local header instead.
    const flags = (e.flags & ~FLAG_DATA_DESCRIPTOR) | (name.some((b) => b > 0x7f) ? FLAG_UTF8 : 0);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL_HEADER, 0);
    local.writeUInt16LE(e.versionNeeded, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(e.method, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(e.crc32, 14);
    local.writeUInt32LE(e.compressedSize, 18);
    local.writeUInt32LE(e.size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, e.stored);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(CENTRAL_HEADER, 0);
    central.writeUInt16LE(e.versionMadeBy, 4);
    central.writeUInt16LE(e.versionNeeded, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(e.method, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(date, 14);
    central.writeUInt32LE(e.crc32, 16);
    central.writeUInt32LE(e.compressedSize, 20);
    central.writeUInt32LE(e.size, 24);
    central.writeUInt16LE(name.length, 28);
    // extra length, comment length, disk number, internal attributes: all zero
    central.writeUInt32LE(e.externalAttributes >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + e.stored.length;
  }
  const dirSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_OF_CENTRAL_DIRECTORY, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dirSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}
