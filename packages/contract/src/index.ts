// The Closer wire contract: the only place a request, response, error or stream event shape is written down.
export * from './agent.ts';
export * from './chat.ts';
export * from './common.ts';
export * from './conversation.ts';
export * from './dashboard.ts';
export * from './errors.ts';
export * from './health.ts';
export * from './knowledge.ts';
export * from './knowledgeBase.ts';
export * from './openapi.ts';
export * from './organization.ts';
