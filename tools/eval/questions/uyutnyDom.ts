// Questions a flat owner might type to Anna (renovation studio «Уютный дом», seed.sql), labelled with what
// should answer them. Written from the visitor's side before the matcher was tuned; see docs/benchmarks.md.
import type { LabelledAgent } from './types.ts';

const price = 'Стоимость ремонта под ключ';
const duration = 'Сроки ремонта';
const survey = 'Бесплатный замер';
const warranty = 'Гарантия';
const payment = 'Оплата поэтапно';
const design = 'Дизайн-проект';
const materials = 'Закупка материалов';
const quality = 'Контроль качества';
const newBuild = 'Новостройки';
const bathroom = 'Ванная комната под ключ';
const contract = 'Договор и смета';
const cleanup = 'Уборка и вывоз мусора';

const tooExpensive = 'Дорого';
const delays = 'Боюсь, что затянут сроки';
const cheaperCrew = 'Нашёл бригаду дешевле';
const thinkItOver = 'Мне нужно подумать';
const distrust = 'Не доверяю ремонтным компаниям';
const doItMyself = 'Сделаю ремонт сам';

export const uyutnyDom: LabelledAgent = {
  slug: 'uyutny-dom',
  questions: [
    { kind: 'paraphrase', question: 'Сколько стоит ремонт под ключ?', knowledge: price },
    { kind: 'paraphrase', question: 'Какая цена за квадратный метр?', knowledge: price },
    { kind: 'paraphrase', question: 'Сколько стоит косметический ремонт?', knowledge: price },
    { kind: 'paraphrase', question: 'Почём капитальный ремонт квартиры?', knowledge: price },
    { kind: 'paraphrase', question: 'Входят ли черновые материалы в цену?', knowledge: price },
    { kind: 'paraphrase', question: 'Сколько длится ремонт однушки?', knowledge: duration },
    { kind: 'paraphrase', question: 'За сколько дней сделаете двухкомнатную квартиру?', knowledge: duration },
    {
      kind: 'paraphrase',
      question: 'Что будет, если вы не уложитесь в срок?',
      knowledge: duration,
      objection: delays,
    },
    { kind: 'paraphrase', question: 'Замер платный?', knowledge: survey },
    { kind: 'paraphrase', question: 'Можно вызвать замерщика в субботу?', knowledge: survey },
    { kind: 'paraphrase', question: 'Когда будет готова смета после замера?', knowledge: survey },
    { kind: 'paraphrase', question: 'Выезжаете в Подмосковье?', knowledge: survey },
    { kind: 'paraphrase', question: 'Какая гарантия на работы?', knowledge: warranty },
    { kind: 'paraphrase', question: 'Что если через год появится дефект?', knowledge: warranty },
    { kind: 'paraphrase', question: 'Как происходит оплата?', knowledge: payment },
    { kind: 'paraphrase', question: 'Нужно ли платить всё сразу?', knowledge: payment },
    { kind: 'paraphrase', question: 'У вас есть рассрочка?', knowledge: payment },
    { kind: 'paraphrase', question: 'Можно оплатить картой?', knowledge: payment },
    { kind: 'paraphrase', question: 'Сколько стоит дизайн-проект?', knowledge: design },
    { kind: 'paraphrase', question: 'Делаете 3D-визуализацию?', knowledge: design },
    { kind: 'paraphrase', question: 'Кто покупает материалы?', knowledge: materials },
    { kind: 'trap', question: 'Можно я сам выберу чистовые материалы?', knowledge: materials },
    { kind: 'paraphrase', question: 'Есть скидки на материалы?', knowledge: materials },
    { kind: 'paraphrase', question: 'Кто контролирует качество работ?', knowledge: quality },
    { kind: 'paraphrase', question: 'Будет ли прораб на объекте?', knowledge: quality },
    { kind: 'paraphrase', question: 'Присылаете фотоотчёт?', knowledge: quality },
    { kind: 'paraphrase', question: 'Делаете ремонт в новостройке?', knowledge: newBuild },
    { kind: 'paraphrase', question: 'Поможете принять квартиру у застройщика?', knowledge: newBuild },
    { kind: 'paraphrase', question: 'У нас white box, возьмётесь?', knowledge: newBuild },
    { kind: 'paraphrase', question: 'Сколько стоит ремонт ванной?', knowledge: bathroom },
    { kind: 'paraphrase', question: 'Делаете санузел под ключ?', knowledge: bathroom },
    { kind: 'paraphrase', question: 'Гидроизоляция входит в стоимость?', knowledge: bathroom },
    { kind: 'paraphrase', question: 'Может ли цена вырасти в процессе?', knowledge: contract },
    { kind: 'paraphrase', question: 'Вы работаете по договору?', knowledge: contract },
    { kind: 'paraphrase', question: 'Вывозите строительный мусор?', knowledge: cleanup },
    { kind: 'paraphrase', question: 'Соседи не будут жаловаться на шум?', knowledge: cleanup },
    { kind: 'paraphrase', question: 'Делаете уборку после ремонта?', knowledge: cleanup },

    { kind: 'misspelling', question: 'скока стоит ремонт', knowledge: price },
    { kind: 'misspelling', question: 'гарантия на работу скольк лет', knowledge: warranty },
    { kind: 'misspelling', question: 'расрочка есть?', knowledge: payment },
    { kind: 'misspelling', question: 'дизайн проэкт цена', knowledge: design },
    { kind: 'misspelling', question: 'новострйка ремонт', knowledge: newBuild },
    { kind: 'misspelling', question: 'срок ремонта однушки', knowledge: duration },

    { kind: 'one-word', question: 'Гарантия', knowledge: warranty },
    { kind: 'one-word', question: 'Цены', knowledge: price },
    { kind: 'one-word', question: 'Рассрочка', knowledge: payment },
    { kind: 'one-word', question: 'Замер', knowledge: survey },
    { kind: 'one-word', question: 'Сроки', knowledge: duration },
    { kind: 'one-word', question: 'Санузел', knowledge: bathroom },

    { kind: 'objection', question: 'Дорого у вас', objection: tooExpensive },
    { kind: 'objection', question: 'Это слишком дорого для нас', objection: tooExpensive },
    { kind: 'objection', question: 'Дороговато', objection: tooExpensive },
    { kind: 'objection', question: 'Боюсь, вы затянете сроки', objection: delays },
    {
      kind: 'objection',
      question: 'Знакомым ремонт затянули на полгода, у вас так же будет?',
      objection: delays,
    },
    { kind: 'objection', question: 'Нашли частную бригаду, они дешевле', objection: cheaperCrew },
    { kind: 'objection', question: 'Частник предлагает дешевле', objection: cheaperCrew },
    { kind: 'objection', question: 'Мне нужно подумать', objection: thinkItOver },
    { kind: 'objection', question: 'Я посоветуюсь с женой и вернусь', objection: thinkItOver },
    { kind: 'objection', question: 'Я не доверяю ремонтным компаниям', objection: distrust },
    { kind: 'objection', question: 'А вдруг вы меня обманете?', objection: distrust },
    { kind: 'objection', question: 'Хочу сделать ремонт своими руками', objection: doItMyself },
    { kind: 'objection', question: 'Проще сделать всё самостоятельно', objection: doItMyself },

    { kind: 'trap', question: 'Хочу поговорить с человеком' },
    { kind: 'trap', question: 'Перезвоните мне, пожалуйста' },
    { kind: 'trap', question: 'Сколько времени занимает ремонт?', knowledge: duration },

    { kind: 'off-topic', question: 'Какая завтра погода?' },
    { kind: 'off-topic', question: 'Продаёте квартиры?' },
    { kind: 'off-topic', question: 'Привет' },
    { kind: 'off-topic', question: 'Посоветуйте хороший фильм' },
    { kind: 'off-topic', question: 'Вы чините машины?' },

    { kind: 'other-language', question: 'How much does a renovation cost?', knowledge: price },
    { kind: 'other-language', question: 'Do you give a warranty?', knowledge: warranty },
  ],
};
