/** The router's base: the folder the console is served from (`/console`), without its trailing slash. */
export const routerBase = import.meta.env.BASE_URL.replace(/\/$/, '');
