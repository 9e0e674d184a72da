/**
 * Sound and vibration for an answer, where the device has them: one high beep for in, two low
 * ones for a refusal, so staff need not look at the screen. Browsers allow both only after the
 * person touched the page, which opening the camera or typing a code is.
 */
let audio: AudioContext | null = null;

function beep(ctx: AudioContext, frequency: number, start: number, seconds: number): void {
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  osc.frequency.value = frequency;
  gain.gain.value = 0.2;
  osc.connect(gain).connect(ctx.destination);
  osc.start(ctx.currentTime + start);
  osc.stop(ctx.currentTime + start + seconds);
}

export function signal(green: boolean): void {
  if (!navigator.userActivation.hasBeenActive) return;
  if (typeof navigator.vibrate === "function") navigator.vibrate(green ? 120 : [200, 80, 200]);
  try {
    audio ??= new AudioContext();
    if (green) beep(audio, 1320, 0, 0.12);
    else { beep(audio, 330, 0, 0.18); beep(audio, 330, 0.25, 0.18); }
  } catch { /* no audio output: the screen says it */ }
}
