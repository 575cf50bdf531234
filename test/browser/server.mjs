// The harness's HTTP server, on 127.0.0.1 only. It serves what Grafana would:
// the plugin's dist/ under public/plugins/<id>/, SystemJS, the harness page,
// and the data source's resource path /api/datasources/uid/<uid>/resources/*.
// Resources are answered by a stand-in with fixed VMs, or, when
// VMT_RESOURCE_URL is set, forwarded to that URL (a real plugin backend's
// resource endpoint, e.g. from the end-to-end tests).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PLUGIN_ID = 'vmtelemetry-libvirt-datasource';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
  '.ttf': 'font/ttf',
  '.woff2': 'font/woff2',
};

/** Folders served under URL prefixes; a request never leaves its folder. */
const STATIC = [
  ['/harness/', path.join(root, 'test-artifacts/browser/harness')],
  [`/public/plugins/${PLUGIN_ID}/`, path.join(root, 'dist')],
  ['/systemjs/', path.join(root, 'node_modules/systemjs/dist')],
];

/** The stand-in's answers, shaped as docs/PLUGIN-API.md's resources. */
export const STAND_IN_VMS = [
  { name: 'one-71', host: 'kvm1', uuid: '6c0f5a43-0d1e-4b39-9a51-2f3c0c2e7101' },
  { name: 'one-72', host: 'kvm1', uuid: '6c0f5a43-0d1e-4b39-9a51-2f3c0c2e7102' },
  { name: 'web-01', host: 'kvm2', uuid: '6c0f5a43-0d1e-4b39-9a51-2f3c0c2e7103' },
].map((vm) => ({ ...vm, ref: `${vm.host}/${vm.name}` })); // a VM is (host, name): docs/CONTRACT.md

// The metrics resource as the backend serves it: the catalog without the seed names.
const STAND_IN_METRICS = JSON.parse(fs.readFileSync(path.join(root, 'pkg/models/metrics.json'), 'utf8')).metrics.map(
  ({ name, unit, kind, defaultScale }) => ({ name, unit, kind, defaultScale })
);

function standInResource(resource, searchParams) {
  if (resource === 'vms') {
    const host = searchParams.get('host');
    return { status: 200, body: { vms: STAND_IN_VMS.filter((vm) => !host || vm.host === host) } };
  }
  if (resource === 'metrics') {
    return { status: 200, body: { metrics: STAND_IN_METRICS } };
  }
  return { status: 404, body: { message: `no resource ${resource}` } };
}

async function forwardResource(base, resource, search) {
  const response = await fetch(`${base.replace(/\/$/, '')}/${resource}${search}`);
  return { status: response.status, body: await response.json() };
}

function send(res, status, contentType, body) {
  res.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  res.end(body);
}

/**
 * startServer listens on 127.0.0.1 on a free port. `requests` records the
 * resource paths asked for, so a test can check the editor really asked.
 */
export async function startServer({ resourceUrl = process.env.VMT_RESOURCE_URL } = {}) {
  const requests = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    try {
      const resourceMatch = url.pathname.match(/^\/api\/datasources\/uid\/([^/]+)\/resources\/(.+)$/);
      if (resourceMatch) {
        const [, uid, resource] = resourceMatch;
        requests.push({ uid, resource, search: url.search });
        const answer = resourceUrl
          ? await forwardResource(resourceUrl, resource, url.search)
          : standInResource(resource, url.searchParams);
        send(res, answer.status, MIME['.json'], JSON.stringify(answer.body));
        return;
      }
      if (url.pathname === '/' || url.pathname === '/index.html') {
        send(res, 200, MIME['.html'], fs.readFileSync(path.join(root, 'test/browser/harness/index.html')));
        return;
      }
      for (const [prefix, folder] of STATIC) {
        if (url.pathname.startsWith(prefix)) {
          const file = path.resolve(folder, decodeURIComponent(url.pathname.slice(prefix.length)));
          if (!file.startsWith(folder + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
            break;
          }
          send(res, 200, MIME[path.extname(file)] ?? 'application/octet-stream', fs.readFileSync(file));
          return;
        }
      }
      send(res, 404, 'text/plain', `not found: ${url.pathname}`);
    } catch (error) {
      send(res, 500, 'text/plain', String(error));
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
