/**
 * Reading QR codes from the camera: the browser's BarcodeDetector where it has one that reads QR,
 * else zxing-wasm (its .wasm is one of our own built assets, never a CDN; loaded only when needed).
 */
import zxingWasmUrl from "zxing-wasm/reader/zxing_reader.wasm?url";

interface DetectedBarcode { rawValue: string }
interface BarcodeDetectorLike { detect(source: ImageBitmapSource): Promise<DetectedBarcode[]> }
interface BarcodeDetectorClass {
  new (options: { formats: string[] }): BarcodeDetectorLike;
  getSupportedFormats(): Promise<string[]>;
}
declare global {
  // Not in TypeScript's DOM library yet; absent on most desktop browsers.
  var BarcodeDetector: BarcodeDetectorClass | undefined;
}

export type FrameReader = (video: HTMLVideoElement) => Promise<string[]>;

async function nativeReader(): Promise<FrameReader | null> {
  const Detector = globalThis.BarcodeDetector;
  if (!Detector) return null;
  try {
    if (!(await Detector.getSupportedFormats()).includes("qr_code")) return null;
  } catch {
    return null;
  }
  const detector = new Detector({ formats: ["qr_code"] });
  return async (video) => (await detector.detect(video)).map((b) => b.rawValue);
}

async function zxingReader(): Promise<FrameReader> {
  const { prepareZXingModule, readBarcodes } = await import("zxing-wasm/reader");
  prepareZXingModule({ overrides: { locateFile: (path: string, prefix: string) => (path.endsWith(".wasm") ? zxingWasmUrl : prefix + path) } });
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  if (!ctx) throw new Error("no 2d canvas");
  return async (video) => {
    if (video.videoWidth === 0) return [];
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    ctx.drawImage(video, 0, 0);
    const found = await readBarcodes(ctx.getImageData(0, 0, canvas.width, canvas.height), { formats: ["QRCode"], tryHarder: true, maxNumberOfSymbols: 1 });
    return found.filter((r) => r.isValid).map((r) => r.text);
  };
}

export const frameReader = async (): Promise<FrameReader> => (await nativeReader()) ?? zxingReader();

/** A ticket out of view this long counts as a new read when it comes back. */
const REPEAT_MS = 3000;
const FRAME_GAP_MS = 100;

/**
 * Opens the back camera into `video` and calls `onCode` for each new read; returns the stop.
 * A phone held in front of the lens is read once, even as its code rotates: reads are the same
 * while `sameAs` gives the same key (the ticket) and it never left view for REPEAT_MS.
 * Frames are read one after another (never overlapping), so a slow phone drops frames, not answers.
 */
export async function startScanning(video: HTMLVideoElement, onCode: (text: string) => void, sameAs: (text: string) => string = (t) => t): Promise<() => void> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  let running = true;
  const stop = () => {
    running = false;
    stream.getTracks().forEach((t) => t.stop());
    video.srcObject = null;
  };
  try {
    video.srcObject = stream;
    await video.play();
    const read = await frameReader();
    // One read up front, outside the loop's catch: a reader that cannot start (its .wasm refused or
    // missing) fails the camera here, where staff are told to type codes, not silently forever.
    await read(video);
    let lastKey = "";
    let lastSeen = 0;
    void (async () => {
      while (running) {
        const texts = await read(video).catch(() => []);
        const text = texts[0];
        const now = Date.now();
        if (text) {
          const key = sameAs(text);
          if (key !== lastKey || now - lastSeen > REPEAT_MS) onCode(text);
          lastKey = key;
          lastSeen = now;
        }
        await new Promise((r) => setTimeout(r, FRAME_GAP_MS));
      }
    })();
  } catch (e) {
    stop();
    throw e;
  }
  return stop;
}
