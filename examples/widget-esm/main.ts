// The widget for bundler users: a floating bubble, or the panel inline in a page element.
import { mount } from '@closer/widget';

const apiUrl = 'http://localhost:54321/functions/v1';
const publishableKey = 'pk_demo_en_replace_me'; // printed by `pnpm start`

const support = document.querySelector<HTMLElement>('#support');
const chat = support
  ? mount({ publishableKey, apiUrl, target: support }) // inline: always open, no bubble
  : mount({ publishableKey, apiUrl });

chat.on('lead', ({ leadId }) => console.log('lead', leadId));
chat.on('error', ({ kind }) => console.warn('chat problem:', kind));
await chat.ready;
