import assert from "node:assert/strict";
import { idHash, IdIndex } from "../../src/log/_id_index.ts";

Deno.test("IdIndex finds what was inserted, forgets what was removed or pruned", () => {
  const index = new IdIndex(4);
  const ids = Array.from({ length: 5000 }, () => crypto.randomUUID());
  ids.forEach((id, i) => index.insert(idHash(id), i));
  assert.equal(index.size, 5000);
  ids.forEach((id, i) => assert.ok(index.lookup(idHash(id)).includes(i)));
  for (let i = 0; i < 5000; i += 2) index.remove(idHash(ids[i]), i);
  assert.equal(index.size, 2500);
  ids.forEach((id, i) =>
    assert.equal(index.lookup(idHash(id)).includes(i), i % 2 === 1, `id ${i}`)
  );
  index.pruneBelow(4000);
  assert.equal(index.size, 500);
  ids.forEach((id, i) =>
    assert.equal(index.lookup(idHash(id)).includes(i), i % 2 === 1 && i >= 4000)
  );
});

Deno.test("IdIndex keeps colliding hashes apart by offset", () => {
  const index = new IdIndex();
  index.insert(42, 1);
  index.insert(42, 2);
  assert.deepEqual(index.lookup(42).sort(), [1, 2]);
  index.remove(42, 1);
  assert.deepEqual(index.lookup(42), [2]);
});

Deno.test("idHash is stable, never 0, and within 53 bits", () => {
  assert.equal(
    idHash("937bb5a8-6bf7-4d6e-b152-3ed69729af85"),
    idHash("937bb5a8-6bf7-4d6e-b152-3ed69729af85"),
  );
  assert.notEqual(idHash("a"), idHash("b"));
  for (const s of ["", "x", crypto.randomUUID()]) {
    const h = idHash(s);
    assert.ok(h > 0 && Number.isSafeInteger(h));
  }
});
