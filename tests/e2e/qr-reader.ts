import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { prepareZXingModule, readBarcodes } from "zxing-wasm/reader";

// The reader's wasm from node_modules (the library would fetch it from a CDN by default).
const wasm = readFileSync(createRequire(import.meta.url).resolve("zxing-wasm/reader/zxing_reader.wasm"));
prepareZXingModule({ overrides: { wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) }, fireImmediately: true });

/** The text of the one QR code in a PNG image (a screenshot of the page's code), as a scanner reads it. */
export async function readQr(png: Buffer): Promise<string> {
  const found = await readBarcodes(new Blob([new Uint8Array(png)], { type: "image/png" }), { formats: ["QRCode"], tryHarder: true });
  const [first, ...rest] = found.filter((b) => b.isValid);
  if (!first || rest.length > 0) throw new Error(`expected one QR code, read ${found.length}`);
  return first.text;
}
