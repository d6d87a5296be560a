// Kommo's OAuth in a popup: the console opens Kommo's consent page in a window; Kommo sends that window back to
// the console with `?kommo=connected|error`, where `finishKommoPopup` hands the outcome to the opener and closes.

export interface KommoOutcome {
  result: 'connected' | 'error';
  message: string | null;
}

const MESSAGE_TYPE = 'closer:kommo-oauth';

/** In the popup after Kommo: tells the console that opened it and closes; true when this page was that popup. */
export function finishKommoPopup(): boolean {
  const params = new URLSearchParams(location.search);
  const result = params.get('kommo');
  if (!result || !window.opener || window.opener === window) return false;
  const outcome: KommoOutcome = {
    result: result === 'connected' ? 'connected' : 'error',
    message: params.get('message'),
  };
  try {
    (window.opener as Window).postMessage({ type: MESSAGE_TYPE, ...outcome }, location.origin);
  } catch {
    return false;
  }
  window.close();
  return true;
}

/**
 * Opens `url` in a popup and resolves with Kommo's outcome, or null when the window was closed without one.
 * A blocked popup is answered by going to Kommo in this tab (the return brings the user back here).
 */
export function connectInPopup(url: string): Promise<KommoOutcome | null> {
  const popup = window.open(url, 'closer-kommo', 'popup,width=620,height=720');
  if (!popup) {
    location.assign(url);
    return new Promise(() => {});
  }
  return new Promise((resolve) => {
    const done = (outcome: KommoOutcome | null) => {
      removeEventListener('message', onMessage);
      clearInterval(watch);
      resolve(outcome);
    };
    const onMessage = (event: MessageEvent) => {
      if (event.origin !== location.origin || event.source !== popup) return;
      const data = event.data as { type?: string } & Partial<KommoOutcome>;
      if (data?.type !== MESSAGE_TYPE) return;
      done({ result: data.result === 'connected' ? 'connected' : 'error', message: data.message ?? null });
    };
    addEventListener('message', onMessage);
    const watch = setInterval(() => popup.closed && done(null), 500);
  });
}

/** After a same-tab return from Kommo: the outcome in the address, removed from it. */
export function takeReturnOutcome(): KommoOutcome | null {
  const params = new URLSearchParams(location.search);
  const result = params.get('kommo');
  if (!result) return null;
  const message = params.get('message');
  params.delete('kommo');
  params.delete('message');
  const query = params.toString();
  history.replaceState(history.state, '', `${location.pathname}${query ? `?${query}` : ''}`);
  return { result: result === 'connected' ? 'connected' : 'error', message };
}
