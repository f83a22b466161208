// End-to-end: @jupyterlab/services, unmodified, drives `rlvrworld serve`
// and our Go kernel: start, execute with streamed output, interrupt a
// runaway loop, restart, sessions, and contents.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { KernelManager, SessionManager, ContentsManager, KernelSpecManager, ServerConnection } from '@jupyterlab/services';
import { startServer, settings, execute, waitFor } from './harness.mjs';

let server, serverSettings;

before(async () => {
  server = await startServer();
  serverSettings = settings(server);
});

after(async () => {
  await server.stop();
});

test('kernelspecs list our kernel', async () => {
  const specs = new KernelSpecManager({ serverSettings });
  await specs.ready;
  await specs.refreshSpecs();
  assert.equal(specs.specs.default, 'rlvrworld');
  assert.equal(specs.specs.kernelspecs.rlvrworld.language, 'go');
  specs.dispose();
});

test('a wrong token is refused', async () => {
  const bad = ServerConnection.makeSettings({ baseUrl: server.url, token: 'wrong', appendToken: true });
  const r = await ServerConnection.makeRequest(server.url + 'api/kernels', {}, bad);
  assert.equal(r.status, 403);
});

test('KernelManager: start, execute, streamed output, interrupt, restart', { timeout: 120000 }, async () => {
  const km = new KernelManager({ serverSettings });
  await km.ready;
  const kernel = await km.startNew({ name: 'rlvrworld' });
  try {
    const info = await kernel.info;
    assert.equal(info.language_info.name, 'go');

    // Output printed over time arrives as several stream messages, before the reply.
    const { reply, msgs, stdout } = await execute(
      kernel,
      'import (\n\t"fmt"\n\t"time"\n)\nfor i := 0; i < 3; i++ {\n\tfmt.Println("tick", i)\n\ttime.Sleep(150 * time.Millisecond)\n}',
    );
    assert.equal(reply.content.status, 'ok', JSON.stringify(reply.content));
    assert.equal(stdout, 'tick 0\ntick 1\ntick 2\n');
    assert.ok(msgs.filter((m) => m.header.msg_type === 'stream').length >= 2, 'output was streamed, not batched');

    const value = await execute(kernel, '1+1');
    const result = value.msgs.find((m) => m.header.msg_type === 'execute_result');
    assert.equal(result.content.data['text/plain'], '2');

    // A runaway loop stops on interrupt, and the kernel keeps its state.
    await execute(kernel, 'kept := 41');
    const runaway = kernel.requestExecute({ code: 'for {\n}' });
    await waitFor(() => kernel.status === 'busy', 10000, 'the loop to start');
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    await kernel.interrupt();
    const stopped = await runaway.done.catch((e) => e);
    assert.ok(Date.now() - t0 < 5000, 'interrupt took ' + (Date.now() - t0) + ' ms');
    assert.equal(stopped.content.status, 'error');
    const after = await execute(kernel, 'kept + 1');
    assert.equal(after.msgs.find((m) => m.header.msg_type === 'execute_result').content.data['text/plain'], '42');

    // Restart: state is gone, the kernel answers again.
    await kernel.restart();
    await waitFor(() => kernel.status === 'idle' && kernel.connectionStatus === 'connected', 30000, 'restart');
    const fresh = await execute(kernel, 'x := 5\nx * 2');
    assert.equal(fresh.reply.content.status, 'ok', JSON.stringify(fresh.reply.content));
    const gone = await execute(kernel, 'kept');
    assert.equal(gone.reply.content.status, 'error');
  } finally {
    await kernel.shutdown();
    km.dispose();
  }
});

