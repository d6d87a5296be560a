// Reasoning written inline: DeepSeek-R1, QwQ and Qwen3 on Ollama or vLLM (without a reasoning parser) put their
// thinking inside `content`, between <think> and </think>. It is the model's notes, never visible text.

const OPEN = '<think>';
const CLOSE = '</think>';

/** What one piece of content holds once the thinking is taken out. */
export interface SplitContent {
  /** Text to show (may be empty). */
  visible: string;
  /** True when the piece carried thinking (or a tag): the model is alive though nothing is shown. */
  thinking: boolean;
}

/**
 * Takes `<think>…</think>` blocks out of streamed content. A tag may be split across pieces: a tail that could
 * be the start of one is held back until the next piece decides. Thinking left open when the stream ends is
 * dropped; a held tail that never became a tag is visible text (`end`). The spaces a model puts after its
 * thinking are dropped too, so the reply does not start with blank lines.
 */
export class ThinkFilter {
  #inside = false;
  #held = '';
  #afterThinking = false;

  push(piece: string): SplitContent {
    let rest = this.#held + piece;
    this.#held = '';
    let visible = '';
    let thinking = false;
    while (rest !== '') {
      const tag = this.#inside ? CLOSE : OPEN;
      const at = rest.toLowerCase().indexOf(tag);
      if (at === -1) {
        const keep = partialTagAt(rest, tag);
        if (this.#inside) thinking = true;
        else visible += this.#shown(rest.slice(0, rest.length - keep));
        this.#held = rest.slice(rest.length - keep);
        break;
      }
      if (this.#inside) this.#afterThinking = true;
      else visible += this.#shown(rest.slice(0, at));
      thinking = true;
      this.#inside = !this.#inside;
      rest = rest.slice(at + tag.length);
    }
    return { visible, thinking: thinking || this.#held !== '' };
  }

  /** At the end of the stream: the held tail if it was visible text after all; open thinking is dropped. */
  end(): string {
    const held = this.#held;
    this.#held = '';
    return this.#inside ? '' : this.#shown(held);
  }

  #shown(text: string): string {
    if (!this.#afterThinking) return text;
    const trimmed = text.trimStart();
    if (trimmed !== '') this.#afterThinking = false;
    return trimmed;
  }
}

/** How many characters at the end of `text` could begin `tag` (compared case-insensitively). */
function partialTagAt(text: string, tag: string): number {
  const tail = text.slice(-(tag.length - 1)).toLowerCase();
  for (let length = Math.min(tail.length, tag.length - 1); length > 0; length--) {
    if (tag.startsWith(tail.slice(tail.length - length))) return length;
  }
  return 0;
}
