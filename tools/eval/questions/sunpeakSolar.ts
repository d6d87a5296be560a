// Questions a homeowner might type to Maya (SunPeak Solar, seed.sql), labelled with what should answer them.
// Written from the visitor's side before the matcher was tuned; see docs/benchmarks.md ("Answer quality").
import type { LabelledAgent } from './types.ts';

const pricing = 'System pricing';
const credit = 'Federal tax credit';
const financing = 'Financing options';
const savings = 'Savings';
const timeline = 'Installation timeline';
const equipment = 'Panels and inverters';
const battery = 'Battery storage';
const warranty = 'Warranty';
const roof = 'Roof requirements';
const area = 'Service area';
const survey = 'Free site survey';
const netMetering = 'Net metering and HOA';

export const sunpeakSolar: LabelledAgent = {
  slug: 'sunpeak-solar',
  questions: [
    { kind: 'paraphrase', question: 'How much does a solar system cost?', knowledge: pricing },
    { kind: 'paraphrase', question: "What's the price per watt?", knowledge: pricing },
    { kind: 'paraphrase', question: 'Roughly what would a 7 kW setup run me?', knowledge: pricing },
    { kind: 'paraphrase', question: 'Is there a tax credit for going solar?', knowledge: credit },
    { kind: 'paraphrase', question: 'Can I get money back on my taxes?', knowledge: credit },
    { kind: 'paraphrase', question: 'Do leased systems get the 30% credit?', knowledge: credit },
    { kind: 'paraphrase', question: 'Do you offer financing?', knowledge: financing },
    { kind: 'paraphrase', question: 'Can I get a loan with no money down?', knowledge: financing },
    { kind: 'paraphrase', question: 'What interest rate are your solar loans?', knowledge: financing },
    { kind: 'paraphrase', question: 'Can I lease the panels instead of buying them?', knowledge: financing },
    { kind: 'paraphrase', question: 'How much will I save on my electric bill?', knowledge: savings },
    { kind: 'paraphrase', question: 'What is the payback period?', knowledge: savings },
    { kind: 'paraphrase', question: 'My bill is $180 a month, what could I save?', knowledge: savings },
    { kind: 'paraphrase', question: 'How long does installation take?', knowledge: timeline },
    {
      kind: 'paraphrase',
      question: 'When would my system be switched on after I sign?',
      knowledge: timeline,
    },
    { kind: 'paraphrase', question: 'How long do permits take?', knowledge: timeline },
    { kind: 'paraphrase', question: 'What brand of panels do you use?', knowledge: equipment },
    { kind: 'paraphrase', question: 'Do you use microinverters or a string inverter?', knowledge: equipment },
    { kind: 'paraphrase', question: 'Can I monitor production from my phone?', knowledge: equipment },
    { kind: 'paraphrase', question: 'Will a battery keep my power on during an outage?', knowledge: battery },
    { kind: 'paraphrase', question: 'How much does a Powerwall cost?', knowledge: battery },
    { kind: 'paraphrase', question: 'Can I store solar power for the evening?', knowledge: battery },
    { kind: 'paraphrase', question: 'What warranty do you give?', knowledge: warranty },
    { kind: 'paraphrase', question: 'How long are the panels guaranteed for?', knowledge: warranty },
    { kind: 'paraphrase', question: 'Does solar work on a tile roof?', knowledge: roof },
    { kind: 'paraphrase', question: 'My roof faces east, is that ok?', knowledge: roof },
    { kind: 'paraphrase', question: 'Should I replace my old roof first?', knowledge: roof },
    { kind: 'paraphrase', question: 'Do you install in Tucson?', knowledge: area },
    { kind: 'paraphrase', question: 'Do you serve Albuquerque?', knowledge: area },
    { kind: 'paraphrase', question: 'I live in Flagstaff, can you come out?', knowledge: area },
    { kind: 'paraphrase', question: 'Is the site survey free?', knowledge: survey },
    { kind: 'paraphrase', question: 'What happens during the home visit?', knowledge: survey },
    { kind: 'paraphrase', question: 'How soon do I get a quote after the survey?', knowledge: survey },
    { kind: 'paraphrase', question: 'Does my HOA have to allow panels?', knowledge: netMetering },
    {
      kind: 'paraphrase',
      question: 'What do I get for extra power I send to the grid?',
      knowledge: netMetering,
    },
    { kind: 'paraphrase', question: 'Do you do net metering?', knowledge: netMetering },
    { kind: 'paraphrase', question: 'What are your office hours?', knowledge: 'Office hours' },
    { kind: 'paraphrase', question: 'Are you open on Saturday?', knowledge: 'Office hours' },
    { kind: 'paraphrase', question: 'Will you sell my personal data?', knowledge: 'Privacy' },

    { kind: 'misspelling', question: 'how much dose solar cost', knowledge: pricing },
    { kind: 'misspelling', question: 'finacing optoins', knowledge: financing },
    { kind: 'misspelling', question: 'pricng', knowledge: pricing },
    { kind: 'misspelling', question: 'instalation time', knowledge: timeline },
    { kind: 'misspelling', question: 'warrenty', knowledge: warranty },
    { kind: 'misspelling', question: 'baterry backup', knowledge: battery },

    { kind: 'one-word', question: 'Financing', knowledge: financing },
    { kind: 'one-word', question: 'Batteries', knowledge: battery },
    { kind: 'one-word', question: 'Warranty?', knowledge: warranty },
    { kind: 'one-word', question: 'Price', knowledge: pricing },
    { kind: 'one-word', question: 'HOA', knowledge: netMetering },
    { kind: 'one-word', question: 'Inverters', knowledge: equipment },

    { kind: 'objection', question: 'That sounds too expensive for us', objection: 'Solar is too expensive' },
    { kind: 'objection', question: "I can't afford solar right now", objection: 'Solar is too expensive' },
    {
      kind: 'objection',
      question: 'We might move in a couple of years',
      objection: 'I might move in a few years',
    },
    { kind: 'objection', question: 'What if I sell my house?', objection: 'I might move in a few years' },
    {
      kind: 'objection',
      question: "Shouldn't I wait for better technology?",
      objection: 'I want to wait for better technology',
    },
    {
      kind: 'objection',
      question: "I'd rather wait until panels get better",
      objection: 'I want to wait for better technology',
    },
    {
      kind: 'objection',
      question: 'Will drilling holes make my roof leak?',
      objection: 'Will it damage my roof?',
    },
    {
      kind: 'objection',
      question: 'I need to talk to my wife first',
      objection: 'I need to talk to my spouse',
    },
    {
      kind: 'objection',
      question: 'Let me discuss it with my husband',
      objection: 'I need to talk to my spouse',
    },
    { kind: 'objection', question: 'Another company quoted less', objection: 'Another company quoted less' },
    {
      kind: 'objection',
      question: 'I got a cheaper quote from a competitor',
      objection: 'Another company quoted less',
    },

    { kind: 'trap', question: 'Do you sell batteries?', knowledge: battery },
    { kind: 'trap', question: 'Can I talk to a human?' },
    { kind: 'trap', question: 'Does the roof need to be replaced before install?', knowledge: roof },
    { kind: 'trap', question: 'How much does it cost?', knowledge: pricing },
    { kind: 'trap', question: 'How long do I wait for permits?', knowledge: timeline },
    { kind: 'trap', question: 'Is a lease cheaper than a loan?', knowledge: financing },

    { kind: 'off-topic', question: "What's the weather in Phoenix today?" },
    { kind: 'off-topic', question: 'Can you recommend a good pizza place?' },
    { kind: 'off-topic', question: 'Who won the football game last night?' },
    { kind: 'off-topic', question: 'Tell me a joke' },
    { kind: 'off-topic', question: 'hi' },
    { kind: 'off-topic', question: 'Do you fix swimming pool heaters?' },
    { kind: 'off-topic', question: 'Как дела?' },

    { kind: 'other-language', question: 'Сколько стоят солнечные панели?', knowledge: pricing },
    { kind: 'other-language', question: 'Есть ли рассрочка?', knowledge: financing },
  ],
};
