// What an account administrator pastes into Kommo: the looping Salesbot (ask Closer, show the answer, wait for the
// next message, ask again) and the widget archive a private integration uploads so the bot designer offers the
// step (manifest.json with the `salesbot_designer` location, script.js returning the `widget_request` handler).
import JSZip from 'jszip';
import { ASK_STEP, LONG_REPLY_STEP } from './replyHandlers.ts';

/** What the widget step sends: Kommo fills the placeholders for each incoming message. */
export const WIDGET_REQUEST_DATA = {
  message: '{{message_text}}',
  lead_id: '{{lead.id}}',
  contact_id: '{{contact.id}}',
  contact_name: '{{contact.name}}',
  origin: '{{origin}}',
} as const;

/** The `widget_request` handler calling the agent's URL. */
export const widgetRequestHandler = (url: string) => ({
  handler: 'widget_request',
  params: { url, data: WIDGET_REQUEST_DATA },
});

const backToAsk = { handler: 'goto', params: { type: 'question', step: ASK_STEP } };

/**
 * The bot to paste under Salesbot → View source: step 0 asks Closer (the continue shows short replies itself);
 * step 1 sends a long reply (`{{json.reply}}`); both wait for the customer's next message, then ask again.
 */
export function salesbotSource(url: string) {
  const steps = [
    { question: [widgetRequestHandler(url)], answer: [backToAsk] },
    {
      question: [{ handler: 'show', params: { type: 'text', value: '{{json.reply}}' } }],
      answer: [backToAsk],
    },
  ];
  if (steps.length !== LONG_REPLY_STEP + 1) throw new Error('the long-reply step moved');
  return steps;
}

/** The widget's manifest: one Salesbot designer handler, no settings of its own. */
export function widgetManifest(version: string) {
  return {
    widget: {
      name: 'widget.name',
      description: 'widget.description',
      short_description: 'widget.short_description',
      version,
      interface_version: 2,
      init_once: false,
      locale: ['en', 'es', 'ru', 'pt'],
      installation: true,
    },
    locations: ['salesbot_designer'],
    salesbot_designer: {
      logo: '/images/logo_main.png',
      closer_answer: { name: 'salesbot.handler_name', settings: {} },
    },
    settings: {},
  };
}

const WIDGET_TEXTS: Record<string, { name: string; description: string; handler: string }> = {
  en: {
    name: 'Closer sales agent',
    description: 'Answers messenger chats with your Closer sales agent.',
    handler: 'Answer with the Closer agent',
  },
  es: {
    name: 'Agente de ventas Closer',
    description: 'Responde los chats de mensajería con su agente de ventas Closer.',
    handler: 'Responder con el agente Closer',
  },
  ru: {
    name: 'Агент продаж Closer',
    description: 'Отвечает в чатах мессенджеров вашим агентом продаж Closer.',
    handler: 'Ответить агентом Closer',
  },
  pt: {
    name: 'Agente de vendas Closer',
    description: 'Responde aos chats dos mensageiros com o seu agente de vendas Closer.',
    handler: 'Responder com o agente Closer',
  },
};

/** script.js: the designer step saves as the `widget_request` handler to the agent's URL. */
export function widgetScript(url: string): string {
  const handler = JSON.stringify([{ question: [widgetRequestHandler(url)] }]);
  return `define([], function () {
  return function () {
    this.callbacks = {
      render: function () { return true; },
      init: function () { return true; },
      bind_actions: function () { return true; },
      settings: function () { return true; },
      onSave: function () { return true; },
      destroy: function () {},
      // The Salesbot designer step: Kommo stores what this returns as the step's handlers.
      onSalesbotDesignerSave: function () { return ${JSON.stringify(handler)}; }
    };
    return this;
  };
});
`;
}

/** A 1×1 transparent PNG: Kommo asks for logo files; replace them with your own before uploading if you like. */
const PIXEL_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

/** The archive to upload under Settings → Integrations → (your integration) → Upload widget. */
export async function widgetArchive(url: string, version = '1.0.0'): Promise<Uint8Array> {
  const zip = new JSZip();
  zip.file('manifest.json', JSON.stringify(widgetManifest(version), null, 2));
  zip.file('script.js', widgetScript(url));
  for (const [locale, texts] of Object.entries(WIDGET_TEXTS)) {
    zip.file(
      `i18n/${locale}.json`,
      JSON.stringify(
        {
          widget: { name: texts.name, description: texts.description, short_description: texts.name },
          salesbot: { handler_name: texts.handler },
        },
        null,
        2,
      ),
    );
  }
  for (const name of ['logo_main.png', 'logo_medium.png', 'logo_min.png', 'logo_small.png', 'logo.png']) {
    zip.file(`images/${name}`, PIXEL_PNG, { base64: true });
  }
  return zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE' });
}
