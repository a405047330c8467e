// Writes tests/vectors/derivation.json: Stark keys derived from BIP39 mnemonics by an independent
// implementation (@scure/bip39 + @scure/bip32 + @scure/starknet), for the three wallet schemes.
// Run from the repository root (node_modules there): node tests/vectors/gen_derivation.mjs
//
// bip44    (Braavos, starknet-snap): seed -> m/44'/9004'/0'/0/i -> grindKey
// argentx  (Argent X, ArgentSigner.ts): eth key at m/44'/60'/0'/0/0 -> hex as a number
//          (num.toHex + sanitizeBytes(hex, 2): leading zero bytes dropped) -> HDKey.fromMasterSeed
//          -> m/44'/9004'/0'/0/i -> grindKey
// eip2645  (Ledger Starknet app): seed -> getAccountPath('starknet', 'argentx', '0x0', i) -> grindKey
import { writeFileSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { HDKey } from '@scure/bip32';
import { entropyToMnemonic, mnemonicToSeedSync } from '@scure/bip39';
import { wordlist as english } from '@scure/bip39/wordlists/english.js';
import { wordlist as japanese } from '@scure/bip39/wordlists/japanese.js';
import { getStarkKey, grindKey, getAccountPath } from '@scure/starknet';

const hex = (b) => Buffer.from(b).toString('hex');
const sha256 = (data) => createHash('sha256').update(data).digest();
const pkg = (name) => JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8')).version;

function argentSecretSeed(ethKey) {
  // ArgentSigner: encode.sanitizeBytes(removeHexPrefix(num.toHex(secret)), 2) then hexToBytes
  let h = BigInt('0x' + hex(ethKey)).toString(16);
  if (h.length % 2) h = '0' + h;
  return Buffer.from(h, 'hex');
}

function stark(seed, scheme, path) {
  let master = HDKey.fromMasterSeed(seed);
  if (scheme === 'argentx') {
    master = HDKey.fromMasterSeed(argentSecretSeed(master.derive("m/44'/60'/0'/0/0").privateKey));
  }
  const priv = '0x' + grindKey(master.derive(path).privateKey);
  return { scheme, path, private_key: priv, stark_key: getStarkKey(priv) };
}

function deriveAll(mnemonic, passphrase, indices) {
  const seed = mnemonicToSeedSync(mnemonic, passphrase);
  const keys = [];
  for (const i of indices) {
    keys.push(stark(seed, 'bip44', `m/44'/9004'/0'/0/${i}`));
    keys.push(stark(seed, 'argentx', `m/44'/9004'/0'/0/${i}`));
    keys.push(stark(seed, 'eip2645', getAccountPath('starknet', 'argentx', '0x0', i)));
  }
  return { mnemonic, passphrase, seed: hex(seed), keys };
}

const ethKeyOf = (mnemonic) =>
  HDKey.fromMasterSeed(mnemonicToSeedSync(mnemonic)).derive("m/44'/60'/0'/0/0").privateKey;

// Deterministic search: the first mnemonic (entropy = sha256("foc_web argentx zero " + n)[:16])
// whose Argent X secret has a leading zero byte, where dropping it changes the derived keys.
let zeroLead;
for (let n = 0; ; n++) {
  const m = entropyToMnemonic(sha256('foc_web argentx zero ' + n).subarray(0, 16), english);
  if (ethKeyOf(m)[0] === 0) { zeroLead = m; break; }
}

const cases = [
  deriveAll('abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about', '', [0, 1, 2, 5]),
  // Speculos default seed: the Ledger Starknet app reports its key at eip2645 index 0 (ledger_starknet.json)
  deriveAll('glory promote mansion idle axis finger extra february uncover one trip resource lawn turtle enact monster seven myth punch hobby comfort wild raise skin', '', [0, 1]),
  deriveAll('legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal will', 'TREZOR', [0, 3]),
  deriveAll(entropyToMnemonic(sha256('foc_web derivation 24'), english), 'pässwörd ☃', [0, 7, 2147483647]),
  deriveAll(entropyToMnemonic(sha256('foc_web derivation ja').subarray(0, 16), japanese), '', [0]),
  { ...deriveAll(zeroLead, '', [0, 1]), note: "the Argent X secret (eth key) starts with a zero byte" },
];

// grindKey on raw 32-byte seeds: leading zero bytes (kept, unlike cairo-lang's int-based grind_key)
// and a seed whose first hash is rejected (needs index 1 or more).
const limit = 2n ** 256n - (2n ** 256n % 0x0800000000000010ffffffffffffffffb781126dcae7b2321e66a241adc64d2fn);
const grind = [];
const push = (seed, note) => grind.push({
  seed: hex(seed), key: '0x' + grindKey(seed),
  cairo_lang_style: '0x' + grindKey(Buffer.from(seed).subarray(Buffer.from(seed).findIndex((b) => b !== 0))), note,
});
push(sha256('foc_web grind 0'), 'no leading zero');
push(Buffer.concat([Buffer.alloc(1), sha256('foc_web grind 1').subarray(1)]), 'one leading zero byte');
push(Buffer.concat([Buffer.alloc(2), sha256('foc_web grind 2').subarray(2)]), 'two leading zero bytes');
for (let n = 0; ; n++) {
  const s = sha256('foc_web grind reject ' + n);
  if (BigInt('0x' + hex(sha256(Buffer.concat([s, Buffer.from([0])])))) >= limit) {
    push(s, 'sha256(seed || 00) is rejected: the key comes from a later index'); break;
  }
}

const paths = [
  ['starknet', 'argentx', '0x0', 0], ['starknet', 'argentx', '0x0', 9],
  ['starkex', 'starkdeployement', '0xa4864d977b944315389d1765ffa7e66F74ee8cd7', 7],
].map(([layer, application, eth, index]) => ({
  layer, application, eth_address: eth, index, path: getAccountPath(layer, application, eth, index),
}));

const out = {
  source: `tests/vectors/gen_derivation.mjs with @scure/bip39 ${pkg('@scure/bip39')}, @scure/bip32 ` +
    `${pkg('@scure/bip32')}, @scure/starknet ${pkg('@scure/starknet')} (grindKey, getStarkKey, getAccountPath)`,
  cases, grind, eip2645_paths: paths,
};
writeFileSync(new URL('./derivation.json', import.meta.url), JSON.stringify(out, null, 1) + '\n');
console.log(`wrote ${cases.reduce((a, c) => a + c.keys.length, 0)} keys, ${grind.length} grind vectors`);
