// stale.js: which cells show results that may be out of date. A code cell's
// outputs are stale when
//   - its source was edited since it ran ("edited"),
//   - an earlier cell ran after it ("earlier cell re-ran"): it may have
//     read state that has changed since,
//   - an earlier executed cell was edited since it ran ("earlier cell
//     edited"): its outputs came from code that is no longer on the page,
//   - the kernel restarted after it ran ("kernel restarted").
// Cells that never ran, or that ran and have no execution count (loaded from
// a file, before any run in this session), are judged by the same rules
// with run sequence 0.

// staleness returns, for each cell, null or a short reason.
// Cells are {type, source, execution_count, runSeq, executedSource}; runSeq
// is a counter that grows with each execution in this page; restartSeq is
// the counter's value at the last kernel restart (0 if none).
export function staleness(cells, restartSeq = 0) {
  const out = [];
  let latestEarlierRun = -1;
  let earlierEdited = false;
  for (const c of cells) {
    if (c.type !== 'code') {
      out.push(null);
      continue;
    }
    const ran = c.execution_count != null || c.runSeq > 0;
    const seq = c.runSeq || 0;
    const edited = ran && c.executedSource !== undefined && c.executedSource !== c.source;
    let reason = null;
    if (ran) {
      if (edited) reason = 'edited since it ran';
      else if (restartSeq > 0 && seq <= restartSeq) reason = 'kernel restarted since it ran';
      else if (latestEarlierRun > seq) reason = 'an earlier cell ran after it';
      else if (earlierEdited) reason = 'an earlier cell was edited';
    }
    out.push(reason);
    if (ran) {
      latestEarlierRun = Math.max(latestEarlierRun, seq);
      if (edited) earlierEdited = true;
    }
  }
  return out;
}
