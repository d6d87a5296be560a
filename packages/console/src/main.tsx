// Boot: the runtime configuration, then the session, then the app.
import { render } from 'preact';
import { config } from './api.ts';
import { App } from './app.tsx';
import { initAuth } from './auth/session.ts';
import { loadConfig } from './config.ts';
import './theme.ts';
import './ui/styles.css';

const root = document.getElementById('app')!;

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
