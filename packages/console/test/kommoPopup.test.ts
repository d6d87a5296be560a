// Kommo's consent popup: the console that opens it hears the outcome only from that popup and its own origin,
// hears "closed" when the user shuts it, and goes to Kommo in the same tab when popups are blocked; the popup
// page hands the outcome over and closes.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectInPopup, finishKommoPopup, takeReturnOutcome } from '../src/pages/settings/kommoPopup.ts';

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
  history.replaceState(null, '', '/console/settings');
});

function fakePopup() {
  return { closed: false } as unknown as Window & { closed: boolean };
}

describe('the opener', () => {
  it("takes Kommo's outcome from its popup, and ignores other windows and origins", async () => {
    const popup = fakePopup();
    vi.spyOn(window, 'open').mockReturnValue(popup);
    const outcome = connectInPopup('https://www.kommo.com/oauth?client_id=x&state=y&mode=popup');
    expect(window.open).toHaveBeenCalledWith(
      'https://www.kommo.com/oauth?client_id=x&state=y&mode=popup',
      'closer-kommo',
      'popup,width=620,height=720',
    );
    const data = { type: 'closer:kommo-oauth', result: 'connected', message: null };
    window.dispatchEvent(
      new MessageEvent('message', { data, origin: 'https://evil.example', source: popup }),
    );
    window.dispatchEvent(new MessageEvent('message', { data, origin: location.origin, source: window }));
    window.dispatchEvent(
      new MessageEvent('message', {
        data: { ...data, result: 'error', message: 'access_denied' },
        origin: location.origin,
        source: popup,
      }),
    );
    expect(await outcome).toEqual({ result: 'error', message: 'access_denied' });
  });

  it('answers null when the user closes the popup without finishing', async () => {
    vi.useFakeTimers();
    const popup = fakePopup();
    vi.spyOn(window, 'open').mockReturnValue(popup);
    const outcome = connectInPopup('https://www.kommo.com/oauth');
    popup.closed = true;
    await vi.advanceTimersByTimeAsync(600);
    expect(await outcome).toBeNull();
  });

  it('reads the outcome of a same-tab return from the address and removes it', () => {
    history.replaceState(null, '', '/console/settings?tab=kommo&kommo=error&message=Refused');
    expect(takeReturnOutcome()).toEqual({ result: 'error', message: 'Refused' });
    expect(location.search).toBe('?tab=kommo');
    expect(takeReturnOutcome()).toBeNull();
  });
});

describe('the popup', () => {
  it('hands the outcome to the console that opened it, on its own origin, and closes', () => {
    const opener = { postMessage: vi.fn() };
    vi.spyOn(window, 'opener', 'get').mockReturnValue(opener);
    const close = vi.spyOn(window, 'close').mockImplementation(() => {});
    history.replaceState(null, '', '/console/settings?tab=kommo&kommo=connected');
    expect(finishKommoPopup()).toBe(true);
    expect(opener.postMessage).toHaveBeenCalledWith(
      { type: 'closer:kommo-oauth', result: 'connected', message: null },
      location.origin,
    );
    expect(close).toHaveBeenCalled();
  });

  it('is an ordinary page when nothing opened it or Kommo sent nothing', () => {
    history.replaceState(null, '', '/console/settings?kommo=connected');
    expect(finishKommoPopup()).toBe(false);
    vi.spyOn(window, 'opener', 'get').mockReturnValue({ postMessage: vi.fn() });
    history.replaceState(null, '', '/console/settings');
    expect(finishKommoPopup()).toBe(false);
  });
});
