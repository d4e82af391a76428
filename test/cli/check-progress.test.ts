// The check command's progress output: a bar redrawn in place on a terminal, plain lines (and
// only for large stores) in a log. The CLI tests run with stderr as a pipe, so the terminal
// side is pinned here with a stream that says it is a TTY.
import { describe, expect, it } from 'vitest';
import { createProgressReporter, plainLineEvery, type ProgressStream } from '../../src/check-progress.js';

function recordingStream(isTTY: boolean): ProgressStream & { written: string[] } {
  const written: string[] = [];
  return { isTTY, written, write: (text) => written.push(text) };
}

describe('check progress on a terminal', () => {
  it('draws a bar with done/total and clears it when finished', () => {
    const stream = recordingStream(true);
    let clock = 0;
    const progress = createProgressReporter(stream, { now: () => clock, barWidth: 10 });

    progress.update({ phase: 'store', done: 1, total: 4 });
    clock += 1000;
    progress.update({ phase: 'store', done: 2, total: 4 });
    progress.finish();

    expect(stream.written).toEqual([
      '\r[##        ] 1/4 objects\x1b[K',
      '\r[#####     ] 2/4 objects\x1b[K',
      '\r\x1b[K',
    ]);
  });

  it('redraws at most ten times a second, but always the last object and every new phase', () => {
    const stream = recordingStream(true);
    const progress = createProgressReporter(stream, { now: () => 0, barWidth: 10 });

    for (let done = 1; done <= 1000; done += 1) progress.update({ phase: 'store', done, total: 1000 });
    progress.update({ phase: 'fix', done: 1, total: 3 });

    expect(stream.written).toEqual([
      '\r[          ] 1/1000 objects\x1b[K',
      '\r[##########] 1000/1000 objects\x1b[K',
      '\r[###       ] 1/3 removals\x1b[K',
    ]);
  });

  it('shows a full bar, not an overfull one, when the store holds more objects than the metadata names', () => {
    const stream = recordingStream(true);
    const progress = createProgressReporter(stream, { now: () => 0, barWidth: 10 });

    progress.update({ phase: 'store', done: 7, total: 5 });

    expect(stream.written).toEqual(['\r[##########] 7/7 objects\x1b[K']);
  });
});

describe('check progress in a log', () => {
  it('stays silent on a small store', () => {
    const stream = recordingStream(false);
    const progress = createProgressReporter(stream);

    for (let done = 1; done < plainLineEvery; done += 1) progress.update({ phase: 'store', done, total: 50 });
    progress.finish();

    expect(stream.written).toEqual([]);
  });

  it('writes a plain line every 10,000 objects on a large one', () => {
    const stream = recordingStream(false);
    const progress = createProgressReporter(stream);

    for (let done = 1; done <= 25_000; done += 1) progress.update({ phase: 'store', done, total: 20_000 });
    for (let done = 1; done <= 10_000; done += 1) progress.update({ phase: 'age', done, total: 11_000 });
    for (let done = 1; done <= 10_000; done += 1) progress.update({ phase: 'fix', done, total: 12_000 });

    expect(stream.written).toEqual([
      'listed 10000 objects\n',
      'listed 20000 objects\n',
      'dated 10000/11000 unnamed objects\n',
      'attempted 10000/12000 removals\n',
    ]);
  });
});
