// Whether an Enter belongs to an input method (Japanese, Chinese, Korean, …) rather than to the visitor sending.
// Browsers disagree on the order: Chrome and Firefox send the Enter `keydown` while composing (`isComposing`),
// Safari ends the composition first and then sends `keydown` with `isComposing: false` and `keyCode` 229. So an
// Enter is the IME's when the event says so, when its keyCode is 229 (the "IME is processing" code), or when
// a composition is open or ended within the same task.

export interface Composition {
  start(): void;
  end(): void;
  composing(event: KeyboardEvent): boolean;
}

export function composition(): Composition {
  let open = false;
  let justEnded = false;
  return {
    start() {
      open = true;
    },
    end() {
      open = false;
      justEnded = true;
      setTimeout(() => {
        justEnded = false;
      }, 0);
    },
    composing: (event) => event.isComposing || event.keyCode === 229 || open || justEnded,
  };
}
