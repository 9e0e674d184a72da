/**
 * The home-screen icons, drawn at build time as PNGs (no binary files in the repository): an
 * indigo square with a white ticket (notched on both sides) inside the maskable safe zone.
 */
import { deflateSync } from "node:zlib";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "ascii");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

const INDIGO = [0x37, 0x30, 0xa3] as const;
const WHITE = [0xff, 0xff, 0xff] as const;

/** One pixel of the icon at (x, y) in a size×size square. */
function colour(x: number, y: number, size: number): readonly [number, number, number] {
  const u = x / size, v = y / size;
  // The ticket: a white band within the central 60% (maskable icons may lose the outer 10%).
  const inTicket = u >= 0.2 && u <= 0.8 && v >= 0.3 && v <= 0.7;
  // Notches: half circles cut from the left and right edges.
  const notch = Math.hypot(u - 0.2, v - 0.5) < 0.07 || Math.hypot(u - 0.8, v - 0.5) < 0.07;
  // A perforation line between the stub and the body.
  const perforation = Math.abs(u - 0.62) < 0.008 && Math.floor(v * 40) % 2 === 0;
  return inTicket && !notch && !perforation ? WHITE : INDIGO;
}

export function iconPng(size: number): Buffer {
  const raw = Buffer.alloc((size * 3 + 1) * size);
  for (let y = 0; y < size; y++) {
    const row = y * (size * 3 + 1); // each row starts with filter type 0 (none)
    for (let x = 0; x < size; x++) raw.set(colour(x, y, size), row + 1 + x * 3);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", new Uint8Array(0)),
  ]);
}
