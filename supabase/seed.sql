-- Demo data: one organisation with two agents, an English solar installer and a Russian-speaking
-- renovation studio. Keys seeded here are unusable placeholders: the local stack replaces them with
-- fresh keys (or CLOSER_DEMO_SECRET_KEY / CLOSER_DEMO_PUBLISHABLE_KEY) and prints them.

insert into public.organizations (id, name) values
  ('00000000-0000-4000-8000-000000000001', 'Closer Demo');

insert into public.api_keys (id, org_id, name, prefix, key_hash) values
  ('00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-000000000001', 'Demo key',
   'sk_demo', md5(random()::text) || md5(random()::text));

insert into public.agents (
  id, org_id, name, slug, description, persona, goal, language, model, temperature, max_tokens,
  greeting, starter_prompts, lead_capture, allowed_origins, theme, publishable_key, rate_limits
) values
(
  '00000000-0000-4000-8000-0000000000e1', '00000000-0000-4000-8000-000000000001',
  'Maya from SunPeak Solar', 'sunpeak-solar',
  'Answers homeowners about rooftop solar, batteries and financing; books free site surveys.',
  'You are Maya, a friendly and straightforward solar advisor at SunPeak Solar, a residential installer '
  || 'serving Arizona and New Mexico since 2011. You explain things plainly, never pressure, and never '
  || 'invent prices or incentives that are not in your knowledge.',
  'Qualify the homeowner (roof, monthly bill, ownership) and book a free on-site survey.',
  'en', null, 0.4, 600,
  'Hi! I''m Maya from SunPeak Solar. Thinking about solar for your home? Ask me anything.',
  array['How much could I save?', 'Do you offer financing?', 'How long does installation take?'],
  '{"enabled": true, "fields": [{"field": "name", "required": true}, {"field": "phone", "required": true}, {"field": "email", "required": false}], "consentText": "We will only use your details to contact you about your solar quote.", "formAfterMessages": 0}',
  array['*'],
  '{"accentColor": "#f59e0b", "position": "right", "mode": "auto"}',
  'pk_demo_en_' || md5(random()::text),
  '{"visitorPerMinute": 20, "ipPerMinute": 60}'
),
(
  '00000000-0000-4000-8000-0000000000e2', '00000000-0000-4000-8000-000000000001',
  'Анна — студия ремонта «Уютный дом»', 'uyutny-dom',
  'Консультирует по ремонту квартир под ключ в Москве и области, записывает на бесплатный замер.',
  'Ты — Анна, консультант студии ремонта «Уютный дом» (Москва, с 2014 года). Отвечаешь по-русски, '
  || 'вежливо и по делу, на «вы». Не обещаешь цен и сроков, которых нет в базе знаний.',
  'Выяснить тип объекта, площадь и сроки и записать клиента на бесплатный замер.',
  'ru', null, 0.4, 600,
  'Здравствуйте! Я Анна из студии «Уютный дом». Подскажу по ремонту, ценам и срокам.',
  array['Сколько стоит ремонт под ключ?', 'Сколько длится ремонт однушки?', 'Даёте ли гарантию?'],
  '{"enabled": true, "fields": [{"field": "name", "required": true}, {"field": "phone", "required": true}], "consentText": "Нажимая «Отправить», вы соглашаетесь на обработку персональных данных.", "formAfterMessages": 0}',
  array['*'],
  '{"accentColor": "#0f766e", "position": "right", "mode": "auto"}',
  'pk_demo_ru_' || md5(random()::text),
  '{"visitorPerMinute": 20, "ipPerMinute": 60}'
);

insert into public.company_knowledge (id, org_id, agent_id, title, content, tags) values
('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e1', 'System pricing',
 'A typical 7 kW rooftop system costs $17,500 to $21,000 installed before incentives, about $2.50 to $3.00 per watt. The exact price depends on roof type, panel choice and electrical upgrades; the free site survey produces a fixed quote.', array['pricing']),
('00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e1', 'Federal tax credit',
 'Homeowners who buy their system may claim the federal residential clean energy credit of 30% of the installed cost on their tax return. Leased systems do not qualify for the homeowner. We recommend confirming eligibility with a tax professional.', array['incentives']),
('00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e1', 'Financing options',
 'We offer cash purchase, a 10-, 15- or 20-year solar loan from 5.99% APR with no money down, and a lease with a fixed monthly payment. Loan approval usually takes one business day.', array['financing']),
('00000000-0000-4000-8000-000000000104', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e1', 'Savings',
 'Most customers in Phoenix and Tucson cut their electric bill by 70% to 95%. A household paying $180 a month typically saves $1,600 to $2,000 a year; payback on a cash purchase is 7 to 9 years.', array['savings']),
