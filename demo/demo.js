// The demo page: plain JS on the facade (static/foc-engine.js). Every call is async; while one is
// pending the activity bar says what is happening, and errors are shown as their message and code.

import { FocEngine } from "../static/foc-engine.js";

const $ = (id) => document.getElementById(id);
const SETTINGS_KEY = "foc-demo-settings"; // not "foc_…": that prefix belongs to foc_web's own records
const KDF_NOTE = "deriving the vault key (PBKDF2-SHA256, 600,000 iterations)";
const STAGES = {
  pyodide: "starting Pyodide", packages: "loading foc_web and its wheels", import: "importing foc_web",
  engine: "opening the engine", ready: "ready",
};

let engine = null;
let sessionToken = null;
let pending = 0;

// ------------------------------------------------------------------ plumbing

function readSettings() {
  try {
    return JSON.parse(localStorage.getItem(SETTINGS_KEY)) || {};
  } catch {
    return {};
  }
}

function describe(error) {
  if (error && error.code) return `${error.message} (${error.code})`;
  const text = String(error && error.message ? error.message : error).trim().split("\n")[0];
  return `Unexpected error: ${text}`;
}

function say(text, kind = "error") {
  const box = $("message");
  box.textContent = text;
  box.className = `message ${kind}`;
  box.hidden = !text;
}

/** Run one engine call with the activity bar showing `label`; errors become a message, never a trace. */
async function run(label, work, button) {
  pending += 1;
  $("activity-text").textContent = `${label}…`;
  $("activity").hidden = false;
  document.body.dataset.busy = "true";
  if (button) button.disabled = true;
  say("");
  try {
    return await work();
  } catch (error) {
    console.error(error);
    say(describe(error));
    return undefined;
  } finally {
    pending -= 1;
    if (button) button.disabled = false;
    if (!pending) {
      $("activity").hidden = true;
      delete document.body.dataset.busy;
    }
  }
}

function onSubmit(formId, handler) {
  $(formId).addEventListener("submit", (event) => {
    event.preventDefault();
    handler(event.submitter || $(formId).querySelector("button[type=submit]"));
  });
}

function onClick(id, handler) {
  $(id).addEventListener("click", () => handler($(id)));
}

const current = () => $("account-select").value || null;
const short = (hex) => (hex && hex.length > 14 ? `${hex.slice(0, 8)}…${hex.slice(-6)}` : hex || "");
const csv = (text) => text.split(",").map((s) => s.trim()).filter(Boolean);
const when = (seconds) => new Date(seconds * 1000).toISOString().replace("T", " ").slice(0, 19);

function cell(row, text, title) {
  const td = row.insertCell();
  td.textContent = text;
  if (title) td.title = title;
}

// ------------------------------------------------------------------ boot and settings

async function start() {
  const settings = readSettings();
  $("network").value = settings.network || "sepolia";
  $("rpc-url").value = settings.rpcUrl || "";
  const asked = new URLSearchParams(location.search).get("worker"); // ?worker=0 or 1 overrides the setting
  $("use-worker").checked = asked !== null ? asked === "1" : settings.worker ?? true; // default: the page keeps animating
  const network = $("network").value;
  const options = {
    network,
    worker: $("use-worker").checked,
    onProgress: (stage, fraction) => {
      $("status").textContent = stage === "ready" ? "Ready." : `Loading Python: ${STAGES[stage] || stage}…`;
      $("boot-progress").value = fraction;
    },
  };
  if (settings.rpcUrl) options.rpc = { [network]: settings.rpcUrl };
  try {
    engine = await FocEngine.load(options);
  } catch (error) {
    console.error(error);
    $("status").textContent = `Could not start: ${describe(error)}`;
    return;
  }
  engine.accounts.on("securityEvent", showEvent);
  $("runtime").textContent = engine.runtime;
  $("engine-info").textContent = `${engine.mode === "worker" ? "Web Worker" : "main thread"}, network ${network}`
    + (settings.rpcUrl ? `, RPC ${settings.rpcUrl}` : ", default RPC");
  markAvailability();
  await run("Reading the accounts", () => refreshAccounts());
  $("status").textContent = "Ready.";
}

