"""CPython-only oracles for BIP32 / BIP39 / Stark key derivation.

* @scure/bip32 + @scure/bip39 + @scure/starknet (Node, one batched call per hypothesis example)
  for the three wallet schemes, BIP32 xprv/xpub on random seeds and paths, and grindKey;
* python-ecdsa for secp256k1 public keys, hashlib for RIPEMD-160 when OpenSSL has it;
* the `mnemonic` package (hashlib PBKDF2) for BIP39 words and seeds.
"""

import asyncio
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foc_web.stark import secp256k1
from foc_web.stark.bip32 import HDKey, format_path, ripemd160
from foc_web.stark.bip39 import generate_mnemonic, languages, mnemonic_to_seed, validate_mnemonic
from foc_web.stark.derivation import derive_from_mnemonic, eip2645_path, grind_key, starknet_bip44_path
from foc_web.stark.keys import get_stark_key

try:
    import ecdsa
except ImportError:  # a dependency of starknet-py; optional here
    ecdsa = None

ROOT = Path(__file__).resolve().parents[2]
HAVE_SCURE = shutil.which("node") and (ROOT / "node_modules" / "@scure" / "starknet").is_dir()

SCURE = r"""
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import { getStarkKey, grindKey } from '@scure/starknet';
let input = '';
for await (const chunk of process.stdin) input += chunk;
const job = JSON.parse(input);
const hex = (b) => Buffer.from(b).toString('hex');
const argentSeed = (k) => { let h = BigInt('0x' + hex(k)).toString(16); return Buffer.from(h.length % 2 ? '0' + h : h, 'hex'); };
const out = { derive: [], bip32: [], grind: [] };
for (const { mnemonic, passphrase, scheme, path } of job.derive) {
  let master = HDKey.fromMasterSeed(mnemonicToSeedSync(mnemonic, passphrase));
  if (scheme === 'argentx') master = HDKey.fromMasterSeed(argentSeed(master.derive("m/44'/60'/0'/0/0").privateKey));
  const key = '0x' + grindKey(master.derive(path).privateKey);
  out.derive.push({ key, stark: getStarkKey(key) });
}
for (const { seed, path } of job.bip32) {
  const k = HDKey.fromMasterSeed(Buffer.from(seed, 'hex')).derive(path);
  out.bip32.push({ xprv: k.privateExtendedKey, xpub: k.publicExtendedKey });
}
for (const seed of job.grind) out.grind.push('0x' + grindKey(Buffer.from(seed, 'hex')));
console.log(JSON.stringify(out));
"""


def scure(job):
    done = subprocess.run(["node", "--input-type=module", "-e", SCURE], input=json.dumps(job),
                          capture_output=True, text=True, cwd=ROOT, timeout=120, check=True)
    return json.loads(done.stdout)


needs_scure = pytest.mark.skipif(not HAVE_SCURE, reason="node and node_modules/@scure are needed")

entropies = st.sampled_from([16, 20, 24, 28, 32]).flatmap(lambda n: st.binary(min_size=n, max_size=n))
indices = st.integers(0, 2**31 - 1) | st.integers(0, 20)
hardened_or_not = st.integers(0, 2**32 - 1) | st.integers(0, 3) | st.integers(2**31, 2**31 + 3)


@needs_scure
@settings(max_examples=3, deadline=None)
@given(cases=st.lists(st.tuples(entropies, indices, st.sampled_from(["bip44", "argentx", "eip2645"]),
                                st.sampled_from(["", "TREZOR", "pässwörd ☃"])), min_size=8, max_size=8),
       seeds=st.lists(st.tuples(st.binary(min_size=16, max_size=64), st.lists(hardened_or_not, max_size=6)),
                      min_size=8, max_size=8),
       grind_seeds=st.lists(st.binary(min_size=32, max_size=32) | st.binary(min_size=30, max_size=30).map(
           lambda b: b"\x00\x00" + b), min_size=8, max_size=8))
def test_against_scure(cases, seeds, grind_seeds):
    derive_job = []
    for entropy, index, scheme, passphrase in cases:
        path = eip2645_path(index) if scheme == "eip2645" else starknet_bip44_path(index)
        derive_job.append({"mnemonic": generate_mnemonic(entropy), "passphrase": passphrase,
                           "scheme": scheme, "path": path})
    bip32_job = [{"seed": seed.hex(), "path": format_path(path)} for seed, path in seeds]
    expected = scure({"derive": derive_job, "bip32": bip32_job, "grind": [s.hex() for s in grind_seeds]})

    async def ours():
        return [await derive_from_mnemonic(j["mnemonic"], path=j["path"], scheme=j["scheme"],
                                           passphrase=j["passphrase"]) for j in derive_job]

    for got, want in zip(asyncio.run(ours()), expected["derive"]):
        assert got == int(want["key"], 16)
        assert get_stark_key(got) == int(want["stark"], 16)
    for (seed, path), want in zip(seeds, expected["bip32"]):
        key = HDKey.from_seed(seed).derive(path)
        assert (key.to_xprv(), key.to_xpub()) == (want["xprv"], want["xpub"])
    for seed, want in zip(grind_seeds, expected["grind"]):
        assert grind_key(seed) == int(want, 16)


@pytest.mark.skipif(ecdsa is None, reason="python-ecdsa is not installed")
@settings(max_examples=60, deadline=None)
@given(k=st.integers(1, secp256k1.ORDER - 1) | st.integers(1, 2**40) | st.integers(secp256k1.ORDER - 2**40, secp256k1.ORDER - 1))
def test_secp256k1_public_key_against_python_ecdsa(k):
    expected = ecdsa.SigningKey.from_secret_exponent(k, curve=ecdsa.SECP256k1).get_verifying_key()
    assert secp256k1.point_from_private(k) == expected.to_string("compressed")


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=300))
def test_ripemd160_against_hashlib(data):
    try:
        expected = hashlib.new("ripemd160", data).digest()
    except ValueError:
        pytest.skip("this OpenSSL has no RIPEMD-160")
    assert ripemd160(data) == expected


@settings(max_examples=40, deadline=None)
@given(entropy=entropies, language=st.sampled_from(languages()), passphrase=st.text(max_size=12))
def test_bip39_against_mnemonic_package(entropy, language, passphrase):
    from mnemonic import Mnemonic

    words = generate_mnemonic(entropy, language)
    reference_words = Mnemonic.normalize_string(Mnemonic(language).to_mnemonic(entropy))
    assert Mnemonic.normalize_string(words) == reference_words
    assert validate_mnemonic(words) == " ".join(reference_words.split())
    assert asyncio.run(mnemonic_to_seed(words, passphrase)) == Mnemonic.to_seed(words, passphrase)
