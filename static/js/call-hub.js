// The terminal's side of a video visit: the hub (docs/video.md, "Shape of a call").
//
// One RTCPeerConnection per other participant. To the family: send and
// receive. To each supervising officer: send only, the terminal's own camera
// and microphone plus the family's received tracks, so the family's phone
// uploads one stream whatever the prison does. The terminal makes every offer.

import { Recorder } from "./call-recorder.js";
import { Peer } from "./call-socket.js";

const TICK_MS = 500;
const REPORT_MS = 1000;
const BAD_BEFORE_RESTART_MS = 2000;
const QUIET_MS = 2000;
const FIRST_CONNECT_MS = 10_000;

export class Hub {
  // ui: {setState, attach, send, strings, local and localReady (the camera's
  // MediaStream, and a promise of it), media (ICE config)}
  constructor(ui, config) {
    this.ui = ui;
    this.peers = new Map();
    this.familyId = null;
    this.family = null;
    this.spare = null; // a family connection made ahead, waiting for the family
    this.familyTracks = {};
    this.custody = false;
    this.mayStart = false; // the server says when the family may be connected
    this.mediaState = "stalled";
    this.lastBytes = 0;
    this.ended = false;
    // Labels the forwarded family tracks as one stream on the officer's side.
    this.relayStream = new MediaStream();
    this.recorder = config.recorded && config.recording_url
      ? new Recorder((seq) => config.recording_url.replace("{seq}", String(seq)), config.csrf)
      : null;
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  onWelcome(message) {
    this.custody = Boolean(message.call.custody_confirmed);
    this.mayStart = Boolean(message.call.may_start);
    for (const peer of message.peers || []) this.onPeer({ event: "joined", ...peer });
    if (!this.familyId) this.prepareFamily();
    this.showWaiting();
  }

  onOpen() {
    // After a socket reconnect the server hears the current state again.
    if (this.mediaState === "flowing") this.ui.send({ type: "media", state: "flowing" });
  }

  onPeer(message) {
    if (message.event === "left") {
      this.drop(message.peer);
      if (message.peer === this.familyId) {
        this.familyId = null;
        this.prepareFamily(); // for the family's return (a reloaded page is a new peer)
      }
      this.showWaiting();
      return;
    }
    if (message.role === "family") {
      if (this.familyId === message.peer && this.family) return; // a socket reconnect
      if (this.familyId && this.familyId !== message.peer) this.drop(this.familyId);
      this.familyId = message.peer;
      if (this.ready()) this.connectFamily();
      this.showWaiting();
    } else if (message.role === "officer" && !this.peers.has(message.peer)) {
      this.connectOfficer(message.peer);
    }
  }

  onState(message) {
    this.custody = Boolean(message.custody_confirmed);
    this.mayStart = Boolean(message.may_start);
    if (this.ready() && this.familyId && !this.family) this.connectFamily();
    else if (!this.familyId) this.prepareFamily();
    this.showWaiting();
  }

  // Custody confirmed and the start reached: the server relays nothing to the family before.
  ready() {
    return this.custody && this.mayStart;
  }

  onSignal(message) {
    const peer = this.peers.get(message.from);
    if (peer) peer.handle(message);
  }

  showWaiting() {
    if (this.ended || (this.family && this.family.connected)) return;
    const { strings } = this.ui;
    if (!this.custody) this.ui.setState("custody", strings.waiting_custody);
    else if (!this.mayStart) this.ui.setState("waiting-start", strings.waiting_start);
    else if (!this.familyId) this.ui.setState("waiting", strings.waiting_family);
    else this.ui.setState("connecting", strings.connecting);
  }

  makePeer(id, role) {
    const peer = new Peer(id, role, this.ui.media, this.ui.send);
    peer.created = Date.now();
    peer.badSince = null;
    peer.lastRestart = 0;
    peer.restarts = 0;
    peer.connected = false;
    peer.everConnected = false;
    peer.pc.addEventListener("iceconnectionstatechange", () => {
      const state = peer.pc.iceConnectionState;
      console.debug("call: ice", state);
      peer.connected = state === "connected" || state === "completed";
      if (peer.connected) {
        peer.everConnected = true;
        peer.restarts = 0;
      }
      if (peer === this.family) {
        if (peer.connected) this.ui.setState("connected", this.ui.strings.connected);
        else if (peer.everConnected) this.ui.setState("reconnecting", this.ui.strings.reconnecting);
      }
    });
    if (id !== null) this.peers.set(id, peer);
    return peer;
  }

  // Once custody is confirmed, the connection to the family is made (offer
  // and ICE gathering) before the family arrives, even before the start: it is
  // sent when they are there and the visit may start.
  prepareFamily() {
    if (this.ended || !this.custody || this.spare || !this.ui.media) return;
    this.spare = this.makePeer(null, "family");
    this.setUpFamily(this.spare);
    this.spare.offer();
  }

  connectFamily() {
    let peer = this.spare;
    this.spare = null;
    if (peer && peer.pc.signalingState !== "closed") {
      peer.created = Date.now();
      this.peers.set(this.familyId, peer);
      peer.assign(this.familyId);
    } else {
      peer = this.makePeer(this.familyId, "family");
      this.setUpFamily(peer);
      peer.offer();
    }
    this.family = peer;
    this.lastBytes = 0;
  }

  setUpFamily(peer) {
    // The camera may still be starting (it starts beside the socket): the offer waits for it.
    peer.run(async () => {
      const local = await this.ui.localReady;
      for (const track of local.getTracks()) peer.pc.addTrack(track, local);
    });
    peer.pc.addEventListener("track", (event) => {
      this.familyTracks[event.track.kind] = event.track;
      this.ui.attach("remote-video", event.streams[0] || new MediaStream([event.track]));
      for (const officer of this.officers()) {
        const sender = officer.forward[event.track.kind];
        if (sender) sender.replaceTrack(event.track);
      }
      this.startRecording();
    });
  }

  connectOfficer(id) {
    const peer = this.makePeer(id, "officer");
    peer.forward = {};
    peer.run(async () => {
      const local = await this.ui.localReady;
      // Fixed order, read by the officer's page: terminal audio, terminal video,
      // family audio, family video. Family tracks are swapped in without renegotiating.
      for (const kind of ["audio", "video"]) {
        const [track] = kind === "audio" ? local.getAudioTracks() : local.getVideoTracks();
        peer.pc.addTransceiver(track || kind, { direction: "sendonly", streams: [local] });
      }
      for (const kind of ["audio", "video"]) {
        const transceiver = peer.pc.addTransceiver(this.familyTracks[kind] || kind, {
          direction: "sendonly",
          streams: [this.relayStream],
        });
        peer.forward[kind] = transceiver.sender;
      }
    });
    peer.offer();
  }

  officers() {
    return [...this.peers.values()].filter((peer) => peer.role === "officer");
  }

  drop(id) {
    const peer = this.peers.get(id);
    if (!peer) return;
    peer.close();
    this.peers.delete(id);
    if (peer === this.family) {
      this.family = null;
      this.familyTracks = {};
      // The recording goes on: a family that comes back continues the same file.
    }
  }

  startRecording() {
    const { video, audio } = this.familyTracks;
    if (!this.recorder || !video || !audio) return;
    if (!this.recorder.active) {
      this.recorder.start(document.getElementById("remote-video"), this.ui.local.getAudioTracks());
    }
    this.recorder.addAudio(audio);
  }

  async tick() {
    if (this.ticking || this.ended) return;
    this.ticking = true;
    try {
      const now = Date.now();
      if (this.family) await this.sample(this.family, now);
      for (const peer of this.peers.values()) this.watch(peer, now);
      this.reportMedia();
    } finally {
      this.ticking = false;
    }
  }

  // What arrives from the family: video bytes for the media report, and
  // whether anything at all still arrives (a cut path shows here seconds
  // before the browser calls the connection "disconnected").
  async sample(peer, now) {
    let video = 0;
    let total = 0;
    try {
      (await peer.pc.getStats()).forEach((report) => {
        if (report.type !== "inbound-rtp") return;
        total += report.bytesReceived || 0;
        if (report.kind === "video") video += report.bytesReceived || 0;
      });
    } catch {
      return;
    }
    const arriving = total > (peer.inboundBytes || 0);
    peer.quietSince = arriving ? null : peer.quietSince || now;
    if (arriving && peer.connected) peer.restarts = 0;
    peer.inboundBytes = total;
    peer.videoBytes = video;
  }

  // ICE restart when the path is down: disconnected for 2 s, failed, never
  // up, or nothing received from the family for 2 s although "connected".
  watch(peer, now) {
    const state = peer.pc.iceConnectionState;
    const quiet = peer.connected && peer.quietSince && now - peer.quietSince >= QUIET_MS;
    const bad =
      state === "failed" ||
      state === "disconnected" ||
      quiet ||
      (!peer.connected && (peer.everConnected || now - peer.created > FIRST_CONNECT_MS));
    if (!bad) {
      peer.badSince = null;
      return;
    }
    peer.badSince = peer.badSince || now;
    // A restart's TURN allocation made while the server is away is retried by the
    // browser at growing intervals; a fresh restart every 2 s finds a server that is
    // back within 2 s. After ten, every 5 s.
    const spacing = peer.restarts < 10 ? 2000 : 5000;
    const due = state === "failed" || quiet || now - peer.badSince >= BAD_BEFORE_RESTART_MS;
    if (due && now - peer.lastRestart >= spacing) {
      peer.lastRestart = now;
      peer.restarts += 1;
      peer.quietSince = null; // give the restarted path its own two seconds
      console.debug("call: ice restart", peer.restarts, state);
      peer.offer({ iceRestart: true });
    }
  }

  // The server counts lost time from what the terminal sees arriving from the
  // family: video bytes growing since the last report, checked every second.
  reportMedia() {
    const now = Date.now();
    if (now - (this.reportedAt || 0) < REPORT_MS) return;
    this.reportedAt = now;
    const peer = this.family;
    let flowing = false;
    if (peer) {
      flowing = (peer.videoBytes || 0) > this.lastBytes;
      this.lastBytes = peer.videoBytes || 0;
    }
    const state = flowing ? "flowing" : "stalled";
    if (state !== this.mediaState) {
      this.mediaState = state;
      this.ui.send({ type: "media", state });
    }
  }

  // The server's command: every connection closes, so a page that ignored
  // the end still receives nothing more. The last chunk is still uploaded.
  end() {
    this.ended = true;
    clearInterval(this.timer);
    for (const id of [...this.peers.keys()]) this.drop(id);
    if (this.spare) this.spare.close();
    this.spare = null;
    return this.recorder ? this.recorder.stop() : Promise.resolve();
  }
}
