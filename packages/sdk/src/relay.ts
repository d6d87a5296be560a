// `@closer/sdk/relay`: for a server route that chats on behalf of its own visitors with the server's credential
// (a secret key): the server pins the agent, and each visitor continues only the conversation their session holds.
export {
  type ChatRelayOptions,
  type RelayedConversation,
  relayChat,
  relayChatParams,
} from './core/relay.ts';
