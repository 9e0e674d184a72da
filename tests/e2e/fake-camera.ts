import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { prepareZXingModule, writeBarcode } from "zxing-wasm/writer";

/**
 * A video file for Chromium's fake camera (`--use-file-for-fake-video-capture`): frames of a real
 * QR code of `text`, drawn by zxing-wasm's writer (the same library the gate's fallback reads with),
 * as Y4M (4:2:0, 8-bit): black modules on white, a quiet zone, centred.
 */
const WIDTH = 640;
const HEIGHT = 480;
const QUIET_MODULES = 4;
const FRAMES = 5;

let prepared = false;
function prepare(): void {
  if (prepared) return;
  const wasm = readFileSync(createRequire(import.meta.url).resolve("zxing-wasm/writer/zxing_writer.wasm"));
  prepareZXingModule({ overrides: { wasmBinary: Uint8Array.from(wasm).buffer } });
  prepared = true;
}

/** Luma of one frame: the QR code scaled to the largest whole module size that fits. */
export async function qrFrame(text: string): Promise<Uint8Array> {
  prepare();
  const written = await writeBarcode(text, { format: "QRCode", ecLevel: "M" });
  if (written.error) throw new Error(`QR writer: ${written.error}`);
  const { data, width, height } = written.symbol;
  const scale = Math.floor(Math.min(WIDTH, HEIGHT) / (Math.max(width, height) + 2 * QUIET_MODULES));
  if (scale < 2) throw new Error(`a ${width}-module code does not fit ${WIDTH}×${HEIGHT}`);
  const luma = new Uint8Array(WIDTH * HEIGHT).fill(255);
  const left = Math.floor((WIDTH - width * scale) / 2);
  const top = Math.floor((HEIGHT - height * scale) / 2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if ((data[y * width + x] ?? 255) >= 128) continue; // light module
      for (let dy = 0; dy < scale; dy++) luma.fill(0, (top + y * scale + dy) * WIDTH + left + x * scale, (top + y * scale + dy) * WIDTH + left + (x + 1) * scale);
    }
  }
  return luma;
}

/** Writes the Y4M file to `path`; returns the frame's luma too (to check it decodes). */
export async function writeQrVideo(text: string, path: string): Promise<{ luma: Uint8Array; width: number; height: number }> {
  const luma = await qrFrame(text);
  const chroma = new Uint8Array((WIDTH / 2) * (HEIGHT / 2) * 2).fill(128);
  const header = Buffer.from(`YUV4MPEG2 W${WIDTH} H${HEIGHT} F10:1 Ip A1:1 C420jpeg\n`);
  const frame = Buffer.concat([Buffer.from("FRAME\n"), luma, chroma]);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, Buffer.concat([header, ...Array.from({ length: FRAMES }, () => frame)]));
  return { luma, width: WIDTH, height: HEIGHT };
}
