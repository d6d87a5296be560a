// A small website on 127.0.0.1 for crawl tests, whose pages a test changes between syncs: HTML pages, robots.txt,
// sitemaps, redirects, non-HTML answers and a page that never finishes.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SitePage {
  status?: number;
  contentType?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Sends the headers and a first piece of the body, then nothing more (a page that never finishes). */
  stall?: boolean;
}

export interface TestSite {
  origin: string;
  pages: Map<string, SitePage>;
  /** Paths requested, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** An HTML page with a title, paragraphs and links. */
export function htmlPage(title: string, paragraphs: string[], links: string[] = [], head = ''): SitePage {
  const body = paragraphs.map((p) => `<p>${p}</p>`).join('');
  const nav = links.map((href) => `<a href="${href}">${href}</a>`).join(' ');
  return {
    body: `<!doctype html><html><head><title>${title}</title>${head}</head><body><main><h1>${title}</h1>${body}<p>${nav}</p></main></body></html>`,
  };
}

export async function startTestSite(): Promise<TestSite> {
  const pages = new Map<string, SitePage>();
  const requests: string[] = [];
  const stalled = new Set<import('node:http').ServerResponse>();
  const server: Server = createServer((request, response) => {
    const path = request.url ?? '/';
    requests.push(path);
    const page = pages.get(path);
    if (!page) {
      response.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not found</h1>');
      return;
    }
    response.writeHead(page.status ?? 200, {
      'content-type': page.contentType ?? 'text/html; charset=utf-8',
      ...page.headers,
    });
    if (page.stall) {
      response.write((page.body ?? '').slice(0, 20));
      stalled.add(response);
      return;
    }
    response.end(page.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    pages,
    requests,
    close: async () => {
      for (const response of stalled) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