('00000000-0000-4000-8000-000000000105', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e1', 'Installation timeline',
 'From signed contract to switched-on system takes 4 to 8 weeks: survey and design (1 week), permits and utility approval (2 to 5 weeks), installation (1 to 2 days), inspection and permission to operate (1 to 2 weeks).', array['process']),
('00000000-0000-4000-8000-000000000106', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e1', 'Panels and inverters',
 'We install 410 W monocrystalline panels from REC and Qcells with microinverters from Enphase, so one shaded panel does not drag down the others. Every panel is monitored from the homeowner''s phone app.', array['equipment']),
('00000000-0000-4000-8000-000000000107', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e1', 'Battery storage',
 'A Tesla Powerwall 3 or Enphase IQ Battery 5P keeps the lights, fridge and internet on during outages and stores midday solar for the evening peak. Adding a battery costs $9,000 to $14,000 installed and also qualifies for the 30% credit.', array['battery']),
('00000000-0000-4000-8000-000000000108', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e1', 'Warranty',
 'Panels carry a 25-year product and performance warranty, microinverters 25 years, and our workmanship and roof-penetration warranty is 15 years. We handle warranty claims for you.', array['warranty']),
('00000000-0000-4000-8000-000000000109', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e1', 'Roof requirements',
 'Asphalt shingle, tile and metal roofs all work. South- and west-facing roofs are best; east-facing roofs produce about 15% less. If your roof needs replacing within 5 years, we recommend doing it first and can coordinate with a roofer.', array['roof']),
('00000000-0000-4000-8000-000000000110', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e1', 'Service area',
 'We install in the Phoenix and Tucson metro areas, Flagstaff, Albuquerque and Santa Fe. Outside these areas we can refer you to a trusted partner.', array['area']),
('00000000-0000-4000-8000-000000000111', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e1', 'Free site survey',
 'The site survey is free and takes about an hour. A certified technician checks the roof, the electrical panel and shading, then you receive a design and a fixed-price quote within 3 business days, with no obligation.', array['survey']),
('00000000-0000-4000-8000-000000000112', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e1', 'Net metering and HOA',
 'Arizona utilities credit exported solar energy under net billing at the current export rate. Arizona law prevents HOAs from banning solar panels, though they may ask for placement that does not reduce output by more than 10%.', array['utility']);

insert into public.company_knowledge (id, org_id, agent_id, title, content, tags) values
('00000000-0000-4000-8000-000000000201', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e2', 'Стоимость ремонта под ключ',
 'Косметический ремонт стоит от 9 000 ₽ за квадратный метр, капитальный — от 18 000 ₽, дизайнерский — от 30 000 ₽ за квадратный метр. Цена включает работы и черновые материалы; чистовые материалы считаются отдельно по смете.', array['цены']),
('00000000-0000-4000-8000-000000000202', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e2', 'Сроки ремонта',
 'Однокомнатная квартира до 40 м² — от 45 рабочих дней, двухкомнатная — от 60, трёхкомнатная — от 80 рабочих дней. Сроки фиксируются в договоре, за просрочку платим неустойку 0,1% в день.', array['сроки']),
('00000000-0000-4000-8000-000000000203', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e2', 'Бесплатный замер',
 'Замерщик приезжает бесплатно в удобное время, в том числе в выходные. Замер занимает около часа, смета готова через 2 рабочих дня. Выезд по Москве и области до 30 км от МКАД.', array['замер']),
('00000000-0000-4000-8000-000000000204', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e2', 'Гарантия',
 'На все работы даём гарантию 3 года по договору. Если в течение гарантийного срока появится дефект по нашей вине, устраняем бесплатно в течение 10 дней.', array['гарантия']),
('00000000-0000-4000-8000-000000000205', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e2', 'Оплата поэтапно',
 'Оплата поэтапная: 10% при подписании договора, дальше по факту выполнения каждого этапа. Принимаем безналичную оплату и карты; возможна рассрочка от банка-партнёра до 12 месяцев без переплаты.', array['оплата']),
('00000000-0000-4000-8000-000000000206', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e2', 'Дизайн-проект',
 'Дизайн-проект стоит от 1 500 ₽ за квадратный метр и включает планировку, 3D-визуализацию, чертежи и ведомость материалов. При заказе ремонта под ключ планировочное решение делаем бесплатно.', array['дизайн']),
