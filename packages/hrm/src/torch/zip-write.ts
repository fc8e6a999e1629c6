/**
 * A minimal zip writer for `torch.save` archives: stored (uncompressed) entries in the order given, no
 * timestamps (1980-01-01), each entry's data padded to a 64-byte boundary with an extra field as PyTorch's
 * own writer does (so that a reader may map storages in place). The same entries give the same bytes.
 * Archives past 4 GiB would need ZIP64 and are refused.
 */

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** The CRC-32 (ISO-HDLC, as zip uses) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const ALIGN = 64;
/** The extra-field id PyTorch pads with ('FB'). */
const PAD_FIELD = 0x4246;
const DOS_DATE_1980 = 0x21; // 1980-01-01, the earliest a zip can say

/** The zip archive of `files` (name → bytes), in order; throws a RangeError past 4 GiB. */
export function zipStored(files: readonly (readonly [string, Uint8Array])[]): Uint8Array {
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of files) {
    const nameBytes = encoder.encode(name);
    const crc = crc32(data);
    // Pad the extra field so the data starts on a 64-byte boundary (the field's own header is 4 bytes).
    const fixed = 30 + nameBytes.length + 4;
    const padding = (ALIGN - ((offset + fixed) % ALIGN)) % ALIGN;
    const local = new Uint8Array(fixed + padding);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true); // version needed: 2.0
    lv.setUint16(12, DOS_DATE_1980, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, data.length, true);
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, nameBytes.length, true);
    lv.setUint16(28, 4 + padding, true);
    local.set(nameBytes, 30);
    lv.setUint16(30 + nameBytes.length, PAD_FIELD, true);
    lv.setUint16(32 + nameBytes.length, padding, true);

    const entry = new Uint8Array(46 + nameBytes.length);
    const cv = new DataView(entry.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(14, DOS_DATE_1980, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, data.length, true);
    cv.setUint32(24, data.length, true);
    cv.setUint16(28, nameBytes.length, true);
    cv.setUint32(42, offset, true);
    entry.set(nameBytes, 46);
    central.push(entry);

    chunks.push(local, data);
    offset += local.length + data.length;
    if (offset >= 2 ** 32) throw new RangeError('zipStored: the archive would exceed 4 GiB (ZIP64 is not written)');
  }
  const centralSize = central.reduce((s, c) => s + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, files.length, true);
  ev.setUint16(10, files.length, true);
  ev.setUint32(12, centralSize, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + centralSize + end.length);
  let at = 0;
  for (const c of [...chunks, ...central, end]) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
