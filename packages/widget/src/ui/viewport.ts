// Keeps the full-screen panel above the virtual keyboard on phones: the visual viewport's height, as a CSS variable.
export function trackVisualViewport(host: HTMLElement): () => void {
  const viewport = globalThis.visualViewport;
  if (!viewport) return () => {};
  const update = () => host.style.setProperty('--closer-viewport-height', `${Math.round(viewport.height)}px`);
  update();
  viewport.addEventListener('resize', update);
  viewport.addEventListener('scroll', update);
  return () => {
    viewport.removeEventListener('resize', update);
    viewport.removeEventListener('scroll', update);
  };
}
