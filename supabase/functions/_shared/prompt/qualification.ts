// The prompt's qualification section: what the agent still wants to learn about the visitor and how to ask it (one
// question per reply, after the visitor's own question is answered, never about what the visitor already said).
import type { QualificationCriterion } from '@closer/contract';

export interface QualificationPromptInput {
  open: QualificationCriterion[];
  known: Record<string, { value: string | number | boolean }>;
  toolsOffered: boolean;
  /** Tool-less replies: the one question this reply ends with (chosen by the server). */
  question: string | null;
}

const answerKind = (c: QualificationCriterion) =>
  c.type === 'choice'
    ? `one of: ${c.options.map((o) => JSON.stringify(o.label)).join(', ')}`
    : c.type === 'yes_no'
      ? 'yes or no (true/false)'
      : c.type;

export function qualificationSection(input: QualificationPromptInput): string {
  const known = Object.entries(input.known).map(([key, a]) => `${key} = ${JSON.stringify(a.value)}`);
  if (!input.toolsOffered) {
    if (!input.question) return '';
    return [
      'Qualification: first answer what the visitor asked. Then end your reply with exactly one question, this one ' +
        `(in the visitor's language, worded naturally): ${JSON.stringify(input.question)}. Ask no other question.`,
    ].join('\n');
  }
  if (input.open.length === 0 && known.length === 0) return '';
  const lines = [
    'Qualification: learn the items below in the flow of the conversation. Always answer the visitor first; then ' +
      'ask about at most one open item per reply (never more than one question). Never ask about something the ' +
      "visitor already said: when the visitor's words answer an item, now or earlier, call record_qualification " +
      'with it (key and value) instead of asking.',
  ];
  if (input.open.length) {
    lines.push(
      'Open items (key: question — answer type):',
      ...input.open.map((c) => `- ${c.key}: ${c.question} — ${answerKind(c)}`),
    );
  } else {
    lines.push('Every item is answered: ask no qualification question.');
  }
  if (known.length) lines.push(`Already known: ${known.join('; ')}`);
  return lines.join('\n');
}
