// Shared set-up for the server end-to-end tests: the server's address and
// token come from the environment (mk/server.mk starts `rlvrworld serve`),
// or the harness starts one itself when RLVRWORLD_URL is not set.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerConnection } from '@jupyterlab/services';

export async function startServer() {
  if (process.env.RLVRWORLD_URL) {
    return { url: process.env.RLVRWORLD_URL, token: process.env.RLVRWORLD_TOKEN, stop: async () => {} };
  }
  const bin = process.env.RLVRWORLD_BIN || 'bin/rlvrworld';
  const dir = mkdtempSync(join(tmpdir(), 'rlvrworld-e2e-'));
  const token = 'e2e-' + Math.random().toString(16).slice(2);
  const child = spawn(bin, ['serve', '--addr', '127.0.0.1:0', '--notebooks', dir, '--token', token, '--no-browser'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('serve printed no URL: ' + out)), 30000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    });
    child.on('exit', (code) => reject(new Error('serve exited with ' + code + ': ' + out)));
  });
  return {
    url,
    token,
    stop: () =>
      new Promise((resolve) => {
        child.on('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

export function settings(server) {
  return ServerConnection.makeSettings({ baseUrl: server.url, wsUrl: server.url.replace(/^http/, 'ws'), token: server.token, appendToken: true });
}

// collect runs code on the kernel and returns the iopub messages and reply.
export async function execute(kernel, code) {
  const msgs = [];
  const future = kernel.requestExecute({ code });
  future.onIOPub = (msg) => msgs.push(msg);
  const reply = await future.done;
  return { reply, msgs, stdout: msgs.filter((m) => m.header.msg_type === 'stream').map((m) => m.content.text).join('') };
}

export function waitFor(pred, ms, what) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      let v;
      try {
        v = pred();
      } catch (e) {
        return reject(e);
      }
      if (v) return resolve(v);
      if (Date.now() - t0 > ms) return reject(new Error('timed out waiting for ' + what));
      setTimeout(tick, 20);
    };
    tick();
  });
}
