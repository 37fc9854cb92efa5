// A video visit in the browser, for the family, the terminal and the
// supervising officer (docs/video.md). The page says who it is through the
// json_script "call-config": {role, socket, recorded, recording_url, csrf,
// strings}. Standard WebRTC only, so it runs in mobile browsers as they are.

import { Hub } from "./call-hub.js";
import { Peer, Signaling, newPeerId } from "./call-socket.js";

const root = document.getElementById("call");
const config = JSON.parse(document.getElementById("call-config").textContent);
const strings = config.strings;
const $ = (id) => document.getElementById(id);

// Low-bandwidth mode: small video, few frames, a low bitrate; the voice goes first.
const NORMAL_VIDEO = { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 24 } };
const SMALL_VIDEO = { width: { ideal: 320 }, height: { ideal: 240 }, frameRate: { ideal: 15, max: 15 } };
const SMALL_VIDEO_BITRATE = 150_000;

const call = {
  peer: newPeerId(),
  offset: 0, // server time minus this device's time, from every clock message
  startsAt: null,
  endsAt: null,
  media: null,
  local: null,
  socket: null,
  role: null,
  ended: false,
  closeCode: null,
  localReady: null,
};

// ---------------------------------------------------------------- the screen

function setState(state, message) {
  root.dataset.state = state;
  const status = $("call-status");
  if (status && message) status.textContent = message;
}

function attach(id, stream) {
  const video = $(id);
  if (!video || video.srcObject === stream) return;
  video.srcObject = stream;
  // Without a tap on the page (a kiosk, a page opened from a link) the browser
  // may refuse to play sound: a button offers the tap it needs.
  video.play().catch(() => {
    const button = $("sound-button");
    if (button) button.hidden = false;
  });
}

function showWarning(text) {
  const box = $("call-warning");
  if (!box) return;
  box.textContent = text;
  box.hidden = false;
}

function parseTime(value) {
  if (value == null) return null;
  if (typeof value === "number") return value < 1e12 ? value * 1000 : value;
  return Date.parse(value);
}

function clock(message) {
  if (message.server_now != null) call.offset = parseTime(message.server_now) - Date.now();
  call.startsAt = parseTime(message.starts_at) ?? call.startsAt;
  call.endsAt = parseTime(message.ends_at) ?? call.endsAt;
  tick();
}

