// The clerk's page. One customer after another without a reload: the
// clerk scans the card's QR (a 2D scanner types it into the field) or types
// the CAN or MRZ, puts the card on the reader, reads the verdict, hands the
// card back; the page follows the reader's card events (server-sent
// events) to know when to read and when the next customer can come.
//
// Everything shown is set with textContent: a chip's data is untrusted.
// The secret stays in memory only until the card is read.
"use strict";

const T = {
  vi: {
    title: "Kiểm tra thẻ căn cước", reader: "Đầu đọc", check: "Kiểm tra", next: "Khách tiếp theo",
    prompt: "Quét mã QR trên thẻ, hoặc nhập CAN / MRZ rồi nhấn Enter",
    checks: "Các kiểm tra", demo: "Thẻ mẫu (chế độ thử)",
    demohelp: "Đặt một thẻ mẫu lên đầu đọc ảo; nhập CAN hoặc quét mã QR của thẻ vào ô phía trên.",
    demoremove: "Lấy thẻ ra", demoinsert: "Đặt lên đầu đọc", demoscan: "Quét QR", democan: "Nhập CAN",
    tokenneeded: "Máy chủ yêu cầu mã truy cập (API token).", ok: "OK",
    unverified: "Dữ liệu dưới đây KHÔNG được xác thực — không dùng để định danh",
    present: "Có thẻ", absent: "Chưa có thẻ", busy: "Đang đọc", noreader: "Không có đầu đọc",
    connected: "Đã kết nối", disconnected: "Mất kết nối với máy chủ — đang thử lại",
    step_idle: "Sẵn sàng: quét mã QR hoặc nhập CAN / MRZ của khách",
    step_waitcard: "Đặt thẻ lên đầu đọc…",
    step_reading: "Đang đọc thẻ — giữ nguyên thẻ trên đầu đọc…",
    step_remove: "Xong. Lấy thẻ ra và trả cho khách",
    step_ready: "Sẵn sàng cho khách tiếp theo",
    step_retry: "Đặt lại thẻ lên đầu đọc để đọc lại",
    step_retype: "Nhập lại CAN / MRZ hoặc quét lại mã QR (thẻ vẫn trên đầu đọc)",
    genuine: "Thẻ hợp lệ", genuine_sub: "Mọi kiểm tra đều đạt",
    not: "KHÔNG hợp lệ", reason: "Lý do", failedchecks: "kiểm tra không đạt",
    none: "Không đọc được thẻ",
    forged: "giả mạo", cloned: "sao chép", inconsistent: "không khớp", expired: "hết hạn",
    id_number: "Số định danh", old_id_number: "Số CMND cũ", full_name: "Họ và tên", date_of_birth: "Ngày sinh",
    sex: "Giới tính", nationality: "Quốc tịch", ethnicity: "Dân tộc", religion: "Tôn giáo",
    place_of_origin: "Quê quán", place_of_residence: "Nơi thường trú", identifying_features: "Đặc điểm nhận dạng",
    date_of_issue: "Ngày cấp", date_of_expiry: "Có giá trị đến", no_expiry: "Không thời hạn",
    father_name: "Họ tên cha", mother_name: "Họ tên mẹ", spouse_name: "Họ tên vợ/chồng",
    nophoto: "Không có ảnh", jp2: "Ảnh JPEG 2000 (trình duyệt không hiển thị được)",
    pass: "ĐẠT", fail: "KHÔNG ĐẠT", warn: "LƯU Ý", skip: "BỎ QUA",
    e_access_denied: "CAN / MRZ không khớp với thẻ này — kiểm tra lại và nhập lại",
    e_no_card: "Chưa có thẻ trên đầu đọc",
    e_card_removed: "Thẻ bị lấy ra hoặc đầu đọc gặp sự cố — đặt lại thẻ",
    e_timeout: "Thẻ không trả lời — đặt lại thẻ và thử lại",
    e_card_misbehaves: "Thẻ trả lời bất thường, không như bất kỳ thẻ thật nào — không kết luận được",
    e_reader: "Sự cố đầu đọc",
    e_unauthorized: "Mã truy cập (API token) không đúng",
    e_can_format: "CAN gồm 6 chữ số (hoặc nhập số định danh 12 chữ số)",
    e_mrz_length: "MRZ không đủ ký tự: MRZ của thẻ có 3 dòng, mỗi dòng 30 ký tự",
    e_mrz_charset: "MRZ chỉ gồm chữ A–Z, số 0–9 và dấu '<'",
    e_mrz_check_digit: "MRZ: {field} không khớp với số kiểm tra — có ký tự bị gõ sai",
    e_mrz_date: "MRZ: {field} không phải là ngày (YYMMDD)",
    e_qr: "Không đọc được mã QR của CCCD — quét lại",
    e_empty: "Chưa nhập gì: quét mã QR hoặc nhập CAN / MRZ",
    f_document_number: "số giấy tờ", "f_date_of_birth": "ngày sinh", "f_date_of_expiry": "ngày hết hạn",
    f_composite: "số kiểm tra tổng hợp", f_personal_number: "số cá nhân",
  },
  en: {
    title: "ID card check", reader: "Reader", check: "Check", next: "Next customer",
    prompt: "Scan the QR code on the card, or type the CAN / MRZ and press Enter",
    checks: "Checks", demo: "Demo cards",
    demohelp: "Put a demo card on the virtual reader; type its CAN or scan its QR into the field above.",
    demoremove: "Take the card out", demoinsert: "Put on the reader", demoscan: "Scan QR", democan: "Type CAN",
    tokenneeded: "The server needs an access token (API token).", ok: "OK",
    unverified: "The data below is NOT authenticated — do not rely on it",
    present: "Card present", absent: "No card", busy: "Reading", noreader: "No reader",
    connected: "Connected", disconnected: "Connection to the server lost — retrying",
    step_idle: "Ready: scan the QR code or type the customer's CAN / MRZ",
    step_waitcard: "Put the card on the reader…",
    step_reading: "Reading the card — keep it on the reader…",
    step_remove: "Done. Take the card off and hand it back",
    step_ready: "Ready for the next customer",
    step_retry: "Put the card back on the reader to read it again",
    step_retype: "Type the CAN / MRZ again or scan the QR again (the card stays on the reader)",
    genuine: "Genuine card", genuine_sub: "Every check passed",
    not: "NOT genuine", reason: "Reason", failedchecks: "failed checks",
    none: "Card could not be read",
    forged: "forged", cloned: "cloned chip", inconsistent: "inconsistent data", expired: "expired",
    id_number: "ID number", old_id_number: "Old ID number", full_name: "Full name", date_of_birth: "Date of birth",
    sex: "Sex", nationality: "Nationality", ethnicity: "Ethnicity", religion: "Religion",
    place_of_origin: "Place of origin", place_of_residence: "Place of residence", identifying_features: "Identifying features",
    date_of_issue: "Date of issue", date_of_expiry: "Valid until", no_expiry: "No expiry",
    father_name: "Father", mother_name: "Mother", spouse_name: "Spouse",
    nophoto: "No photo", jp2: "JPEG 2000 photo (the browser cannot show it)",
    pass: "PASS", fail: "FAIL", warn: "WARN", skip: "SKIP",
    e_access_denied: "The CAN / MRZ does not match this card — check it and type it again",
    e_no_card: "No card on the reader",
    e_card_removed: "The card was taken off or the reader failed — put the card back",
    e_timeout: "The card stopped answering — put it back and try again",
    e_card_misbehaves: "The card answers like no genuine card does — nothing concluded",
    e_reader: "Reader problem",
    e_unauthorized: "Wrong access token (API token)",
    e_can_format: "The CAN has 6 digits (or type the 12-digit ID number)",
    e_mrz_length: "The MRZ is incomplete: the card's has 3 lines of 30 characters",
    e_mrz_charset: "An MRZ holds only A–Z, 0–9 and '<'",
    e_mrz_check_digit: "MRZ: the {field} does not match its check digit — a character was mistyped",
    e_mrz_date: "MRZ: the {field} is not a date (YYMMDD)",
    e_qr: "This is not a CCCD QR code — scan it again",
    e_empty: "Nothing entered: scan the QR code or type the CAN / MRZ",
    f_document_number: "document number", f_date_of_birth: "date of birth", f_date_of_expiry: "date of expiry",
    f_composite: "composite check digit", f_personal_number: "personal number",
  },
};
const HOLDER = ["id_number", "old_id_number", "full_name", "date_of_birth", "sex", "nationality", "ethnicity",
  "religion", "place_of_origin", "place_of_residence", "identifying_features", "date_of_issue", "date_of_expiry",
  "father_name", "mother_name", "spouse_name"];
