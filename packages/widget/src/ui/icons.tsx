// The few icons the widget draws, inline SVG (no requests, no fonts).
const svg = (d: string) => () => (
  <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
    <path d={d} />
  </svg>
);

export const ChatIcon = svg(
  'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2zm3 6v2h2v-2H7zm4 0v2h2v-2h-2zm4 0v2h2v-2h-2z',
);
export const CloseIcon = svg(
  'M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4L12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z',
);
export const SendIcon = svg('M3 20.5 21 12 3 3.5v6.6L15 12 3 13.9z');
export const StopIcon = svg('M7 7h10v10H7z');
export const NewIcon = svg('M11 5h2v6h6v2h-6v6h-2v-6H5v-2h6z');
export const EraseIcon = svg(
  'M9 3h6l1 1h4v2H4V4h4l1-1zM6 7h12l-1 14H7L6 7zm4 3v8h1.5v-8H10zm2.5 0v8H14v-8h-1.5z',
);
