// A browser-like global environment for component tests: import this module before react-dom
// and @testing-library/react (react-dom decides at load time whether there is a DOM).
// node:test runs each test file in its own process, so nothing leaks into the server's tests.
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>', {
  url: 'http://localhost/',
  pretendToBeVisual: true,
});

const target = globalThis as unknown as Record<string, unknown>;
const source = dom.window as unknown as Record<string, unknown>;
target.window = dom.window;
target.IS_REACT_ACT_ENVIRONMENT = true;
// Everything the window has and Node has not (document, HTMLElement, sessionStorage, …); Node's
// own timers, URL, fetch and events stay.
for (const key of Object.getOwnPropertyNames(dom.window)) {
  if (key in globalThis) continue;
  Object.defineProperty(globalThis, key, {
    configurable: true,
    get: () => source[key],
  });
}

export { dom };
