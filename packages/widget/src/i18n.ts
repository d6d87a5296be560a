// The panel's own words in the four built-in languages (the bubble's are in launcher/words.ts).
import { baseLanguage } from './launcher/words.ts';

export { isRightToLeft } from './launcher/words.ts';

export interface Strings {
  close: string;
  chatWith: (name: string) => string;
  placeholder: string;
  send: string;
  stop: string;
  retry: string;
  newConversation: string;
  /** The header button that erases the visitor's conversation on the server, and its confirmation. */
  erase: string;
  eraseConfirm: string;
  typing: string;
  offline: string;
  rateLimited: (seconds: number) => string;
  upstream: string;
  failed: string;
  /** The connection to the API dropped or stalled while the browser says it is online. */
  connectionLost: string;
  /** The API refused the message as invalid (4xx other than limits and access): retrying will not help. */
  refused: string;
  /** Under a reply the visitor stopped. */
  stopped: string;
  /** Under a reply the connection or the model cut short. */
  interrupted: string;
  /** The model's provider is overloaded (not the visitor's fault). */
  busy: (seconds: number) => string;
  leadTitle: string;
  leadSubmit: string;
  leadThanks: string;
  leadLater: string;
  required: string;
  invalidEmail: string;
  invalidPhone: string;
  fields: Record<'name' | 'email' | 'phone' | 'company' | 'need', string>;
  you: string;
  agent: string;
  /** Names the quick replies under a reply, and announces them. */
  suggested: string;
}

const en: Strings = {
  close: 'Close chat',
  chatWith: (name) => `Chat with ${name}`,
  placeholder: 'Type your message…',
  send: 'Send',
  stop: 'Stop',
  retry: 'Try again',
  newConversation: 'New conversation',
  erase: 'Delete this conversation',
  eraseConfirm: 'Delete this conversation and the details you left, for good?',
  typing: 'Typing…',
  offline: 'You are offline. Your message will be sent when you try again.',
  rateLimited: (s) => `Too many messages. Try again in ${s} s.`,
  upstream: 'The assistant is unavailable right now. Please try again.',
  failed: 'Something went wrong. Please try again.',
  connectionLost: 'The connection was interrupted. Please try again.',
  refused: 'This message could not be sent.',
  stopped: 'Stopped',
  interrupted: 'Interrupted: the reply was cut short',
  busy: (s) => `The assistant is busy right now. Try again in ${s} s.`,
  leadTitle: 'Leave your details and we will get back to you',
  leadSubmit: 'Send details',
  leadThanks: 'Thank you! We will be in touch.',
  leadLater: 'Not now',
  required: 'Required',
  invalidEmail: 'Enter a valid email',
  invalidPhone: 'Enter a valid phone number',
  fields: { name: 'Name', email: 'Email', phone: 'Phone', company: 'Company', need: 'What do you need?' },
  you: 'You',
  agent: 'Assistant',
  suggested: 'Suggested replies',
};

const ru: Strings = {
  close: 'Закрыть чат',
  chatWith: (name) => `Чат: ${name}`,
  placeholder: 'Напишите сообщение…',
  send: 'Отправить',
  stop: 'Остановить',
  retry: 'Повторить',
  newConversation: 'Новый разговор',
  erase: 'Удалить этот разговор',
  eraseConfirm: 'Удалить этот разговор и оставленные данные навсегда?',
  typing: 'Печатает…',
  offline: 'Нет соединения. Сообщение отправится, когда вы повторите.',
  rateLimited: (s) => `Слишком много сообщений. Повторите через ${s} с.`,
  upstream: 'Ассистент сейчас недоступен. Попробуйте ещё раз.',
  failed: 'Что-то пошло не так. Попробуйте ещё раз.',
  connectionLost: 'Соединение прервалось. Попробуйте ещё раз.',
  refused: 'Это сообщение не удалось отправить.',
  stopped: 'Остановлено',
  interrupted: 'Ответ прервался',
  busy: (s) => `Ассистент сейчас перегружен. Повторите через ${s} с.`,
  leadTitle: 'Оставьте контакты, и мы свяжемся с вами',
  leadSubmit: 'Отправить',
  leadThanks: 'Спасибо! Мы скоро свяжемся с вами.',
  leadLater: 'Не сейчас',
  required: 'Обязательное поле',
  invalidEmail: 'Введите корректный email',
  invalidPhone: 'Введите корректный телефон',
  fields: { name: 'Имя', email: 'Email', phone: 'Телефон', company: 'Компания', need: 'Что вам нужно?' },
  you: 'Вы',
  agent: 'Ассистент',
  suggested: 'Варианты ответа',
};