('00000000-0000-4000-8000-000000000207', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e2', 'Закупка материалов',
 'Черновые материалы закупаем сами со скидкой поставщиков и доставляем на объект. Чистовые материалы клиент может выбрать сам или поручить закупку нам — тогда скидка до 15% в партнёрских магазинах.', array['материалы']),
('00000000-0000-4000-8000-000000000208', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e2', 'Контроль качества',
 'За каждым объектом закреплён прораб. Технадзор проверяет скрытые работы на каждом этапе, клиент получает фотоотчёт в мессенджере каждый день.', array['качество']),
('00000000-0000-4000-8000-000000000209', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e2', 'Новостройки',
 'Делаем ремонт в новостройках с черновой и предчистовой отделкой (white box). Помогаем с приёмкой квартиры у застройщика: специалист проверит стены, окна и стяжку за 2 часа.', array['новостройки']),
('00000000-0000-4000-8000-000000000210', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e2', 'Ванная комната под ключ',
 'Ремонт санузла под ключ — от 14 рабочих дней и от 180 000 ₽ за совмещённый санузел до 4 м². Гидроизоляция обязательна и входит в стоимость.', array['санузел']),
('00000000-0000-4000-8000-000000000211', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e2', 'Договор и смета',
 'Работаем по договору с фиксированной сметой: цена не меняется, если не меняется объём работ. Все дополнительные работы согласуем письменно до начала.', array['договор']),
('00000000-0000-4000-8000-000000000212', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e2', 'Уборка и вывоз мусора',
 'Вывоз строительного мусора и финальная клининговая уборка входят в ремонт под ключ. Соседей не беспокоим: шумные работы только по будням с 9:00 до 19:00.', array['мусор']);

insert into public.knowledge_chunks (org_id, agent_id, knowledge_id, position, language, content)
select k.org_id, k.agent_id, k.id, 0, a.language, k.title || E'\n' || k.content
from public.company_knowledge k join public.agents a on a.id = k.agent_id;

insert into public.sales_scripts (org_id, agent_id, stage, name, content, position) values
('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e1', 'opening', 'Warm welcome',
 'Greet the visitor, say you can answer questions about solar costs, savings and financing, and ask what made them start looking into solar.', 0),
('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e1', 'discovery', 'Qualify the home',
 'Ask, one at a time: do they own the home, roughly what is their average monthly electric bill, which way the roof faces, and whether the roof is under 15 years old.', 0),
('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e1', 'presentation', 'Tailored estimate',
 'Use their bill to give a savings range from the knowledge, mention the 30% tax credit for purchases and the no-money-down loan, and explain that the survey gives a fixed quote.', 0),
('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e1', 'closing', 'Book the survey',
 'Offer the free one-hour site survey with no obligation and ask for their name and phone number to book it, suggesting two time windows this week.', 0),
('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e1', 'follow_up', 'Keep the door open',
 'If they are not ready, offer to send the savings estimate by email and ask when would be a good time to check back.', 0);

insert into public.sales_scripts (org_id, agent_id, stage, name, content, position) values
('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e2', 'opening', 'Приветствие',
 'Поздоровайтесь, представьтесь и спросите, какой ремонт планирует клиент: квартира, новостройка или отдельное помещение.', 0),
('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e2', 'discovery', 'Выявление потребности',
 'По одному вопросу: площадь квартиры, вторичка или новостройка, какой тип ремонта интересует, к какому сроку нужно заехать.', 0),
('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e2', 'presentation', 'Презентация',
 'Назовите вилку цены за квадратный метр для выбранного типа ремонта, сроки для этой площади, гарантию 3 года и фиксированную смету.', 0),
('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e2', 'closing', 'Запись на замер',
 'Предложите бесплатный замер и точную смету за 2 дня. Попросите имя и телефон, предложите два удобных времени.', 0),
('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e2', 'follow_up', 'Повторный контакт',
 'Если клиент не готов, предложите прислать примеры работ и примерный расчёт в мессенджер и договоритесь, когда связаться.', 0);

insert into public.objection_responses (id, org_id, agent_id, objection, keywords, answer) values
('00000000-0000-4000-8000-000000000301', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e1', 'Solar is too expensive',
 array['expensive', 'afford', 'pricey', 'overpriced', 'costs too much', 'too much money'],
 'Most of our customers go solar with no money down: the loan payment is usually lower than the electric bill it replaces, and buyers get 30% back as a federal tax credit.'),
('00000000-0000-4000-8000-000000000302', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e1', 'I might move in a few years',
 array['might move', 'may move', 'planning to move', 'moving next year', 'moving away', 'move out', 'relocate', 'sell my house', 'sell my home'],
 'Homes with owned solar typically sell faster and for more, and our loans transfer to the buyer or can be paid off at sale with no penalty.'),