const RETRY_CODES = ["no_card", "card_removed", "timeout", "reader"];

const $ = (id) => document.getElementById(id);
const state = {
  lang: localStorage.getItem("cccd.lang") === "en" ? "en" : "vi",
  token: sessionStorage.getItem("cccd.token") || "",
  readers: new Map(),
  selected: localStorage.getItem("cccd.reader") || "",
  pending: null, // the customer's secret until the card is read
  phase: "idle", // idle | waitcard | reading | remove | ready | retry | retype
  last: null, // the last report or NO CONCLUSION object shown
  lastError: null, // the entry error shown
  demo: null,
};

function t(key) { return T[state.lang][key] ?? T.en[key] ?? key; }

function isoToVN(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s || "");
  return m ? `${m[3]}/${m[2]}/${m[1]}` : s;
}

// api calls the service; a 401 asks the clerk for the token once.
async function api(path, body) {
  for (let attempt = 0; attempt < 2; attempt++) {
    const headers = { "Accept": "application/json" };
    if (state.token) headers["Authorization"] = "Bearer " + state.token;
    const init = { method: body === undefined ? "GET" : "POST", headers };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const res = await fetch(path, init);
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    if (res.status === 401 && attempt === 0 && await askToken()) continue;
    return { status: res.status, data };
  }
}