const es: Strings = {
  close: 'Cerrar chat',
  chatWith: (name) => `Chatea con ${name}`,
  placeholder: 'Escribe tu mensaje…',
  send: 'Enviar',
  stop: 'Detener',
  retry: 'Reintentar',
  newConversation: 'Nueva conversación',
  erase: 'Eliminar esta conversación',
  eraseConfirm: '¿Eliminar esta conversación y los datos que dejaste para siempre?',
  typing: 'Escribiendo…',
  offline: 'Sin conexión. Tu mensaje se enviará cuando lo reintentes.',
  rateLimited: (s) => `Demasiados mensajes. Inténtalo de nuevo en ${s} s.`,
  upstream: 'El asistente no está disponible ahora. Inténtalo de nuevo.',
  failed: 'Algo salió mal. Inténtalo de nuevo.',
  connectionLost: 'Se interrumpió la conexión. Inténtalo de nuevo.',
  refused: 'No se pudo enviar este mensaje.',
  stopped: 'Detenido',
  interrupted: 'La respuesta se interrumpió',
  busy: (s) => `El asistente está ocupado ahora. Inténtalo de nuevo en ${s} s.`,
  leadTitle: 'Déjanos tus datos y te contactaremos',
  leadSubmit: 'Enviar datos',
  leadThanks: '¡Gracias! Te contactaremos pronto.',
  leadLater: 'Ahora no',
  required: 'Obligatorio',
  invalidEmail: 'Introduce un email válido',
  invalidPhone: 'Introduce un teléfono válido',
  fields: { name: 'Nombre', email: 'Email', phone: 'Teléfono', company: 'Empresa', need: '¿Qué necesitas?' },
  you: 'Tú',
  agent: 'Asistente',
  suggested: 'Respuestas sugeridas',
};

const pt: Strings = {
  close: 'Fechar chat',
  chatWith: (name) => `Converse com ${name}`,
  placeholder: 'Escreva sua mensagem…',
  send: 'Enviar',
  stop: 'Parar',
  retry: 'Tentar de novo',
  newConversation: 'Nova conversa',
  erase: 'Apagar esta conversa',
  eraseConfirm: 'Apagar esta conversa e os dados que deixou, para sempre?',
  typing: 'Digitando…',
  offline: 'Sem conexão. Sua mensagem será enviada quando você tentar de novo.',
  rateLimited: (s) => `Muitas mensagens. Tente de novo em ${s} s.`,
  upstream: 'O assistente não está disponível agora. Tente de novo.',
  failed: 'Algo deu errado. Tente de novo.',
  connectionLost: 'A conexão foi interrompida. Tente de novo.',
  refused: 'Não foi possível enviar esta mensagem.',
  stopped: 'Parado',
  interrupted: 'A resposta foi interrompida',
  busy: (s) => `O assistente está ocupado agora. Tente de novo em ${s} s.`,
  leadTitle: 'Deixe seus dados e entraremos em contato',
  leadSubmit: 'Enviar dados',
  leadThanks: 'Obrigado! Entraremos em contato.',
  leadLater: 'Agora não',
  required: 'Obrigatório',
  invalidEmail: 'Informe um email válido',
  invalidPhone: 'Informe um telefone válido',
  fields: {
    name: 'Nome',
    email: 'Email',
    phone: 'Telefone',
    company: 'Empresa',
    need: 'Do que você precisa?',
  },
  you: 'Você',
  agent: 'Assistente',
  suggested: 'Respostas sugeridas',
};

const catalog: Record<string, Strings> = { en, ru, es, pt };

/** The strings for a locale such as `pt-BR`, falling back to English for languages not built in. */
export function stringsFor(locale: string): Strings {
  return catalog[baseLanguage(locale)] ?? en;
}
