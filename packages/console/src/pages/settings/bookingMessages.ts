import { defineMessages } from '../../i18n/i18n.ts';

export const bookingMessages = defineMessages({
  en: {
    'settings.tab.booking': 'Meeting booking',
    'booking.title': 'Meeting booking (Cal.com)',
    'booking.intro':
      'Connect Cal.com and your agents offer visitors free times in the chat and book the meeting. The API key is stored encrypted and never shown again.',
    'booking.connectedTo': 'Connected: event type {title} ({minutes} min), key …{hint}',
    'booking.notConnected': 'Not connected.',
    'booking.apiKey': 'Cal.com API key',
    'booking.apiKeyHint': 'Cal.com → Settings → Developer → API keys (cal_live_…)',
    'booking.eventTypeId': 'Event type id',
    'booking.eventTypeHint': 'The event type visitors book; its id is in the event type’s URL in Cal.com.',
    'booking.eventTypes': 'Event types of this key',
    'booking.apiUrl': 'API address (self-hosted Cal.com only)',
    'booking.bookerUrl': 'Booking pages address (self-hosted Cal.com only)',
    'booking.connect': 'Connect Cal.com',
    'booking.replace': 'Replace connection',
    'booking.connected': 'Cal.com connected',
    'booking.disconnect': 'Disconnect',
    'booking.disconnectWarning':
      'Agents stop offering meeting times at once. Booked meetings stay in Cal.com.',
    'booking.disconnected': 'Cal.com disconnected',
  },
  ru: {
    'settings.tab.booking': 'Запись на встречи',
    'booking.title': 'Запись на встречи (Cal.com)',
    'booking.intro':
      'Подключите Cal.com, и агенты будут предлагать посетителям свободное время прямо в чате и записывать на встречу. Ключ API хранится зашифрованным и больше не показывается.',
    'booking.connectedTo': 'Подключено: тип встречи {title} ({minutes} мин), ключ …{hint}',
    'booking.notConnected': 'Не подключено.',
    'booking.apiKey': 'Ключ API Cal.com',
    'booking.apiKeyHint': 'Cal.com → Settings → Developer → API keys (cal_live_…)',
    'booking.eventTypeId': 'Id типа встречи',
    'booking.eventTypeHint':
      'Тип встречи, на который записываются посетители; id есть в адресе типа встречи в Cal.com.',
    'booking.eventTypes': 'Типы встреч этого ключа',
    'booking.apiUrl': 'Адрес API (только для своего Cal.com)',
    'booking.bookerUrl': 'Адрес страниц записи (только для своего Cal.com)',
    'booking.connect': 'Подключить Cal.com',
    'booking.replace': 'Заменить подключение',
    'booking.connected': 'Cal.com подключён',
    'booking.disconnect': 'Отключить',
    'booking.disconnectWarning':
      'Агенты сразу перестанут предлагать время встреч. Записанные встречи остаются в Cal.com.',
    'booking.disconnected': 'Cal.com отключён',
  },
});
