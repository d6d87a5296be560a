// What a screen reader hears of a streamed reply: whole sentences as they complete, politely — never each token.

const SENTENCE_END = /[.!?…。！？](\s|$)|\n/;

export class SentenceAnnouncer {
  private buffer = '';
  constructor(private readonly say: (text: string) => void) {}

  /** Feeds the reply's whole text so far; announces each sentence it completes. */
  update(fullText: string, alreadySeen: number): number {
    this.buffer += fullText.slice(alreadySeen);
    for (;;) {
      const match = SENTENCE_END.exec(this.buffer);
      if (!match) break;
      const end = match.index + match[0].length;
      const sentence = this.buffer.slice(0, end).trim();
      this.buffer = this.buffer.slice(end);
      if (sentence) this.say(sentence);
    }
    return fullText.length;
  }

  /** The reply ended: say what is left. */
  flush(): void {
    const rest = this.buffer.trim();
    this.buffer = '';
    if (rest) this.say(rest);
  }
}
