// What the booking skill says, per language (English and Russian; others get English), and how it shows a time.
export interface BookingPhrases {
  offer: (zone: string, times: string[]) => string;
  anotherDay: string;
  anotherDayMessage: string;
  book: (time: string) => string;
  noTimes: (zone: string) => string;
  taken: string;
  askEmail: (time: string) => string;
  booked: (details: {
    title: string;
    time: string;
    email: string;
    reschedule: string;
    cancel: string;
  }) => string;
  callBack: string;
  leaveNumber: string;
  leaveNumberMessage: string;
}

const english: BookingPhrases = {
  offer: (zone, times) =>
    `Here are the next free times (in your time zone, ${zone}):\n${times.map((t) => `- ${t}`).join('\n')}\n\nPick one below, or ask for another day.`,
  anotherDay: 'Another day',
  anotherDayMessage: 'Another day, please',
  book: (time) => `Book ${time}`,
  noTimes: (zone) => `There are no free times in that week (${zone}). Shall I look at the following days?`,
  taken: 'That time was just taken by someone else.',
  askEmail: (time) =>
    `To book ${time} I need your email for the invitation. Type it here and I will book it straight away.`,
  booked: ({ title, time, email, reschedule, cancel }) =>
    `Booked: ${title}, ${time}. The invitation goes to ${email}.\n\nNeed another time? Reschedule: ${reschedule}\nCancel: ${cancel}`,
  callBack:
    "I can't reach the calendar right now. Leave your number and a person from the team will call you back to agree a time.",
  leaveNumber: 'Leave my number',
  leaveNumberMessage: 'Please call me back',
};

const russian: BookingPhrases = {
  offer: (zone, times) =>
    `Ближайшее свободное время (в вашем часовом поясе, ${zone}):\n${times.map((t) => `- ${t}`).join('\n')}\n\nВыберите время ниже или попросите другой день.`,
  anotherDay: 'Другой день',
  anotherDayMessage: 'Давайте другой день',
  book: (time) => `Записаться на ${time}`,
  noTimes: (zone) => `На этой неделе свободного времени нет (${zone}). Посмотреть следующие дни?`,
  taken: 'Это время только что заняли.',
  askEmail: (time) =>
    `Чтобы записать вас на ${time}, нужен ваш email для приглашения. Напишите его здесь, и я сразу запишу.`,
  booked: ({ title, time, email, reschedule, cancel }) =>
    `Готово: ${title}, ${time}. Приглашение придёт на ${email}.\n\nНужно другое время? Перенести: ${reschedule}\nОтменить: ${cancel}`,
  callBack:
    'Календарь сейчас недоступен. Оставьте номер телефона, и коллега перезвонит, чтобы договориться о времени.',
  leaveNumber: 'Оставить номер',
  leaveNumberMessage: 'Перезвоните мне, пожалуйста',
};

export function bookingPhrases(language: string): BookingPhrases {
  return language.startsWith('ru') ? russian : english;
}

/** A slot as the visitor reads it, in their zone: "Tue, 3 Dec, 10:00". */
export function slotLabel(start: string, timeZone: string, language: string): string {
  return new Intl.DateTimeFormat(language.startsWith('ru') ? 'ru-RU' : 'en-GB', {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
  }).format(new Date(start));
}

/** The calendar day (`YYYY-MM-DD`) of an instant in a time zone. */
export function dayIn(instant: Date | string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    timeZone,
  }).format(new Date(instant));
}

/** A zone the runtime knows, else UTC (the zone is always named beside the times, so the visitor can tell). */
export function knownTimeZone(zone: string | null | undefined): string {
  if (!zone) return 'UTC';
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    return 'UTC';
  }
}