onSubmit("settings-form", async () => {
  const settings = { network: $("network").value, rpcUrl: $("rpc-url").value.trim(), worker: $("use-worker").checked };
  localStorage.setItem(SETTINGS_KEY, JSON.stringify(settings));
  if (engine) engine.close();
  engine = null;
  sessionToken = null;
  $("session-token").textContent = "none";
  $("status").textContent = "Restarting…";
  await start();
});

/** Sections whose methods are missing from Bridge.methods() say so instead of offering buttons. */
function markAvailability() {
  for (const section of document.querySelectorAll("section[data-methods]")) {
    const missing = section.dataset.methods.split(" ").filter((name) => !(name in engine.methods));
    section.querySelector(".availability").textContent = missing.length
      ? `Not available in this build (the engine has no ${missing.join(", ")}).` : "";
    section.querySelector(".feature").hidden = missing.length > 0;
    section.dataset.available = String(!missing.length);
  }
}

// ------------------------------------------------------------------ accounts

async function refreshAccounts(select) {
  const accounts = await engine.accounts.list();
  const menu = $("account-select");
  const keep = select || current();
  menu.replaceChildren(...accounts.map((account) => new Option(
    `${account.username ? `${account.username} — ` : ""}${short(account.address)}`, account.address)));
  if (!accounts.length) menu.append(new Option("(none)", ""));
  if (keep && accounts.some((a) => a.address === keep)) menu.value = keep;
  await showCurrent();
}

async function showCurrent() {
  const address = current();
  if (!address) {
    for (const id of ["current-address", "current-network", "current-state"]) $(id).textContent = "—";
    return;
  }
  const account = await engine.accounts.get(address);
  $("current-address").textContent = account.address;
  $("current-network").textContent = account.network;
  const unlocked = await engine.accounts.isUnlocked(address);
  $("current-state").textContent = unlocked ? "unlocked" : "locked";
  $("current-state").className = unlocked ? "state unlocked" : "state locked";
}

$("account-select").addEventListener("change", () => run("Reading the account", showCurrent));

onSubmit("create-form", (button) => run(`Creating the account: ${KDF_NOTE}`, async () => {
  const account = await engine.accounts.create({
    username: $("create-username").value.trim() || undefined, password: $("create-password").value,
  });
  $("create-password").value = "";
  await refreshAccounts(account.address);
  say(`Created ${account.address} on ${account.network}; it is unlocked.`, "ok");
}, button));

onSubmit("unlock-form", (button) => run(`Unlocking: ${KDF_NOTE}`, async () => {
  const account = await engine.accounts.unlock(current(), { password: $("unlock-password").value });
  $("unlock-password").value = "";
  await showCurrent();
  say(`Unlocked ${short(account.address)}.`, "ok");
}, button));

onClick("lock-btn", (button) => run("Locking", async () => {
  await engine.accounts.lock(current());
  await showCurrent();
  say("Locked: the key is no longer in memory.", "ok");
}, button));

onClick("delete-btn", (button) => run(`Deleting the account: ${KDF_NOTE}`, async () => {
  const address = current();
  if (!window.confirm(`Delete ${address} from this browser? Without a backup its key is gone.`)) return;
  await engine.accounts.delete(address, { password: $("unlock-password").value });
  $("unlock-password").value = "";
  await refreshAccounts();
  say(`Deleted ${short(address)}.`, "ok");
}, button));

// ------------------------------------------------------------------ 2FA

