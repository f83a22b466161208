// api.js: the Jupyter Server REST calls the pages need, same-origin with the
// session cookie the server set when the token URL was opened.

// xsrfHeader echoes Jupyter's _xsrf cookie when the server sets one.
function xsrfHeader() {
  const m = document.cookie.match(/(?:^|;\s*)_xsrf=([^;]*)/);
  return m ? { 'X-XSRFToken': decodeURIComponent(m[1]) } : {};
}

// ApiError carries the HTTP status and the server's message.
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// request calls /api/<path>; body is sent as JSON. It returns the parsed
// reply (null for 204).
export async function request(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: { ...xsrfHeader() } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch('/api/' + path, init);
  } catch (e) {
    throw new ApiError(0, `cannot reach the server (${e.message})`);
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const msg = (data && (data.message || data.reason)) || text || res.statusText;
    throw new ApiError(res.status, `${method} /api/${path}: ${res.status} ${msg}`.trim());
  }
  return data;
}

// encodePath encodes each segment of a notebook path for a URL.
export function encodePath(p) {
  return p.split('/').filter(Boolean).map(encodeURIComponent).join('/');
}

export const contents = {
  get: (path, content = true) => request('GET', `contents/${encodePath(path)}?content=${content ? 1 : 0}`),
  save: (path, nb) => request('PUT', `contents/${encodePath(path)}`, { type: 'notebook', format: 'json', content: nb }),
  create: (dir, type = 'notebook') => request('POST', `contents/${encodePath(dir)}`, { type }),
  rename: (path, newPath) => request('PATCH', `contents/${encodePath(path)}`, { path: newPath }),
  remove: (path) => request('DELETE', `contents/${encodePath(path)}`),
};

export const sessions = {
  list: () => request('GET', 'sessions'),
  create: (path, kernelName) => request('POST', 'sessions', {
    path, name: path.split('/').pop(), type: 'notebook', kernel: kernelName ? { name: kernelName } : {},
  }),
  remove: (id) => request('DELETE', `sessions/${encodeURIComponent(id)}`),
  rename: (id, path) => request('PATCH', `sessions/${encodeURIComponent(id)}`, { path, name: path.split('/').pop() }),
};

// checkpoints of a file (Jupyter's checkpoints API): the version Revert
// goes back to.
export const checkpoints = {
  list: (path) => request('GET', `contents/${encodePath(path)}/checkpoints`),
  create: (path) => request('POST', `contents/${encodePath(path)}/checkpoints`),
  restore: (path, id) => request('POST', `contents/${encodePath(path)}/checkpoints/${encodeURIComponent(id)}`),
};

export const kernels = {
  interrupt: (id) => request('POST', `kernels/${encodeURIComponent(id)}/interrupt`),
  restart: (id) => request('POST', `kernels/${encodeURIComponent(id)}/restart`),
  get: (id) => request('GET', `kernels/${encodeURIComponent(id)}`),
  remove: (id) => request('DELETE', `kernels/${encodeURIComponent(id)}`),
};

export const kernelspecs = () => request('GET', 'kernelspecs');
