// The signaling socket of a video visit (docs/video.md, "Sockets").
//
// The page picks its peer id once per load and keeps it across reconnects, so
// the server and the terminal see the same participant come back.

// 4000: the server ended the visit; 44xx: refused. Neither is worth retrying.
export const isFinalClose = (code) => code === 4000 || (code >= 4400 && code < 4500);

const MAX_DELAY_MS = 10_000;
const MAX_QUEUED = 200;

export function newPeerId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class Signaling {
  // onMessage(message), onStatus(status, closeCode): status is open, reconnecting or closed.
  constructor(path, peer, { onMessage, onStatus }) {
    this.url = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}${path}?peer=${peer}`;
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.attempt = 0;
    this.queue = [];
    this.stopped = false;
    this.ws = null;
    this.timer = null;
  }

  open() {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.attempt = 0;
      this.onStatus("open");
      for (const message of this.queue.splice(0)) ws.send(JSON.stringify(message));
    });
    ws.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      this.onMessage(message);
    });
    ws.addEventListener("close", (event) => {
      if (this.ws === ws) this.ws = null;
      if (this.stopped || isFinalClose(event.code)) {
        this.stopped = true;
        this.onStatus("closed", event.code);
        return;
      }
      // Backoff 1, 2, 4, 8, 10, 10 ... seconds: a restarting server is not flooded.
      const delay = Math.min(1000 * 2 ** this.attempt, MAX_DELAY_MS);
      this.attempt += 1;
      this.onStatus("reconnecting", event.code);
      this.timer = setTimeout(() => this.open(), delay);
    });
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(message));
    } else if (!this.stopped && this.queue.length < MAX_QUEUED) {
      this.queue.push(message);
    }
  }

  close() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000);
  }
}

// One RTCPeerConnection to another participant. Signals are handled one at a
// time, in order; candidates that arrive before the description wait for it.
export class Peer {
  constructor(id, role, media, send) {
    this.id = id;
    this.role = role;
    this.send = send;
    this.pc = new RTCPeerConnection({
      iceServers: media.ice_servers || [],
      iceTransportPolicy: media.ice_transport_policy || "all",
    });
    this.chain = Promise.resolve();
    this.pending = [];
    this.outbox = [];
    this.beforeAnswer = null; // async hook: the answering side adds its tracks here
    this.afterAnswer = null;
    this.pc.addEventListener("icecandidate", (event) => {
      if (event.candidate) this.signal({ candidate: event.candidate.toJSON() });
    });
  }

  signal(body) {
    if (this.id === null) this.outbox.push(body);
    else this.send({ type: "signal", to: this.id, ...body });
  }

  // A connection made before its peer was known: what it said waits until now.
  assign(id) {
    this.id = id;
    return this.run(async () => {
      for (const body of this.outbox.splice(0)) this.signal(body);
    });
  }

  run(step) {
    this.chain = this.chain.then(step).catch((error) => console.warn("call:", error));
    return this.chain;
  }

  handle(message) {
    return this.run(async () => {
      if (this.pc.signalingState === "closed") return;
      if (message.description) {
        await this.pc.setRemoteDescription(message.description);
        for (const candidate of this.pending.splice(0)) await this.addCandidate(candidate);
        if (message.description.type === "offer") {
          if (this.beforeAnswer) await this.beforeAnswer(this);
          await this.pc.setLocalDescription();
          this.signal({ description: this.pc.localDescription.toJSON() });
          if (this.afterAnswer) await this.afterAnswer(this);
        }
      } else if (message.candidate) {
        if (this.pc.remoteDescription) await this.addCandidate(message.candidate);
        else this.pending.push(message.candidate);
      }
    });
  }

  async addCandidate(candidate) {
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (error) {
      // A candidate of an abandoned ICE generation: harmless.
      console.debug("call: candidate ignored", error);
    }
  }

  // The terminal's side: it is always the offerer, so offers never cross.
  offer({ iceRestart = false } = {}) {
    return this.run(async () => {
      if (this.pc.signalingState === "closed") return;
      if (this.pc.signalingState === "have-local-offer") {
        // The last offer went unanswered (the peer was away): start over.
        await this.pc.setLocalDescription({ type: "rollback" });
      }
      await this.pc.setLocalDescription(await this.pc.createOffer({ iceRestart }));
      this.signal({ description: this.pc.localDescription.toJSON() });
    });
  }

  close() {
    this.pc.close();
  }
}
