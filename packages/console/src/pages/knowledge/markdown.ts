// Article Markdown as HTML for the preview, through micromark (CommonMark): raw HTML in the text is escaped, and
// links or images to javascript:, data: and other dangerous protocols lose their URL. Safe to set as innerHTML.
import { micromark } from 'micromark';

export function articleHtml(markdown: string): string {
  return micromark(markdown);
}