function askToken() {
  return new Promise((resolve) => {
    const dlg = $("tokendlg");
    if (!dlg.showModal) { resolve(false); return; }
    dlg.addEventListener("close", () => {
      state.token = $("token").value.trim();
      sessionStorage.setItem("cccd.token", state.token);
      resolve(state.token !== "");
    }, { once: true });
    dlg.showModal();
  });
}

// ---- the reader's card events -------------------------------------------

async function followEvents() {
  for (;;) {
    try {
      const headers = { "Accept": "text/event-stream" };
      if (state.token) headers["Authorization"] = "Bearer " + state.token;
      const res = await fetch("/api/v1/events", { headers });
      if (res.status === 401) { await askToken(); continue; }
      if (!res.ok || !res.body) throw new Error("events " + res.status);
      setConn(true);
      const reader = res.body.getReader();
      const dec = new TextDecoder();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          onEvent(buf.slice(0, i));
          buf = buf.slice(i + 2);
        }
      }
    } catch (e) {
      setConn(false);
    }
    // The stream ends by design every few minutes, or the server went
    // away: come back.
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function onEvent(block) {
  let event = "message", data = "";
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) event = line.slice(6).trim();
    else if (line.startsWith("data:")) data += line.slice(5).trim();
  }
  if (!data) return;
  const v = JSON.parse(data);
  if (event === "state") {
    state.readers = new Map(v.readers.map((r) => [r.name, r]));
    renderReaders();
    const st = state.readers.get(state.selected);
    if (st) onReader(st, null);
  } else if (event === "reader") {
    const old = state.readers.get(v.name) || null;
    const isNew = !old;
    state.readers.set(v.name, v);
    if (isNew) renderReaders(); else renderCardState();
    if (v.name === state.selected) onReader(v, old);
  }
}

// onReader moves the customer's turn on with the selected reader's card.
function onReader(st, old) {
  renderCardState();
  // A card put on the reader (or there when the page connects) is read
  // for the customer waiting; so is one freed by another verification.
  // A card that failed and stays on the reader is not read again by
  // itself: it has to be put back.
  const inserted = st.card_present && (!old || !old.card_present);
  const freed = st.card_present && old && old.busy && !st.busy && state.phase === "waitcard";
  if (!st.busy && state.pending && (state.phase === "waitcard" || state.phase === "retry") && (inserted || freed)) {
    verifyNow();
    return;
  }
  if (!st.card_present && old && old.card_present) {
    if (state.phase === "remove" || state.phase === "retype") setPhase("ready");
  }
}

function renderReaders() {
  const sel = $("reader");
  const names = [...state.readers.keys()].sort();
  sel.replaceChildren();
  for (const n of names) {
    const o = document.createElement("option");
    o.value = n; o.textContent = n;
    sel.appendChild(o);
  }
  if (!state.readers.has(state.selected)) {
    const demoReader = state.demo && state.demo.reader;
    state.selected = (demoReader && state.readers.has(demoReader)) ? demoReader : (names[0] || "");
  }
  sel.value = state.selected;
  renderCardState();
}

function renderCardState() {
  const pill = $("cardstate");
  const st = state.readers.get(state.selected);
  let s = "none", key = "noreader";
  if (st) {
    s = st.busy ? "busy" : st.card_present ? "present" : "absent";
    key = s;
  }
  pill.dataset.state = s;
  pill.textContent = t(key);
}

function setConn(ok) {
  const c = $("conn");
  c.dataset.ok = String(ok);
  c.textContent = t(ok ? "connected" : "disconnected");
}

// ---- a customer's turn ----------------------------------------------------

function setPhase(p) {
  state.phase = p;
  const step = $("step");
  step.dataset.step = p;
  step.textContent = t("step_" + p);
  if (p === "ready" || p === "idle" || p === "retype") $("secret").focus();
}

