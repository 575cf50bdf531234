// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';
import { configure } from '@testing-library/react';

// React 19's react-dom/server.browser (pulled in by @grafana/ui) creates a
// MessageChannel when it loads; jsdom has none. This one delivers each
// message to the other port on a timer, which is all React's scheduler needs,
// and keeps no handle open that would stop Jest from exiting.
class TimerMessageChannel {
  constructor() {
    const port = () => ({ onmessage: null, postMessage: undefined, close() {} });
    this.port1 = port();
    this.port2 = port();
    this.port1.postMessage = (data) => setTimeout(() => this.port2.onmessage?.({ data }));
    this.port2.postMessage = (data) => setTimeout(() => this.port1.onmessage?.({ data }));
  }
}

if (typeof global.MessageChannel === 'undefined') {
  Object.assign(global, { MessageChannel: TimerMessageChannel });
}

// @grafana/ui's scroll indicators observe intersections; jsdom has no layout,
// so nothing ever intersects.
class NoLayoutIntersectionObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
  takeRecords() {
    return [];
  }
}

if (typeof global.IntersectionObserver === 'undefined') {
  Object.assign(global, { IntersectionObserver: NoLayoutIntersectionObserver });
}

// findBy*/waitFor wait 1 s by default; on a busy 2-core machine a select menu
// of @grafana/ui can take longer to appear. This bounds the wait, it does not
// time anything (see testTimeout in jest.config.js).
configure({ asyncUtilTimeout: 10000 });
