// PNG in and out for the pixel diff, fast enough to compare every figure of two runs in seconds.
//
// Decoding: the figures' PNGs (resvg's output) are 8-bit RGBA without interlacing, every row
// filtered with Sub; for those the image data is inflated by zlib and unfiltered here, a whole
// pixel at a time, several times faster than pngjs, whose general decoder spends most of its
// time in JavaScript per byte. Anything else goes to pngjs.
// Encoding (the highlight image) uses pngjs with the Sub filter only, which is quick and small on
// images that are mostly flat.
import { inflateSync } from 'node:zlib';
import { PNG } from 'pngjs';

export interface Rgba {
  width: number;
  height: number;
  /** width * height * 4 bytes, RGBA */
  data: Uint8Array;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Four bytes in one 32-bit word are added byte by byte, each modulo 256, as
 * ((a & LOW_BITS) + (b & LOW_BITS)) ^ ((a ^ b) & TOP_BITS): the low seven bits of each byte are
 * added (no carry can cross a byte), then each byte's top bit is set by exclusive or. The masks
 * are signed 32-bit numbers, so every value stays an int32.
 */
const LOW_BITS = 0x7f7f7f7f;
const TOP_BITS = 0x80808080 | 0;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Reverses the per-row filters of 8-bit pixels with `bpp` bytes each. One tight loop per filter
 * and row, with the row's first pixel (which has nothing to its left) done apart: this is the
 * hot loop of the whole diff.
 */
function unfilter(raw: Uint8Array, width: number, height: number, bpp: number): Uint8Array {
  const stride = width * bpp;
  const rows = new Uint8Array(stride * height);
  const words = new Int32Array(rows.buffer, 0, bpp === 4 ? width * height : 0);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  // the words are read little-endian: where the machine is big-endian, take the byte path
  const wordWise = bpp === 4 && LITTLE_ENDIAN;
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const s = y * (stride + 1) + 1;
    const o = y * stride;
    const u = o - stride;
    // the first row has a row of zeros above it: Up is then None, Avg and Paeth are Sub-like
    const hasAbove = y > 0;
    if (filter === 0 || (filter === 2 && !hasAbove)) {
      rows.set(raw.subarray(s, s + stride), o);
    } else if (wordWise && (filter === 1 || filter === 2 || (filter === 4 && !hasAbove))) {
      // Sub and Up on whole RGBA pixels, four bytes at a time (resvg writes every row as Sub),
      // read straight from the inflated data (little-endian, as the words are stored here) and
      // kept in int32 throughout, so no number is boxed
      const start = o >> 2;
      if (filter === 2) {
        const above = u >> 2;
        for (let i = 0; i < width; i++) {
          const value = view.getInt32(s + 4 * i, true);
          const up = words[above + i]!;
          words[start + i] = ((value & LOW_BITS) + (up & LOW_BITS)) ^ ((value ^ up) & TOP_BITS);
        }
      } else {
        let left = 0;
        for (let i = 0; i < width; i++) {
          const value = view.getInt32(s + 4 * i, true);
          left = ((value & LOW_BITS) + (left & LOW_BITS)) ^ ((value ^ left) & TOP_BITS);
          words[start + i] = left;
        }
      }
    } else if (filter === 1 || (filter === 4 && !hasAbove)) {
      for (let x = 0; x < bpp; x++) rows[o + x] = raw[s + x]!;
      for (let x = bpp; x < stride; x++) rows[o + x] = (raw[s + x]! + rows[o + x - bpp]!) & 0xff;
    } else if (filter === 2) {
      for (let x = 0; x < stride; x++) rows[o + x] = (raw[s + x]! + rows[u + x]!) & 0xff;
    } else if (filter === 3) {
      for (let x = 0; x < bpp; x++) rows[o + x] = (raw[s + x]! + ((hasAbove ? rows[u + x]! : 0) >> 1)) & 0xff;
      for (let x = bpp; x < stride; x++) rows[o + x] = (raw[s + x]! + ((rows[o + x - bpp]! + (hasAbove ? rows[u + x]! : 0)) >> 1)) & 0xff;
    } else if (filter === 4) {
      for (let x = 0; x < bpp; x++) rows[o + x] = (raw[s + x]! + rows[u + x]!) & 0xff;
      for (let x = bpp; x < stride; x++) {
        const a = rows[o + x - bpp]!;
        const b = rows[u + x]!;
        const c = rows[u + x - bpp]!;
        const pa = b > c ? b - c : c - b;
        const pb = a > c ? a - c : c - a;
        const pc = a + b - c - c > 0 ? a + b - c - c : c + c - a - b;
        rows[o + x] = (raw[s + x]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
      }
    } else {
      throw new Error(`PNG row ${y} has an unknown filter ${filter}`);
    }
  }
  if (bpp === 4) return rows;
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0, j = 0; i < rows.length; i += 3, j += 4) {
    rgba[j] = rows[i]!;
    rgba[j + 1] = rows[i + 1]!;
    rgba[j + 2] = rows[i + 2]!;
    rgba[j + 3] = 255;
  }
  return rgba;
}