function entryError(info) {
  state.lastError = info;
  const e = $("entryerror");
  if (!info) { e.hidden = true; e.textContent = ""; return; }
  e.hidden = false;
  e.textContent = describe(info);
}

// describe words an error object of the API for the clerk.
function describe(info) {
  if (!info) return "";
  const key = info.code === "bad_secret" ? "e_" + (info.cause || "empty") : "e_" + info.code;
  let msg = T[state.lang][key];
  if (!msg) return info.message;
  const f = (info.field || "").replace(/ check digit$/, "").replace(/ /g, "_");
  msg = msg.replace("{field}", t("f_" + f) === "f_" + f ? (info.field || "") : t("f_" + f));
  if (info.code === "reader") msg += ": " + info.message;
  return msg;
}

async function submitSecret(text) {
  if (!text.trim()) { entryError({ code: "bad_secret", cause: "empty" }); return; }
  const { status, data } = await api("/api/v1/secret", { secret: text });
  if (status !== 200) {
    entryError((data && data.error) || { code: "reader", message: "HTTP " + status });
    return;
  }
  entryError(null);
  $("secret").value = "";
  fitEntry();
  state.pending = text;
  clearResult();
  setPhase("waitcard");
  const st = state.readers.get(state.selected);
  if (st && st.card_present && !st.busy) verifyNow();
}

async function verifyNow() {
  if (!state.pending || state.phase === "reading") return;
  setPhase("reading");
  const secret = state.pending;
  let res;
  try {
    res = await api("/api/v1/verify", { reader: state.selected, secret, photo: true });
  } catch (e) {
    res = { status: 0, data: null };
  }
  const data = res.data;
  if (res.status === 200 && data && data.verdict) {
    state.pending = null;
    showResult(data);
    const st = state.readers.get(state.selected);
    setPhase(st && !st.card_present ? "ready" : "remove");
    return;
  }
  const info = (data && data.error) || { code: "reader", message: "HTTP " + res.status };
  showResult(data && data.verdict ? data : { verdict: "NO CONCLUSION", error: info });
  if (RETRY_CODES.includes(info.code)) {
    // Put the card back and it is read again with the same secret.
    setPhase("retry");
  } else {
    state.pending = null;
    setPhase(info.code === "access_denied" ? "retype" : "remove");
  }
}

function clearResult() {
  state.last = null;
  $("result").hidden = true;
  $("photo").removeAttribute("src");
  $("holder").replaceChildren();
  $("checks").tBodies[0].replaceChildren();
}

function showResult(rep) {
  state.last = rep;
  $("result").hidden = false;
  const v = $("verdict");
  v.dataset.verdict = rep.verdict;
  const title = $("verdict-title"), reason = $("verdict-reason");
  if (rep.verdict === "GENUINE") {
    title.textContent = t("genuine");
    reason.textContent = t("genuine_sub");
  } else if (rep.verdict === "NOT VERIFIED") {
    title.textContent = t("not");
    reason.textContent = `${t("reason")}: ${t(rep.reason || "forged")} — ${t("failedchecks")}: ${(rep.failed || []).join(", ")}`;
  } else {
    title.textContent = t("none");
    reason.textContent = describe(rep.error);
  }
  $("unverified").hidden = !(rep.verdict === "NOT VERIFIED" && rep.holder);
  const person = $("person");
  person.hidden = !rep.holder;
  person.classList.toggle("unverified-data", rep.verdict !== "GENUINE");
  const img = $("photo"), note = $("photonote");
  note.textContent = "";
  if (rep.photo && rep.photo_type === "jpeg") {
    img.src = "data:image/jpeg;base64," + rep.photo;
  } else {
    img.removeAttribute("src");
    note.textContent = rep.photo ? t("jp2") : t("nophoto");
  }
  const dl = $("holder");
  dl.replaceChildren();
  const h = rep.holder || {};
  for (const k of HOLDER) {
    let val = h[k];
    if (k === "date_of_expiry" && h.no_expiry) val = t("no_expiry");
    if (!val) continue;
    if (k.startsWith("date_")) val = isoToVN(val);
    const dt = document.createElement("dt"); dt.textContent = t(k);
    const dd = document.createElement("dd"); dd.textContent = val; dd.dataset.field = k;
    dl.append(dt, dd);
  }
  const body = $("checks").tBodies[0];
  body.replaceChildren();
  for (const c of rep.checks || []) {
    const tr = document.createElement("tr");
    tr.dataset.status = c.status; tr.dataset.name = c.name;
    for (const [cls, text] of [["st", t(c.status)], ["name", c.name], ["detail", c.detail || ""]]) {
      const td = document.createElement("td"); td.className = cls; td.textContent = text; tr.appendChild(td);
    }
    body.appendChild(tr);
  }
  $("checks-count").textContent = String((rep.checks || []).length);
  $("checks-box").hidden = !(rep.checks && rep.checks.length);
}