test('a kernel that dies is restarted and the client carries on', { timeout: 120000 }, async () => {
  const km = new KernelManager({ serverSettings });
  await km.ready;
  const kernel = await km.startNew({ name: 'rlvrworld' });
  const statuses = [];
  kernel.statusChanged.connect((_, s) => statuses.push(s));
  try {
    await execute(kernel, 'lost := 1');
    // A cell that kills its own kernel process (a goroutine panic no longer
    // does: the kernel reports it and lives).
    kernel.requestExecute({
      code: 'import (\n\t"os"\n\t"os/exec"\n\t"strconv"\n)\nexec.Command("kill", "-9", strconv.Itoa(os.Getpid())).Run()',
    }).done.catch(() => {});
    await waitFor(() => statuses.includes('autorestarting'), 30000, 'autorestarting');
    await waitFor(() => kernel.status === 'idle' && kernel.connectionStatus === 'connected', 60000, 'the restarted kernel');
    const { reply, msgs } = await execute(kernel, '2 + 3');
    assert.equal(reply.content.status, 'ok');
    assert.equal(msgs.find((m) => m.header.msg_type === 'execute_result').content.data['text/plain'], '5');
    const gone = await execute(kernel, 'lost');
    assert.equal(gone.reply.content.status, 'error', 'state died with the process');
  } finally {
    await kernel.shutdown();
    km.dispose();
  }
});

test('SessionManager: a session for a notebook path', { timeout: 60000 }, async () => {
  const kernelManager = new KernelManager({ serverSettings });
  const sm = new SessionManager({ serverSettings, kernelManager });
  await sm.ready;
  const session = await sm.startNew({ path: 'work/a.ipynb', name: 'a.ipynb', type: 'notebook', kernel: { name: 'rlvrworld' } });
  try {
    assert.equal(session.path, 'work/a.ipynb');
    const found = await sm.findByPath('work/a.ipynb');
    assert.equal(found.id, session.id);
    const { reply } = await execute(session.kernel, 'import "fmt"\nfmt.Println("in a session")');
    assert.equal(reply.content.status, 'ok');
    await session.setPath('work/b.ipynb');
    const model = await sm.findByPath('work/b.ipynb');
    assert.equal(model.id, session.id);
    const kernelId = session.kernel.id;
    await session.shutdown();
    const r = await ServerConnection.makeRequest(server.url + 'api/kernels/' + kernelId, {}, serverSettings);
    assert.equal(r.status, 404, 'deleting the session shut its kernel down');
  } finally {
    sm.dispose();
    kernelManager.dispose();
  }
});

test('ContentsManager: save a notebook and read it back', { timeout: 60000 }, async () => {
  const cm = new ContentsManager({ serverSettings });
  const untitled = await cm.newUntitled({ type: 'notebook' });
  assert.equal(untitled.name, 'Untitled.ipynb');
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'rlvrworld', display_name: 'Go (RLVR-World)', language: 'go' } },
    cells: [
      { id: 'c1', cell_type: 'markdown', metadata: {}, source: '# Title\nline two' },
      {
        id: 'c2', cell_type: 'code', metadata: {}, source: '1+1', execution_count: 1,
        outputs: [{ output_type: 'execute_result', execution_count: 1, data: { 'text/plain': '2' }, metadata: {} }],
      },
    ],
  };
  const saved = await cm.save('e2e.ipynb', { type: 'notebook', format: 'json', content: nb });
  assert.equal(saved.path, 'e2e.ipynb');
  const back = await cm.get('e2e.ipynb');
  assert.equal(back.type, 'notebook');
  assert.deepEqual(back.content, nb);

  const cp = await cm.createCheckpoint('e2e.ipynb');
  assert.equal(cp.id, 'checkpoint');
  const renamed = await cm.rename('e2e.ipynb', 'renamed.ipynb');
  assert.equal(renamed.path, 'renamed.ipynb');
  const listing = await cm.get('');
  assert.ok(listing.content.some((m) => m.name === 'renamed.ipynb'));
  assert.ok(!listing.content.some((m) => m.name.startsWith('.')), 'hidden files and checkpoints are not listed');
  await assert.rejects(cm.save('bad.ipynb', { type: 'notebook', format: 'json', content: { cells: 'no' } }));
  await cm.delete('renamed.ipynb');
  await assert.rejects(cm.get('renamed.ipynb'));
  cm.dispose();
});
