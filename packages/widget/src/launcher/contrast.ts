// Text on the agent's accent colour must stay readable (WCAG AA): white or near-black, whichever contrasts more.

const channel = (hex: string, at: number) => {
  const c = Number.parseInt(hex.slice(at, at + 2), 16) / 255;
  return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
};
const luminance = (hex: string) =>
  0.2126 * channel(hex, 1) + 0.7152 * channel(hex, 3) + 0.0722 * channel(hex, 5);

/** `#rrggbb` → the text colour to put on it. */
export function textOn(accent: string): string {
  if (!/^#[0-9a-f]{6}$/i.test(accent)) return '#fff';
  const l = luminance(accent);
  const onWhite = 1.05 / (l + 0.05);
  const onDark = (l + 0.05) / (luminance('#111827') + 0.05);
  return onWhite >= onDark ? '#fff' : '#111827';
}