('00000000-0000-4000-8000-000000000303', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e1', 'I want to wait for better technology',
 array['wait for better', 'wait a few years', 'wait until', 'better technology', 'newer technology', 'panels get better', 'prices come down'],
 'Panel efficiency improves by about half a percent a year, while every month of waiting is another full electric bill. The 30% credit is available now.'),
('00000000-0000-4000-8000-000000000304', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e1', 'Will it damage my roof?',
 array['leak', 'damage my roof', 'roof damage', 'holes in my roof', 'drill holes'],
 'Our certified crews flash and seal every mount, and we back each roof penetration with a 15-year leak warranty.'),
('00000000-0000-4000-8000-000000000305', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e1', 'I need to talk to my spouse',
 array['spouse', 'wife', 'husband', 'talk to my partner', 'ask my partner', 'need to think', 'think it over'],
 'Of course. Many couples book the free survey together so both can ask questions; it is one hour and there is no obligation.'),
('00000000-0000-4000-8000-000000000306', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e1', 'Another company quoted less',
 array['cheaper', 'competitor', 'another company', 'other company', 'another installer', 'quoted less', 'lower quote', 'better price'],
 'Happy to compare line by line: check the panel and inverter brands, the workmanship warranty and who handles permits. We also match comparable quotes.');

insert into public.objection_responses (id, org_id, agent_id, objection, keywords, answer) values
('00000000-0000-4000-8000-000000000401', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e2', 'Дорого',
 array['дорого', 'дороговато', 'дешевле', 'не по карману', 'не потяну', 'слишком много денег'],
 'Понимаю. Смета у нас фиксированная — цена не вырастет в процессе, а оплата идёт поэтапно. Можно начать с косметического ремонта или разбить работы на этапы.'),
('00000000-0000-4000-8000-000000000402', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e2', 'Боюсь, что затянут сроки',
 array['затянут', 'затянете', 'сорвёте сроки', 'сорвут сроки', 'задержка', 'задержите', 'не успеете'],
 'Сроки прописаны в договоре, а за каждый день просрочки мы платим неустойку 0,1%. Фотоотчёт каждый день — вы всегда видите, как идут работы.'),
('00000000-0000-4000-8000-000000000403', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e2', 'Нашёл бригаду дешевле',
 array['частник', 'частная бригада', 'другая бригада', 'другая компания', 'предложили дешевле', 'нашёл дешевле', 'конкуренты'],
 'Сравните, что входит в цену: у нас договор, гарантия 3 года, технадзор и фиксированная смета. Частная бригада обычно ничего из этого не даёт.'),
('00000000-0000-4000-8000-000000000404', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e2', 'Мне нужно подумать',
 array['подумать', 'подумаю', 'посоветоваться', 'посоветуюсь', 'не готов', 'не готова'],
 'Конечно. Давайте я запишу вас на бесплатный замер — он ни к чему не обязывает, а со сметой на руках решать проще.'),
('00000000-0000-4000-8000-000000000405', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e2', 'Не доверяю ремонтным компаниям',
 array['не доверяю', 'обманут', 'обманете', 'кинут', 'мошенники', 'отзывы'],
 'Понимаю опасения. Мы работаем с 2014 года, можем показать объекты в работе и дать контакты клиентов, а оплата идёт только за выполненные этапы.'),
('00000000-0000-4000-8000-000000000406', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e2', 'Сделаю ремонт сам',
 array['своими руками', 'своими силами', 'самостоятельно', 'сделаю сам', 'сам сделаю'],
 'Это возможно, но ремонт своими силами обычно занимает в 2–3 раза дольше. Можем взять только сложные этапы: электрику, сантехнику и гидроизоляцию.');

insert into public.knowledge_categories (id, org_id, name, description) values
('00000000-0000-4000-8000-0000000000c1', '00000000-0000-4000-8000-000000000001', 'Company policies',
 'Hours, guarantees and how we work with customers.');

insert into public.knowledge_articles (id, org_id, category_id, title, content, language) values
('00000000-0000-4000-8000-000000000501', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000c1', 'Office hours',
 'Our team answers calls Monday to Friday 8 am to 6 pm and Saturday 9 am to 1 pm, Mountain Standard Time.', 'en'),
('00000000-0000-4000-8000-000000000502', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000c1', 'Privacy',
 'We never sell personal data. Contact details shared in chat are used only to prepare and discuss a quote.', 'en');

insert into public.agent_knowledge_categories (org_id, agent_id, category_id) values
('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000e1', '00000000-0000-4000-8000-0000000000c1');
