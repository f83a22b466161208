// Golden test of the verl parquet export, read back with an independent
// reader (npm's hyparquet, not the Go library that wrote it).
//
//   RLVRWORLD_BIN=bin/rlvrworld node --test e2e/verl/parquet.test.mjs
//
// It exports both text tasks with `rlvrworld data --format verl` (parquet)
// and `--format jsonl` (the same rows through encoding/json), then checks
// the parquet schema node by node, the way an Arrow reader maps it
// (prompt: list<struct<role, content>>, reward_model: struct<style,
// ground_truth>, extra_info: struct<split, index: int64, task, payload>),
// and that every row equals its JSONL twin.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { asyncBufferFromFile, parquetMetadataAsync, parquetSchema, parquetReadObjects } from 'hyparquet'

const BIN = process.env.RLVRWORLD_BIN || 'bin/rlvrworld'
const N = 60

function exportTask(dir, task, format, ext) {
  const out = join(dir, `${task}.${ext}`)
  execFileSync(BIN, ['data', '--task', task, '--split', 'val', '--n', String(N), '--seed', '9', '--format', format, '--out', out])
  return out
}

// node describes a schema element the way the test expects it.
const str = (name) => ({ name, type: 'BYTE_ARRAY', logical: 'STRING', rep: 'REQUIRED' })

function check(node, want, path) {
  const e = node.element
  assert.equal(e.name, want.name, `${path}: name`)
  if (want.type) assert.equal(e.type, want.type, `${path}: physical type`)
  if (want.logical) assert.equal(e.logical_type?.type, want.logical, `${path}: logical type`)
  if (want.rep) assert.equal(e.repetition_type, want.rep, `${path}: repetition`)
  if (want.bitWidth) assert.equal(e.logical_type.bitWidth, want.bitWidth, `${path}: bit width`)
  const kids = want.children || []
  assert.deepEqual(node.children.map((c) => c.element.name), kids.map((k) => k.name), `${path}: children`)
  node.children.forEach((c, i) => check(c, kids[i], `${path}.${kids[i].name}`))
}

const wantSchema = {
  name: 'Row',
  children: [
    str('data_source'),
    {
      // The standard three-level LIST: Arrow reads it as list<element: struct<role, content>>.
      name: 'prompt', logical: 'LIST', rep: 'REQUIRED', children: [
        { name: 'list', rep: 'REPEATED', children: [
          { name: 'element', children: [str('role'), str('content')] },
        ] },
      ],
    },
    str('ability'),
    { name: 'reward_model', children: [str('style'), str('ground_truth')] },
    {
      name: 'extra_info', children: [
        str('split'),
        { name: 'index', type: 'INT64', logical: 'INTEGER', bitWidth: 64, rep: 'REQUIRED' },
        str('task'),
        str('payload'),
      ],
    },
  ],
}

const dir = mkdtempSync(join(tmpdir(), 'verl-golden-'))
test.after(() => rmSync(dir, { recursive: true, force: true }))

for (const task of ['textgame', 'web']) {
  test(`${task}: parquet schema and rows read back with hyparquet`, async () => {
    const pq = exportTask(dir, task, 'verl', 'parquet')
    const jl = exportTask(dir, task, 'jsonl', 'jsonl')
    const file = await asyncBufferFromFile(pq)
    const md = await parquetMetadataAsync(file)
    assert.equal(Number(md.num_rows), N)
    check(parquetSchema(md), wantSchema, 'Row')

    const rows = await parquetReadObjects({ file })
    const twins = readFileSync(jl, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    assert.equal(rows.length, N)
    assert.equal(twins.length, N)
    rows.forEach((row, i) => {
      assert.equal(typeof row.extra_info.index, 'bigint', 'index is an int64')
      const plain = { ...row, extra_info: { ...row.extra_info, index: Number(row.extra_info.index) } }
      assert.deepEqual(plain, twins[i], `row ${i}`)
      assert.equal(row.data_source, `rlvrworld/${task}`)
      assert.equal(row.ability, 'world-model')
      assert.equal(row.reward_model.style, 'rule')
      assert.deepEqual(row.prompt.map((m) => m.role), ['system', 'user'])
      assert.equal(row.extra_info.index, BigInt(i))
      assert.equal(row.extra_info.split, 'val')
      assert.equal(row.extra_info.task, task)
      const payload = JSON.parse(row.extra_info.payload)
      assert.equal(payload.task, task)
      assert.equal(payload.prompt, undefined, 'the payload does not repeat the prompt')
    })
    // Changed and unchanged transitions both occur, with distinct truths.
    assert.ok(new Set(rows.map((r) => r.reward_model.ground_truth)).size > N / 4)
  })
}

test('video is refused with the reason', () => {
  assert.throws(() => execFileSync(BIN, ['data', '--task', 'video', '--n', '1', '--format', 'verl', '--out', join(dir, 'v.parquet')], { stdio: 'pipe' }),
    (err) => /GPU/.test(String(err.stderr)))
})
