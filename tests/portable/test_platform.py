"""Known-answer tests of the platform seam; they run on CPython, in Pyodide in Chromium and under Node."""

import json
from pathlib import Path

import pytest

from foc_web import platform
from foc_web.errors import InvalidTag

VECTORS = Path(__file__).resolve().parent.parent / "vectors"
KAT = json.loads((VECTORS / "platform_kat.json").read_text())
LARGE = json.loads((VECTORS / "platform_large.json").read_text())


def test_runtime_is_named():
    assert platform.runtime in ("cpython", "pyodide-browser", "pyodide-node")


def test_random_bytes_full_length_and_distinct():
    samples = [platform.random_bytes(32) for _ in range(16)]
    assert all(len(s) == 32 for s in samples)
    assert len(set(samples)) == len(samples)
    assert platform.random_bytes(0) == b""


def test_random_bytes_beyond_one_getrandomvalues_call():
    big = platform.random_bytes(65536 * 2 + 7)
    assert len(big) == 65536 * 2 + 7
    # The chunks are independent: the first and second 64 KiB differ.
    assert big[:65536] != big[65536 : 2 * 65536]
    assert len(set(big)) == 256


def test_hashes_and_hmac():
    assert platform.sha256(b"abc").hex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert platform.sha512(b"abc").hex().startswith("ddaf35a193617aba")
    # RFC 4231 test case 2
    assert (
        platform.hmac_digest("sha256", b"Jefe", b"what do ya want for nothing?").hex()
        == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


@pytest.mark.parametrize("vector", KAT["aes_gcm"]["vectors"])
async def test_aes_gcm_nist(vector):
    key, iv, aad = (bytes.fromhex(vector[k]) for k in ("key", "iv", "aad"))
    plaintext = bytes.fromhex(vector["plaintext"])
    sealed = await platform.aes_gcm_encrypt(key, iv, plaintext, aad)
    assert sealed.hex() == vector["ciphertext"] + vector["tag"]
    assert await platform.aes_gcm_decrypt(key, iv, sealed, aad) == plaintext


async def test_aes_gcm_any_tampering_raises_invalid_tag():
    vector = KAT["aes_gcm"]["vectors"][2]
    key, iv, aad = (bytes.fromhex(vector[k]) for k in ("key", "iv", "aad"))
    sealed = bytes.fromhex(vector["ciphertext"] + vector["tag"])
    for position in (0, len(sealed) // 2, len(sealed) - 1):
        flipped = bytearray(sealed)
        flipped[position] ^= 0x01
        with pytest.raises(InvalidTag):
            await platform.aes_gcm_decrypt(key, iv, bytes(flipped), aad)
    with pytest.raises(InvalidTag):
        await platform.aes_gcm_decrypt(key, iv, sealed, aad + b"x")
    with pytest.raises(InvalidTag):
        await platform.aes_gcm_decrypt(key, iv, sealed[:-1], aad)
    with pytest.raises(InvalidTag):
        await platform.aes_gcm_decrypt(key, iv, sealed[:5], aad)
    wrong_key = bytes([key[0] ^ 1]) + key[1:]
    with pytest.raises(InvalidTag):
        await platform.aes_gcm_decrypt(wrong_key, iv, sealed, aad)


def _large_input(size):
    return (bytes(range(256)) * (size // 256 + 1))[:size]


@pytest.mark.parametrize("vector", LARGE["aes_gcm"])
async def test_aes_gcm_large_inputs(vector):
    # From 64 KiB on, the browser hands Web Crypto a view of Pyodide's memory instead of a copy.
    key, iv, aad = (bytes.fromhex(LARGE[k]) for k in ("key", "iv", "aad"))
    plaintext = _large_input(vector["size"])
    sealed = await platform.aes_gcm_encrypt(key, iv, plaintext, aad)
    assert len(sealed) == vector["size"] + 16
    assert platform.sha256(sealed).hex() == vector["sha256_sealed"]
    assert await platform.aes_gcm_decrypt(key, iv, sealed, aad) == plaintext
    tampered = bytearray(sealed)
    tampered[len(sealed) // 2] ^= 0x80
    with pytest.raises(InvalidTag):
        await platform.aes_gcm_decrypt(key, iv, bytes(tampered), aad)
    # a bytearray or memoryview input is read as its bytes
    assert await platform.aes_gcm_encrypt(key, iv, bytearray(plaintext), aad) == sealed
    assert await platform.aes_gcm_decrypt(key, iv, memoryview(sealed), aad) == plaintext


async def test_aes_gcm_refuses_bad_sizes():
    with pytest.raises(ValueError):
        await platform.aes_gcm_encrypt(bytes(16), bytes(12), b"x")
    with pytest.raises(ValueError):
        await platform.aes_gcm_encrypt(bytes(32), bytes(16), b"x")


@pytest.mark.parametrize("vector", KAT["pbkdf2"]["vectors"])
async def test_pbkdf2(vector):
    out = await platform.pbkdf2(
        vector["hash"], vector["password"].encode(), vector["salt"].encode(), vector["iterations"], vector["length"]
    )
    assert out.hex() == vector["output"]


async def test_pbkdf2_refuses_unknown_hash():
    with pytest.raises(ValueError):
        await platform.pbkdf2("md5", b"p", b"s", 1, 32)


@pytest.mark.parametrize("vector", KAT["argon2id"]["vectors"])
async def test_argon2id(vector):
    out = await platform.argon2id(
        bytes.fromhex(vector["password_hex"]),
        bytes.fromhex(vector["salt_hex"]),
        vector["time_cost"],
        vector["memory_kib"],
        vector["parallelism"],
        vector["length"],
    )
    assert out.hex() == vector["output"]


@pytest.mark.parametrize("vector", KAT["scrypt"]["vectors"])
async def test_scrypt(vector):
    out = await platform.scrypt(
        vector["password"].encode(), vector["salt"].encode(), vector["n"], vector["r"], vector["p"], vector["length"]
    )
    assert out.hex() == vector["output"]


@pytest.mark.parametrize("vector", KAT["aes_ctr"]["vectors"])
async def test_aes_ctr(vector):
    key, counter = bytes.fromhex(vector["key"]), bytes.fromhex(vector["counter"])
    plaintext = bytes.fromhex(vector["plaintext"])
    ciphertext = await platform.aes_ctr(key, counter, plaintext)
    assert ciphertext.hex() == vector["ciphertext"]
    assert await platform.aes_ctr(key, counter, ciphertext) == plaintext


@pytest.mark.parametrize("vector", LARGE["aes_ctr"])
async def test_aes_ctr_large_inputs(vector):
    key, counter = bytes.fromhex(LARGE["key"]), bytes.fromhex(LARGE["counter"])
    plaintext = _large_input(vector["size"])
    ciphertext = await platform.aes_ctr(key, counter, plaintext)
    assert platform.sha256(ciphertext).hex() == vector["sha256_ciphertext"]
    assert await platform.aes_ctr(key, counter, ciphertext) == plaintext


def test_now_is_current():
    # 2026-01-01 < now < 2100-01-01: a clock in seconds, not milliseconds.
    assert 1767225600 < platform.now() < 4102444800


async def test_store_round_trip_and_prefix_listing():
    store = platform.store()
    tag = platform.random_bytes(6).hex()
    keys = [f"foc_test-{tag}_a", f"foc_test-{tag}_b", f"foc_other-{tag}_c"]
    try:
        assert await store.get(keys[0]) is None
        for i, key in enumerate(keys):
            await store.set(key, json.dumps({"i": i, "text": "é✓"}))
        assert json.loads(await store.get(keys[1])) == {"i": 1, "text": "é✓"}
        assert await store.keys(f"foc_test-{tag}_") == sorted(keys[:2])
        await store.set(keys[0], "replaced")
        assert await store.get(keys[0]) == "replaced"
        await store.delete(keys[0])
        await store.delete(keys[0])
        assert await store.get(keys[0]) is None
        assert await store.keys(f"foc_test-{tag}_") == [keys[1]]
    finally:
        for key in keys:
            await store.delete(key)


async def test_store_refuses_non_strings():
    with pytest.raises(TypeError):
        await platform.store().set("foc_test_bytes", b"raw")


async def test_lock_excludes_concurrent_holders():
    import asyncio

    events = []

    async def worker(tag):
        async with platform.lock("portable-test"):
            events.append(("in", tag))
            await asyncio.sleep(0.02)
            events.append(("out", tag))

    await asyncio.gather(worker("a"), worker("b"), worker("c"))
    # Each holder leaves before the next one enters.
    assert [kind for kind, _ in events] == ["in", "out"] * 3
    assert all(events[i][1] == events[i + 1][1] for i in range(0, 6, 2))
    # The lock is free again afterwards.
    async with platform.lock("portable-test"):
        pass
