// A short chime for a new visitor waiting for a person, opt-in and kept per browser. Web Audio, no sound file: the
// context is made when the operator turns the sound on (a click, which browsers require before playing anything).
import { signal } from '@preact/signals';

const KEY = 'closer.console.waitingSound';

function stored(): boolean {
  try {
    return localStorage.getItem(KEY) === 'on';
  } catch {
    return false;
  }
}

/** Whether the chime plays. */
export const chimeOn = signal(stored());
let context: AudioContext | null = null;

export function setChime(on: boolean): void {
  chimeOn.value = on;
  try {
    localStorage.setItem(KEY, on ? 'on' : 'off');
  } catch {}
  if (on) {
    context ??= new AudioContext();
    void context.resume();
  }
}

/** Plays the chime (0.4 s, two notes) when it is on. */
export function chime(): void {
  if (!chimeOn.value) return;
  context ??= new AudioContext();
  const start = context.currentTime;
  for (const [index, frequency] of [660, 880].entries()) {
    const tone = context.createOscillator();
    const volume = context.createGain();
    tone.frequency.value = frequency;
    const at = start + index * 0.15;
    volume.gain.setValueAtTime(0.12, at);
    volume.gain.exponentialRampToValueAtTime(0.001, at + 0.25);
    tone.connect(volume).connect(context.destination);
    tone.start(at);
    tone.stop(at + 0.25);
  }
}