// ---- the entry field ------------------------------------------------------

// partialMRZ: an MRZ scanned or typed line by line goes on after Enter;
// a QR payload, a CAN or a whole MRZ is submitted by it.
function partialMRZ(text) {
  if (text.includes("|")) return false;
  const flat = text.replace(/\s/g, "");
  return /</.test(flat) && flat.length < 88;
}

function fitEntry() {
  const s = $("secret");
  s.rows = Math.min(3, Math.max(1, s.value.split("\n").length));
}

// ---- demo -----------------------------------------------------------------

async function loadDemo() {
  const { status, data } = await api("/api/v1/demo");
  if (status !== 200 || !data) return;
  state.demo = data;
  $("demo").hidden = false;
  renderDemo();
}

function renderDemo() {
  const body = $("democards").tBodies[0];
  body.replaceChildren();
  for (const c of state.demo.cards) {
    const tr = document.createElement("tr");
    tr.dataset.id = c.id;
    tr.dataset.inserted = String(state.demo.inserted === c.id);
    const cells = [c.label, c.kind, "CAN " + c.can];
    cells.forEach((text, i) => {
      const td = document.createElement("td"); td.textContent = text; if (i === 2) td.className = "code"; tr.appendChild(td);
    });
    const act = document.createElement("td");
    const put = document.createElement("button");
    put.type = "button"; put.textContent = t("demoinsert"); put.className = "demo-insert";
    put.onclick = async () => {
      const r = await api("/api/v1/demo/insert", { id: c.id });
      if (r.status === 200) { state.demo.inserted = c.id; state.demo.reader = r.data.reader; renderDemo(); }
      $("secret").focus();
    };
    const can = document.createElement("button");
    can.type = "button"; can.textContent = t("democan");
    can.onclick = () => submitSecret(c.can);
    act.append(put, " ", can);
    if (c.qr_text) {
      const scan = document.createElement("button");
      scan.type = "button"; scan.textContent = t("demoscan");
      scan.onclick = () => submitSecret(c.qr_text);
      act.append(" ", scan);
    }
    tr.appendChild(act);
    body.appendChild(tr);
  }
}

// ---- language -------------------------------------------------------------

function applyLang() {
  document.documentElement.lang = state.lang;
  document.title = t("title") + " — cccd";
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  $("lang-vi").setAttribute("aria-pressed", String(state.lang === "vi"));
  $("lang-en").setAttribute("aria-pressed", String(state.lang === "en"));
  renderCardState();
  setPhase(state.phase);
  if (state.last) showResult(state.last);
  if (state.lastError) entryError(state.lastError);
  if (state.demo) renderDemo();
  const c = $("conn");
  if (c.dataset.ok) setConn(c.dataset.ok === "true");
}

function setLang(l) {
  state.lang = l;
  localStorage.setItem("cccd.lang", l);
  applyLang();
}

// ---- start ----------------------------------------------------------------

function main() {
  const secret = $("secret");
  $("entry").addEventListener("submit", (e) => { e.preventDefault(); submitSecret(secret.value); });
  secret.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !partialMRZ(secret.value)) {
      e.preventDefault();
      submitSecret(secret.value);
    }
  });
  secret.addEventListener("input", () => { fitEntry(); if (state.lastError) entryError(null); });
  // A 2D scanner types wherever the focus is: bring it to the field.
  document.addEventListener("keydown", (e) => {
    const a = document.activeElement;
    if (a && (a.tagName === "INPUT" || a.tagName === "TEXTAREA" || a.tagName === "SELECT")) return;
    if (e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey) secret.focus();
  });
  $("reader").addEventListener("change", (e) => {
    state.selected = e.target.value;
    localStorage.setItem("cccd.reader", state.selected);
    renderCardState();
  });
  $("next").addEventListener("click", () => { clearResult(); state.pending = null; setPhase("idle"); });
  $("lang-vi").addEventListener("click", () => setLang("vi"));
  $("lang-en").addEventListener("click", () => setLang("en"));
  $("demo-remove").addEventListener("click", async () => {
    const r = await api("/api/v1/demo/remove", {});
    if (r.status === 200 && state.demo) { state.demo.inserted = ""; renderDemo(); }
  });
  applyLang();
  setPhase("idle");
  loadDemo().finally(followEvents);
}

main();
