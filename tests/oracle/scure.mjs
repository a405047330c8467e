// @scure/starknet (and @noble/hashes' keccak_256) as an oracle for tests/cpython/test_scure_oracle.py.
// Reads one JSON job on stdin: lists of inputs per function, felts as 0x-hex, bytes as plain hex.
// Writes one JSON object: the same lists with results (felts as 0x-hex, booleans, or "error").
import { keccak_256 } from '@noble/hashes/sha3.js';
import * as stark from '@scure/starknet';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const job = JSON.parse(input);
const hex = (n) => '0x' + BigInt(n).toString(16);
const bytes = (h) => Uint8Array.from(Buffer.from(h, 'hex'));
const attempt = (fn) => { try { return fn(); } catch { return 'error'; } };

console.log(JSON.stringify({
  pedersen: job.pedersen.map(([a, b]) => hex(stark.pedersen(BigInt(a), BigInt(b)))),
  hashOnElements: job.hashOnElements.map((xs) => hex(stark.computeHashOnElements(xs.map(BigInt)))),
  hades: job.hades.map((state) => stark.poseidonSmall(state.map(BigInt)).map(hex)),
  poseidonHash: job.poseidonHash.map(([a, b]) => hex(stark.poseidonHash(BigInt(a), BigInt(b)))),
  poseidonHashSingle: job.poseidonHashSingle.map((a) => hex(stark.poseidonHashSingle(BigInt(a)))),
  poseidonHashMany: job.poseidonHashMany.map((xs) => hex(stark.poseidonHashMany(xs.map(BigInt)))),
  keccak: job.keccak.map((h) => [Buffer.from(keccak_256(bytes(h))).toString('hex'), hex(stark.keccak(bytes(h)))]),
  sign: job.sign.map(([key, h]) => { const s = stark.sign(h, key); return [hex(s.r), hex(s.s)]; }),
  // [hash, r, s, public key as hex bytes (04 || x || y, or 02/03 || x)] -> true / false / "error"
  verify: job.verify.map(([h, r, s, pub]) =>
    attempt(() => stark.verify(new stark.Signature(BigInt(r), BigInt(s)), h, pub))),
}));
