// Boot: the runtime configuration, then the session, then the app.
import { render } from 'preact';
import { config } from './api.ts';
import { App } from './app.tsx';
import { initAuth } from './auth/session.ts';
import { loadConfig } from './config.ts';
import { finishKommoPopup } from './pages/settings/kommoPopup.ts';
import './theme.ts';
import './ui/styles.css';

const root = document.getElementById('app')!;

// The Kommo consent popup coming back: hand the outcome to the console that opened it; nothing else runs here.
if (!finishKommoPopup()) await boot();

async function boot() {
  try {
    config.value = await loadConfig();
    render(<App />, root);
    await initAuth(config.value);
  } catch (error) {
    // Without configuration there is nothing to talk to: say which file is wrong.
    root.innerHTML = '';
    const message = document.createElement('p');
    message.className = 'center-page form-error';
    message.setAttribute('role', 'alert');
    message.textContent = `The console cannot start: ${error instanceof Error ? error.message : String(error)}`;
    root.append(message);
  }
}