export function decodePng(bytes: Uint8Array): Rgba {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!buffer.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG file');
  let offset = 8;
  let header: { width: number; height: number; depth: number; colour: number; interlace: number } | null = null;
  const data: Buffer[] = [];
  while (offset + 8 <= buffer.length) {
    const length = buffer.readUInt32BE(offset);
    const type = buffer.toString('latin1', offset + 4, offset + 8);
    const body = buffer.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') header = { width: body.readUInt32BE(0), height: body.readUInt32BE(4), depth: body[8]!, colour: body[9]!, interlace: body[12]! };
    else if (type === 'IDAT') data.push(body);
    else if (type === 'IEND') break;
    offset += 12 + length;
  }
  if (!header) throw new Error('PNG without a header');
  const bpp = header.colour === 6 ? 4 : header.colour === 2 ? 3 : 0;
  if (header.depth !== 8 || bpp === 0 || header.interlace !== 0) {
    const png = PNG.sync.read(buffer);
    return { width: png.width, height: png.height, data: png.data };
  }
  // one output chunk of the known size: no copying of the inflated rows into one buffer
  const raw = inflateSync(Buffer.concat(data), { chunkSize: Math.max(64 * 1024, header.height * (header.width * bpp + 1)) });
  return { width: header.width, height: header.height, data: unfilter(raw, header.width, header.height, bpp) };
}

/**
 * Shrinks a highlight image by a whole factor, keeping what matters in it: a block with a
 * coloured (highlighted) pixel keeps that pixel, so single differing pixels stay visible; a block
 * of greys (the faded background) keeps its first pixel.
 */
export function shrink(image: Rgba, factor: number): Rgba {
  if (factor <= 1) return image;
  const width = Math.ceil(image.width / factor);
  const height = Math.ceil(image.height / factor);
  const source = new Uint32Array(image.data.buffer, image.data.byteOffset, image.width * image.height);
  const out = new Uint32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let pick = source[y * factor * image.width + x * factor]!;
      search: for (let dy = 0; dy < factor && y * factor + dy < image.height; dy++) {
        const base = (y * factor + dy) * image.width + x * factor;
        for (let dx = 0; dx < factor && x * factor + dx < image.width; dx++) {
          const word = source[base + dx]!;
          // the same in every byte order: grey when red, green and blue are equal
          const b0 = word & 0xff;
          const b1 = (word >>> 8) & 0xff;
          const b2 = (word >>> 16) & 0xff;
          const b3 = word >>> 24;
          const grey = (b0 === b1 && b1 === b2) || (b1 === b2 && b2 === b3);
          if (!grey) {
            pick = word;
            break search;
          }
        }
      }
      out[y * width + x] = pick;
    }
  }
  return { width, height, data: new Uint8Array(out.buffer) };
}

export function encodePng(image: Rgba): Uint8Array {
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return new Uint8Array(PNG.sync.write(png, { filterType: 1 }));
}
