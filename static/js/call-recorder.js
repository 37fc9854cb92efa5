// The terminal's recording of a recorded visit: the family's picture and both
// voices mixed into one audio track, cut into timed chunks that are uploaded
// in order and retried until the server has them.

const CHUNK_MS = 5000;
const WIDTH = 640;
const HEIGHT = 480;
const FPS = 15;
const MAX_ATTEMPTS = 8;
const TYPES = ["video/webm;codecs=vp8,opus", "video/webm", "video/mp4"];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class Recorder {
  // urlFor(seq) is the upload address of chunk ``seq``; csrf the page's token.
  constructor(urlFor, csrf) {
    this.urlFor = urlFor;
    this.csrf = csrf;
    this.seq = 0;
    this.uploads = Promise.resolve();
    this.recorder = null;
    this.audio = null;
    this.failed = 0;
  }

  get active() {
    return Boolean(this.recorder && this.recorder.state !== "inactive");
  }

  // ``video`` is the element showing the family; ``audioTracks`` the terminal's
  // own voice. The picture is copied onto a canvas and the voices mixed, so
  // the recording is one continuous file even when the family's page reloads
  // and its tracks are replaced (addAudio takes the new voice).
  start(video, audioTracks) {
    if (this.active || typeof MediaRecorder === "undefined") return;
    this.audio = new AudioContext();
    this.audio.resume();
    this.mix = this.audio.createMediaStreamDestination();
    this.sources = new Map();
    for (const track of audioTracks) this.addAudio(track);
    const canvas = document.createElement("canvas");
    canvas.width = WIDTH;
    canvas.height = HEIGHT;
    const context = canvas.getContext("2d");
    this.drawing = setInterval(() => {
      if (video.videoWidth) context.drawImage(video, 0, 0, WIDTH, HEIGHT);
    }, 1000 / FPS);
    const stream = new MediaStream([
      ...canvas.captureStream(FPS).getVideoTracks(),
      ...this.mix.stream.getAudioTracks(),
    ]);
    const mimeType = TYPES.find((type) => MediaRecorder.isTypeSupported(type)) || "";
    this.recorder = new MediaRecorder(stream, mimeType ? { mimeType } : {});
    this.recorder.addEventListener("dataavailable", (event) => {
      if (event.data && event.data.size > 0) this.upload(event.data);
    });
    this.recorder.start(CHUNK_MS);
  }

  addAudio(track) {
    if (!this.audio || this.sources.has(track.id)) return;
    const source = this.audio.createMediaStreamSource(new MediaStream([track]));
    source.connect(this.mix);
    this.sources.set(track.id, source);
    track.addEventListener("ended", () => {
      source.disconnect();
      this.sources.delete(track.id);
    });
  }

  upload(blob) {
    const seq = this.seq;
    this.seq += 1;
    // One upload at a time, in order: the server appends chunk after chunk.
    this.uploads = this.uploads.then(() => this.post(seq, blob));
  }

  async post(seq, blob) {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      try {
        const response = await fetch(this.urlFor(seq), {
          method: "POST",
          body: blob,
          credentials: "same-origin",
          headers: { "X-CSRFToken": this.csrf, "Content-Type": blob.type || "video/webm" },
        });
        if (response.ok) return;
        // Refused for good (not allowed, too late, too big): retrying cannot help.
        if (response.status >= 400 && response.status < 500 && ![408, 429].includes(response.status)) {
          this.failed += 1;
          return;
        }
      } catch {
        // The network is down: wait and try again.
      }
      await sleep(Math.min(1000 * 2 ** attempt, 10_000));
    }
    this.failed += 1;
  }

  // Stops recording; resolves once the last chunk has been handed to the server.
  stop() {
    if (!this.active) return this.uploads;
    const recorder = this.recorder;
    return new Promise((resolve) => {
      recorder.addEventListener("stop", () => {
        clearInterval(this.drawing);
        if (this.audio) this.audio.close();
        this.audio = null;
        // The final dataavailable fires before stop: its upload is queued already.
        resolve(this.uploads);
      });
      recorder.stop();
    });
  }
}