onSubmit("totp-form", (button) => run("Enabling TOTP", async () => {
  const password = $("totp-password").value || undefined;
  const totp = await engine.accounts.enable2fa({ account: current(), method: "totp", password });
  $("totp-password").value = "";
  $("totp-qr").src = totp.qr;
  $("totp-secret").textContent = totp.secret;
  $("totp-uri").textContent = totp.uri;
  $("totp-result").hidden = false;
  await showCurrent();
  say("TOTP is on: sessions and direct invokes now need a code from the app.", "ok");
}, button));

// ------------------------------------------------------------------ sessions and invoke

onSubmit("session-form", (button) => run("Creating a session", async () => {
  const permissions = {};
  if ($("session-max-value").value.trim()) permissions.maxTransactionValue = $("session-max-value").value.trim();
  if ($("session-contracts").value.trim()) permissions.allowedContracts = csv($("session-contracts").value);
  const session = await engine.accounts.createSession({
    account: current(), duration: Number($("session-duration").value), permissions,
    password: $("session-password").value || undefined, twoFactorCode: $("session-code").value.trim() || undefined,
  });
  $("session-password").value = "";
  sessionToken = session.token;
  $("session-token").textContent = `${short(session.token)} (until ${when(session.expiresAt)})`;
  await showCurrent();
  say("Session created. Its token is a bearer secret: it stays in this page's memory.", "ok");
}, button));

function invokeCall() {
  return {
    contractAddress: $("invoke-contract").value.trim(), entrypoint: $("invoke-entrypoint").value.trim(),
    calldata: csv($("invoke-calldata").value),
  };
}

async function submitAndWait(request) {
  $("invoke-result").textContent = "signing and sending…";
  const txHash = await engine.accounts.invoke(request);
  $("invoke-result").textContent = `${txHash} (waiting for acceptance…)`;
  const receipt = await engine.accounts.waitForTx(txHash, { interval: 1, timeout: 120 });
  $("invoke-result").textContent = `${txHash}: ${receipt.finality_status || "accepted"}`
    + (receipt.execution_status ? `, ${receipt.execution_status}` : "");
  say("Transaction accepted.", "ok");
}

onSubmit("invoke-form", (button) => run("Invoking with the session", async () => {
  if (!sessionToken) throw new Error("create a session first");
  await submitAndWait({ session: sessionToken, ...invokeCall() });
}, button));

onClick("invoke-account-btn", (button) => run("Invoking as the account", async () => {
  await submitAndWait({ account: current(), twoFactorCode: $("invoke-code").value.trim() || undefined, ...invokeCall() });
}, button));

// ------------------------------------------------------------------ audit log and events

onClick("audit-refresh-btn", (button) => run("Reading the audit log", async () => {
  const records = await engine.accounts.getAuditLog();
  const body = $("audit-table").tBodies[0];
  body.replaceChildren();
  for (const record of [...records].reverse()) {
    const row = body.insertRow();
    cell(row, String(record.seq));
    cell(row, when(record.time));
    cell(row, record.event);
    cell(row, record.outcome);
    cell(row, short(record.address), record.address || "");
    cell(row, Object.keys(record.details || {}).length ? JSON.stringify(record.details) : "");
  }
}, button));

onClick("audit-verify-btn", (button) => run("Verifying the audit log", async () => {
  const check = await engine.accounts.verifyAuditLog();
  $("audit-verify-result").textContent = `${check.ok ? "intact" : "BROKEN"}: ${check.reason}`;
}, button));

function showEvent(event) {
  const list = $("events-list");
  list.querySelector(".empty")?.remove();
  const item = document.createElement("li");
  // details in a <code>, which may break anywhere: a long address must not widen the page
  item.append(`${when(event.time)} ${event.type} on ${event.network} for ${short(event.address)} `,
              Object.assign(document.createElement("code"), { textContent: JSON.stringify(event.details) }));
  list.prepend(item);
}

// ------------------------------------------------------------------ mnemonic

let phrase = null;
let challenge = [];

