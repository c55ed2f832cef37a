// The tests every group-committing log (Deno KV, SQLite) runs: concurrent appends share commits,
// and re-sends racing across rounds still in flight are stored once. What every backend must do
// is in the conformance suite (tests/log/_storage_cases.ts).
import assert from "node:assert/strict";
import type { AppendResult, CommitObserver, EventLog } from "../../src/log/mod.ts";
import { event } from "./_storage_cases.ts";

export interface GroupCommitLog {
  /** A fresh, empty place for a log (a file path); removed when the harness is disposed. */
  place(): Promise<{ path: string } & AsyncDisposable>;
  /** Opens the log at `path` (again after a close: the same data). */
  open(path: string, observer?: CommitObserver): Promise<{ log: EventLog } & AsyncDisposable>;
  /** Fewest commits the racing test must see for its rounds to have been in flight together. */
  readonly minRacingCommits: number;
}

export function groupCommitCases(name: string, kit: GroupCommitLog): void {
  Deno.test(`${name} concurrent appends share commits (group commit)`, async () => {
    let commits = 0;
    await using place = await kit.place();
    await using s = await kit.open(place.path, { committed: () => commits++ });
    const results = await Promise.all(
      Array.from(
        { length: 300 },
        (_, i) => s.log.append({ events: [event(`id${i}`)], deadLetters: [] }),
      ),
    );
    const offsets = results.map((r) => r.outcomes[0].offset).sort((a, b) => a - b);
    assert.deepEqual(offsets, [...Array(300).keys()]);
    assert.ok(commits < 100, `300 concurrent appends took ${commits} commits`);
  });

  Deno.test(`${name} re-sends racing across rounds in flight are still stored once`, async () => {
    await using place = await kit.place();
    {
      let commits = 0;
      await using s = await kit.open(place.path, { committed: () => commits++ });
      // Each wave appends 25 new ids and re-sends the previous wave's 25. Waves are only
      // microtasks apart, so a wave is planned while the previous wave's commit is in flight.
      const appends = new Map<string, Promise<AppendResult>[]>();
      const send = (id: string) => {
        const list = appends.get(id) ?? [];
        list.push(s.log.append({ events: [event(id)], deadLetters: [] }));
        appends.set(id, list);
      };
      for (let wave = 0; wave < 40; wave++) {
        for (let j = 0; j < 25; j++) send(`race${wave * 25 + j}`);
        if (wave > 0) { for (let j = 0; j < 25; j++) send(`race${(wave - 1) * 25 + j}`); }
        for (let k = 0; k < 10; k++) await Promise.resolve();
      }
      for (const [id, list] of appends) {
        const [first, ...again] = (await Promise.all(list)).map((r) => r.outcomes[0]);
        assert.equal(first.duplicate, false, id);
        for (const o of again) assert.deepEqual(o, { offset: first.offset, duplicate: true }, id);
      }
      assert.equal(appends.size, 1000);
      assert.ok(
        commits >= kit.minRacingCommits,
        `only ${commits} commits: the test needs rounds in flight together`,
      );
    }
    await using s = await kit.open(place.path);
    const all = [];
    for await (const e of s.log.read(0, { limit: 1e9 })) all.push(e);
    assert.deepEqual(all.map((e) => e.offset), [...Array(1000).keys()]);
    assert.equal(new Set(all.map((e) => JSON.parse(e.json).event_id)).size, 1000);
  });
}