function formatSeconds(total) {
  const seconds = Math.max(0, Math.floor(total));
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${String(seconds % 60).padStart(2, "0")}`;
}

function tick() {
  // Before joining, the family's page counts down to the start too.
  const before = $("start-countdown");
  if (before && call.startsAt != null) {
    const left = (call.startsAt - Date.now() - call.offset) / 1000;
    before.textContent = left > 0 ? strings.starts_in.replace("%(time)s", formatSeconds(left)) : "";
  }
  const box = $("call-countdown");
  if (!box || call.endsAt == null) return;
  const now = Date.now() + call.offset;
  if (call.ended) box.textContent = "";
  else if (now < call.startsAt) {
    box.textContent = strings.starts_in.replace("%(time)s", formatSeconds((call.startsAt - now) / 1000));
  } else box.textContent = strings.ends_in.replace("%(time)s", formatSeconds((call.endsAt - now) / 1000));
}

// ---------------------------------------------------------------- local media

async function startLocal() {
  if (call.local) return call.local;
  const small = Boolean($("low-bandwidth") && $("low-bandwidth").checked);
  try {
    call.local = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true },
      video: small ? SMALL_VIDEO : NORMAL_VIDEO,
    });
  } catch (error) {
    setState("no-media", strings.no_media);
    throw error;
  }
  attach("local-video", call.local);
  attach("preview-video", call.local);
  return call.local;
}

function stopLocal() {
  if (call.local) for (const track of call.local.getTracks()) track.stop();
  call.local = null;
}

let meterContext = null;
function levelMeter(stream) {
  const meter = $("level-meter");
  if (!meter || meterContext) return;
  meterContext = new AudioContext();
  const analyser = meterContext.createAnalyser();
  analyser.fftSize = 512;
  meterContext.createMediaStreamSource(stream).connect(analyser);
  const samples = new Uint8Array(analyser.fftSize);
  const draw = () => {
    if (!meterContext) return;
    analyser.getByteTimeDomainData(samples);
    let peak = 0;
    for (const sample of samples) peak = Math.max(peak, Math.abs(sample - 128));
    meter.value = Math.min(1, peak / 64);
    requestAnimationFrame(draw);
  };
  draw();
}

function stopMeter() {
  if (meterContext) meterContext.close();
  meterContext = null;
}

async function limitBitrate(peer) {
  for (const sender of peer.pc.getSenders()) {
    if (!sender.track) continue;
    const parameters = sender.getParameters();
    if (!parameters.encodings || !parameters.encodings.length) continue;
    for (const encoding of parameters.encodings) {
      if (sender.track.kind === "video") {
        encoding.maxBitrate = SMALL_VIDEO_BITRATE;
        encoding.maxFramerate = 15;
        encoding.priority = "low";
      } else encoding.priority = "high";
    }
    await sender.setParameters(parameters).catch(() => {});
  }
}

// ---------------------------------------------------------------- the family's and officer's side

function fingerprint(sdp) {
  const match = /a=fingerprint:\S+ (\S+)/.exec(sdp || "");
  return match ? match[1] : null;
}

// The family and the officer only answer the terminal's offers.
class Answerer {
  constructor(kind) {
    this.kind = kind;
    this.peer = null;
    this.spare = null;
  }

  onWelcome(message) {
    this.showWaiting(message.call.may_start);
    this.prepare();
  }

  showWaiting(mayStart) {
    if (call.ended || this.peer) return;
    if (mayStart) setState("waiting", strings.waiting_terminal);
    else setState("waiting-start", strings.waiting_start);
  }

  // The family's connection, camera and microphone attached, is made while
  // waiting: the terminal's offer is answered at once.
  prepare() {
    if (this.kind !== "family" || this.spare || this.peer || !call.local || call.ended) return;
    this.spare = this.makePeer(null);
    for (const track of call.local.getTracks()) this.spare.pc.addTrack(track, call.local);
  }

  onPeer(message) {
    if (message.event !== "left" || !this.peer || message.peer !== this.peer.id) return;
    // The terminal's socket may only be reconnecting while media still flows:
    // a connected connection is kept. A reloaded terminal offers as a new peer.
    if (this.peer.pc.connectionState === "connected") return;
    this.peer.close();
    this.peer = null;
    if (!call.ended) setState("waiting", strings.waiting_terminal);
    this.prepare();
  }

  // A new offer from the same terminal with another DTLS fingerprint comes
  // from a new connection (the terminal dropped ours while this page's socket
  // was reconnecting): it is answered on a new connection too.
  isFresh(message) {
    if (!this.peer || this.peer.id !== message.from) return true;
    const remote = this.peer.pc.remoteDescription;
    if (!message.description || message.description.type !== "offer" || !remote) return false;
    return fingerprint(message.description.sdp) !== fingerprint(remote.sdp);
  }

  onSignal(message) {
    if (this.isFresh(message)) {
      // Only a new offer starts a connection: the terminal reloaded, or this page did.
      if (!message.description || message.description.type !== "offer") return;
      if (this.peer) this.peer.close();
      this.peer = this.spare || this.makePeer(null);
      this.spare = null;
      this.peer.id = message.from;
    }
    this.peer.handle(message);
  }

  makePeer(id) {
    const peer = new Peer(id, "terminal", call.media, send);
    peer.pc.addEventListener("connectionstatechange", () => {
      if (call.ended || peer !== this.peer) return;
      const state = peer.pc.connectionState;
      if (state === "connected") setState("connected", strings.connected);
      else if (state === "disconnected" || state === "failed") setState("reconnecting", strings.reconnecting);
    });
    if (this.kind === "family") {
      peer.beforeAnswer = async () => {
        if (peer.pc.getSenders().some((sender) => sender.track)) return;
        for (const track of call.local.getTracks()) peer.pc.addTrack(track, call.local);
      };
      if (config.low_bandwidth || ($("low-bandwidth") && $("low-bandwidth").checked)) {
        peer.afterAnswer = limitBitrate;
      }
      peer.pc.addEventListener("track", (event) => attach("remote-video", event.streams[0]));
    } else {
      // Officer: the terminal's fixed order says whose track this is.
      peer.pc.addEventListener("track", (event) => {
        const index = peer.pc.getTransceivers().indexOf(event.transceiver);
        const id = index < 2 ? "terminal-video" : "family-video";
        const stream = event.streams[0] || new MediaStream([event.track]);
        attach(id, stream);
      });
    }
    return peer;
  }

  onState(message) {
    this.showWaiting(message.may_start);
  }

  end() {
    for (const peer of [this.peer, this.spare]) if (peer) peer.close();
    this.peer = null;
    this.spare = null;
    return Promise.resolve();
  }
}

// ---------------------------------------------------------------- signaling

function send(message) {
  if (call.socket) call.socket.send(message);
}

const handlers = {
  welcome(message) {
    call.media = message.media;
    clock(message.call);
    call.role.onWelcome(message);
  },
  peer: (message) => call.role.onPeer(message),
  signal: (message) => call.role.onSignal(message),
  clock,
  state: (message) => call.role.onState(message),
  warning: (message) => showWarning(message.text),
  end(message) {
    call.ended = true;
    const reason = strings.end_reasons[message.reason] || strings.ended;
    setState("ended", message.note ? `${reason} ${message.note}` : reason);
    const leave = $("leave-form");
    if (leave) leave.hidden = true;
    call.role.end().finally(() => {
      if (config.role === "family") stopLocal();
    });
    tick();
  },
  error: (message) => console.warn("call: server says", message.code, message.message),
};

function dispatch(message) {
  if (message.type !== "signal") console.debug("call: received", message.type, message.event || "", message.role || "");
  const handler = handlers[message.type];
  if (handler) handler(message);
}

function onStatus(status, code) {
  console.debug("call: socket", status, code || "");
  if (status === "open") {
    if (call.role.onOpen) call.role.onOpen();
    return;
  }
  if (status === "reconnecting" && !call.ended) {
    setState("reconnecting", strings.reconnecting);
    return;
  }
  if (status === "closed" && code != null) {
    call.closeCode = code;
    root.dataset.closeCode = String(code);
    if (code >= 4400 && code < 4500) {
      setState("refused", strings.refused[String(code)] || strings.refused.default);
      call.role.end();
    }
  }
}

function join() {
  if (call.socket) return;
  const ui = {
    setState,
    attach,
    send,
    strings,
    localReady: call.localReady,
    get local() {
      return call.local;
    },
    get media() {
      return call.media;
    },
  };
  call.role = config.role === "terminal" ? new Hub(ui, config) : new Answerer(config.role);
  setState("joining", strings.joining);
  call.socket = new Signaling(config.socket, call.peer, { onMessage: dispatch, onStatus });
  call.socket.open();
}

// ---------------------------------------------------------------- the pages

async function familyPage() {
  const check = $("check-devices");
  const low = $("low-bandwidth");
  const joinButton = $("join");
  const checkDevices = async () => {
    const stream = await startLocal();
    levelMeter(stream);
    if ($("device-check")) $("device-check").hidden = false;
  };
  if (check) check.addEventListener("click", () => checkDevices().catch(() => {}));
  if (low) {
    low.addEventListener("change", () => {
      if (!call.local || call.socket) return;
      stopMeter();
      stopLocal();
      checkDevices().catch(() => {});
    });
  }
  if (joinButton) {
    joinButton.addEventListener("click", async () => {
      joinButton.disabled = true;
      if (low) low.disabled = true;
      try {
        await startLocal();
      } catch {
        joinButton.disabled = false;
        return;
      }
      stopMeter();
      $("joined").hidden = false;
      join();
    });
  }
  // The buttons work from here on: until now a tap would have been lost.
  if (check) check.disabled = false;
  if (joinButton) joinButton.disabled = false;
  const leave = $("leave-form");
  if (leave) {
    leave.addEventListener("submit", (event) => {
      event.preventDefault();
      send({ type: "leave" });
    });
  }
}

function terminalPage() {
  // Camera and socket start together: the terminal is ready to offer sooner.
  call.localReady = startLocal();
  call.localReady.catch(() => {});
  join();
}

function officerPage() {
  for (const form of document.querySelectorAll("form[data-socket]")) {
    form.addEventListener("submit", (event) => {
      const field = form.querySelector("textarea, input[type=text]");
      if (!call.socket || !field || !field.value.trim()) return;
      event.preventDefault();
      const type = form.dataset.socket;
      send(type === "warn" ? { type, text: field.value.trim() } : { type, reason: field.value.trim() });
      field.value = "";
    });
  }
  join();
}

function soundButton() {
  const button = $("sound-button");
  if (!button) return;
  button.addEventListener("click", () => {
    for (const video of document.querySelectorAll("video")) video.play().catch(() => {});
    const recorder = call.role && call.role.recorder;
    if (recorder && recorder.audio) recorder.audio.resume();
    button.hidden = true;
  });
}

// Tests and the benchmark reach the connections through this; handlers can be
// swapped to prove that the server, not the page, decides the end.
window.visitlineCall = { call, handlers, config };
if (config.clock) clock(config.clock); // the page's server time, until the socket's
setInterval(tick, 1000);
soundButton();
if (config.role === "family") familyPage();
else if (config.role === "terminal") terminalPage();
else officerPage();
