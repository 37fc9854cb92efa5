// A bare call between two tabs of one browser: the offerer (?role=offerer)
// plays the terminal, the answerer the family. Same Peer class and media
// constraints as static/js/call.js; no server in between.
import { Peer, newPeerId } from "/static/js/call-socket.js";

const role = new URLSearchParams(location.search).get("role") || "answerer";
const me = newPeerId();
const channel = new BroadcastChannel("visitline-bare-call");
const media = { ice_servers: [], ice_transport_policy: "all" };
const root = document.getElementById("call");
const send = (message) => channel.postMessage({ ...message, from: me });
const api = { call: { role: { peer: null } } };
window.visitlineCall = api;

const local = await navigator.mediaDevices.getUserMedia({
  audio: { echoCancellation: true, noiseSuppression: true },
  video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 24 } },
});
document.getElementById("local-video").srcObject = local;

function makePeer(id) {
  const peer = new Peer(id, role === "offerer" ? "family" : "terminal", media, send);
  peer.pc.addEventListener("track", (event) => {
    const video = document.getElementById("remote-video");
    if (video.srcObject !== event.streams[0]) video.srcObject = event.streams[0];
  });
  peer.pc.addEventListener("connectionstatechange", () => {
    root.dataset.state = peer.pc.connectionState;
  });
  api.call.role.peer = peer;
  return peer;
}

channel.addEventListener("message", ({ data }) => {
  if (data.to && data.to !== me) return;
  if (data.type === "hello" && role === "answerer") send({ type: "here", to: data.from });
  if (data.type === "here" && role === "offerer" && !api.call.role.peer) {
    const peer = makePeer(data.from);
    for (const track of local.getTracks()) peer.pc.addTrack(track, local);
    peer.offer();
  }
  if (data.type === "signal") {
    let peer = api.call.role.peer;
    if (!peer && role === "answerer") {
      peer = makePeer(data.from);
      peer.beforeAnswer = async () => {
        if (peer.pc.getSenders().some((sender) => sender.track)) return;
        for (const track of local.getTracks()) peer.pc.addTrack(track, local);
      };
    }
    if (peer) peer.handle(data);
  }
});
root.dataset.state = "waiting";
if (role === "offerer") send({ type: "hello" });