/** `count` distinct word positions, uniformly at random (partial Fisher-Yates), in ascending order. */
function pickPositions(length, count) {
  const positions = [...Array(length).keys()];
  for (let i = 0; i < count; i++) {
    const j = i + (crypto.getRandomValues(new Uint32Array(1))[0] % (length - i)); // bias < 2**-27
    [positions[i], positions[j]] = [positions[j], positions[i]];
  }
  return positions.slice(0, count).sort((a, b) => a - b);
}

onClick("mnemonic-generate-btn", (button) => run("Generating a recovery phrase", async () => {
  phrase = (await engine.accounts.generateMnemonic()).split(" ");
  $("mnemonic-words").replaceChildren(...phrase.map((word) => Object.assign(document.createElement("li"),
                                                                             { textContent: word })));
  challenge = pickPositions(phrase.length, 3);
  $("mnemonic-challenge").replaceChildren(...challenge.map((index) => {
    const label = document.createElement("label");
    label.append(`Word ${index + 1} `, Object.assign(document.createElement("input"),
                                                     { id: `mnemonic-word-${index + 1}`, autocomplete: "off" }));
    return label;
  }));
  $("mnemonic-confirm-form").hidden = false;
}, button));

onSubmit("mnemonic-confirm-form", (button) => run(`Creating the account from the phrase: ${KDF_NOTE}`, async () => {
  const wrong = challenge.filter((i) => $(`mnemonic-word-${i + 1}`).value.trim().toLowerCase() !== phrase[i]);
  if (wrong.length) throw new Error(`word ${wrong.map((i) => i + 1).join(", ")} does not match the phrase`);
  const account = await engine.accounts.createFromMnemonic({ mnemonic: phrase.join(" "),
                                                             password: $("mnemonic-password").value });
  phrase = null;
  $("mnemonic-words").replaceChildren();
  $("mnemonic-confirm-form").hidden = true;
  $("mnemonic-password").value = "";
  await refreshAccounts(account.address);
  say(`Created ${account.address} from the phrase (path ${account.path || "default"}).`, "ok");
}, button));

// ------------------------------------------------------------------ backup and Ledger

onSubmit("backup-form", (button) => run("Creating the backup (deriving its key)", async () => {
  const accounts = (await engine.accounts.list()).map((account) => account.address);
  const text = await engine.accounts.createBackup({ accounts, password: $("backup-password").value });
  const link = Object.assign(document.createElement("a"), {
    href: URL.createObjectURL(new Blob([text], { type: "application/json" })),
    download: `foc-backup-${new Date().toISOString().slice(0, 10)}.json`,
  });
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  $("backup-result").textContent = `Backup of ${accounts.length} account(s), ${text.length} bytes, downloaded as ${link.download}.`;
  $("backup-result").dataset.bytes = String(text.length);
}, button));

onSubmit("restore-form", (button) => run("Restoring the backup (deriving its key)", async () => {
  const file = $("restore-file").files[0];
  if (!file) throw new Error("choose a backup file first");
  const text = await file.text();
  const password = $("restore-password").value;
  const outcome = await engine.accounts.restoreFromBackup(text, { password, conflict: $("restore-conflict").value });
  await refreshAccounts();
  $("backup-result").textContent = `Restored ${outcome.restored.length} account(s), skipped ${outcome.skipped.length}.`;
}, button));

onClick("ledger-connect-btn", (button) => run("Connecting to the Ledger (confirm on the device)", async () => {
  const version = await engine.accounts.connectLedger();
  const keys = await engine.accounts.generatePrivateKey({ provider: "ledger" });
  $("ledger-result").textContent = `Starknet app ${version}, public key ${keys.publicKey}`;
}, button));

// ------------------------------------------------------------------ go

$("random").textContent = Array.from(crypto.getRandomValues(new Uint8Array(32)),
                                     (b) => b.toString(16).padStart(2, "0")).join("");
start();
