// Venue video player: fMP4 fragments over a websocket into MediaSource (ManagedMediaSource on iPhone), kept
// close to the live edge; HLS where there is no MSE. Replay of the archive from any wall-clock moment.
// No inline script: every element is found by its data-* attributes; strings come from data-t-* on the section.
(function () {
  "use strict";

  var HEADER = 17;
  var KIND_INIT = 0;
  var MSE = window.ManagedMediaSource || window.MediaSource;
  var MANAGED = !!window.ManagedMediaSource && MSE === window.ManagedMediaSource;
  var HLS_TYPE = "application/vnd.apple.mpegurl";

  function fmt(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (_, k) {
      return values[k] === undefined ? "" : values[k];
    });
  }

  function seconds(ms) {
    var lang = document.documentElement.lang || "id";
    return new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(ms / 1000);
  }

  function wsBase(base) {
    var scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return scheme + "//" + location.host + base;
  }

  function strings(el) {
    var out = {};
    var ds = el.dataset;
    Object.keys(ds).forEach(function (k) {
      if (k.indexOf("t") === 0 && k.length > 1 && k[1] === k[1].toUpperCase()) {
        out[k[1].toLowerCase() + k.slice(2)] = ds[k];
      }
    });
    return out;
  }

  function newMediaSource(video) {
    var ms = new MSE();
    if (MANAGED) {
      video.disableRemotePlayback = true;
      video.srcObject = ms;
    } else {
      video.src = URL.createObjectURL(ms);
    }
    return ms;
  }

  // ---- live ---------------------------------------------------------------------------------------------
  function LivePlayer(root, section) {
    this.root = root;
    this.camera = root.dataset.camera;
    this.base = section.dataset.videoBase || "/video";
    this.mode = section.dataset.mode || "auto";
    this.t = strings(section);
    this.video = root.querySelector("video");
    this.badge = root.querySelector("[data-video-badge]");
    this.delayEl = root.querySelector("[data-video-delay]");
    this.targetLag = parseFloat(section.dataset.targetLag || "0.1") || 0.1;
    this.frameS = 0.04;
    this.epoch = null;
    this.ms = null;
    this.sb = null;
    this.queue = [];
    this.times = [];
    this.clockOffset = 0;
    this.retry = 500;
    this.state = "";
    this.stats = { transport: null, fragments: 0, bytes: 0, reinits: 0, seeks: 0, startedAt: performance.now(),
                   firstFrameMs: null, delayMs: null, state: "" };
    root.ujianPlayer = this;
  }

  LivePlayer.prototype.start = function () {
    var self = this;
    this.video.muted = true;
    this.video.playsInline = true;
    if (this.video.requestVideoFrameCallback) {
      this.video.requestVideoFrameCallback(function () {
        self.stats.firstFrameMs = Math.round(performance.now() - self.stats.startedAt);
      });
    } else {
      this.video.addEventListener("playing", function () {
        if (self.stats.firstFrameMs === null) {
          self.stats.firstFrameMs = Math.round(performance.now() - self.stats.startedAt);
        }
      }, { once: true });
    }
    var mseOk = MSE && MSE.isTypeSupported && MSE.isTypeSupported('video/mp4; codecs="avc1.42c01e"');
    if (this.mode !== "hls" && mseOk) {
      this.stats.transport = "ws";
      this.connect();
    } else if (this.video.canPlayType(HLS_TYPE)) {
      this.startHls();
    } else {
      this.setState("unsupported");
    }
    setInterval(function () { self.tick(); }, 250);
  };

  LivePlayer.prototype.setState = function (state) {
    if (state === this.state) return;
    this.state = state;
    this.stats.state = state;
    this.root.dataset.state = state;
    if (this.badge) this.badge.textContent = this.t[state] || state;
    if (state !== "live" && this.delayEl) this.delayEl.textContent = "";
  };

  LivePlayer.prototype.connect = function () {
    var self = this;
    this.setState(this.epoch === null ? "connecting" : "reconnecting");
    var ws = new WebSocket(wsBase(this.base) + "/ws/" + encodeURIComponent(this.camera));
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onopen = function () { self.retry = 500; };
    ws.onmessage = function (ev) {
      if (typeof ev.data === "string") self.onText(JSON.parse(ev.data));
      else self.onBinary(ev.data);
    };
    ws.onclose = function () {
      if (self.ws !== ws) return;
      self.setState("reconnecting");
      setTimeout(function () { self.connect(); }, self.retry);
      self.retry = Math.min(self.retry * 2, 10000);
    };
  };

  LivePlayer.prototype.onText = function (msg) {
    if (msg.type === "hello") {
      this.clockOffset = msg.server_ms - Date.now();
      // Every hello carries the init segment after it: start a fresh MediaSource (new epoch or reconnect).
      this.reinit(msg);
    } else if (msg.type === "offline") {
      this.setState("offline");
    }
  };

  LivePlayer.prototype.reinit = function (hello) {
    var self = this;
    this.epoch = hello.epoch;
    this.queue = [];
    this.times = [];
    this.sb = null;
    this.stats.reinits += 1;
    this.stats.epoch = hello.epoch;
    if (this.ms && !MANAGED && this.video.src) URL.revokeObjectURL(this.video.src);
    var ms = newMediaSource(this.video);
    this.ms = ms;
    ms.addEventListener("sourceopen", function () {
      if (self.ms !== ms) return;
      var sb = ms.addSourceBuffer('video/mp4; codecs="' + hello.codec + '"');
      sb.mode = "segments";
      sb.addEventListener("updateend", function () { self.afterAppend(); });
      self.sb = sb;
      self.pump();
    }, { once: true });
  };

  LivePlayer.prototype.onBinary = function (buf) {
    var dv = new DataView(buf);
    var kind = dv.getUint8(0);
    var wall = Number(dv.getBigUint64(1));
    var mediaUs = Number(dv.getBigUint64(9));
    if (kind !== KIND_INIT) {
      var last = this.times[this.times.length - 1];
      if (last && mediaUs / 1e6 > last[0]) this.frameS = Math.min(0.1, mediaUs / 1e6 - last[0]);
      this.times.push([mediaUs / 1e6, wall]);
      if (this.times.length > 900) this.times.splice(0, 300);
      this.stats.fragments += 1;
    }
    this.stats.bytes += buf.byteLength;
    this.queue.push(new Uint8Array(buf, HEADER));
    this.pump();
  };

  LivePlayer.prototype.pump = function () {
    var sb = this.sb;
    if (!sb || sb.updating || !this.queue.length) return;
    try {
      sb.appendBuffer(this.queue.shift());
    } catch (e) {
      // Quota or a closed source: start clean from the next hello (reconnect gets one at once).
      if (this.ws) this.ws.close();
    }
  };

  LivePlayer.prototype.afterAppend = function () {
    var sb = this.sb;
    var v = this.video;
    if (!sb) return;
    var b = sb.buffered;
    if (b.length) {
      var start = b.start(b.length - 1);
      var end = b.end(b.length - 1);
      // Jump to the live edge when joining (the GOP cache starts up to a second back) or after a stall.
      if (v.currentTime < start || end - v.currentTime > 1.0) {
        v.currentTime = Math.max(start, end - Math.max(this.targetLag, 2 * this.frameS));
        this.stats.seeks += 1;
      }
      if (v.paused) {
        var p = v.play();
        if (p && p.catch) p.catch(function () {});
      }
      if (!sb.updating && b.start(0) < v.currentTime - 30) {
        sb.remove(0, v.currentTime - 10);
        return;
      }
    }
    this.pump();
  };

  LivePlayer.prototype.tick = function () {
    var v = this.video;
    if (this.stats.transport === "hls") return this.tickHls();
    if (!this.sb || !this.sb.buffered.length || v.paused) return;
    var b = this.sb.buffered;
    var lag = b.end(b.length - 1) - v.currentTime;
    this.stats.lagMs = Math.round(lag * 1000);
    // Catch up by playing faster in proportion to how far behind the target we are (seeking would stall for
    // a keyframe decode); never slower than real time, so a brief underflow cannot build up more delay.
    // Below about two frames Chromium underflows and rebuffers deeper, so the target never goes lower.
    var target = Math.max(this.targetLag, 2 * this.frameS);
    v.playbackRate = lag > target + 0.04 ? Math.min(1.5, 1 + (lag - target) * 1.5) : 1.0;
    var wall = this.wallAt(v.currentTime);
    if (wall === null) return;
    var delay = Math.max(0, Date.now() + this.clockOffset - wall);
    this.stats.delayMs = Math.round(delay);
    if (this.state !== "offline") this.setState(delay < 5000 ? "live" : "behind");
    if (this.delayEl) this.delayEl.textContent = fmt(this.t.delay, { s: seconds(delay) });
  };

  LivePlayer.prototype.wallAt = function (mediaS) {
    var times = this.times;
    for (var i = times.length - 1; i >= 0; i--) {
      if (times[i][0] <= mediaS) return times[i][1] + (mediaS - times[i][0]) * 1000;
    }
    return null;
  };

  LivePlayer.prototype.startHls = function () {
    var self = this;
    this.stats.transport = "hls";
    this.setState("connecting");
    this.video.src = this.base + "/hls/" + encodeURIComponent(this.camera) + "/live.m3u8";
    this.video.addEventListener("playing", function () { self.setState("hls"); });
    this.video.addEventListener("error", function () {
      self.setState("reconnecting");
      setTimeout(function () { self.startHls(); }, 3000);
    }, { once: true });
    var p = this.video.play();
    if (p && p.catch) p.catch(function () {});
  };

  LivePlayer.prototype.tickHls = function () {
    var v = this.video;
    // Safari maps the playlist's PROGRAM-DATE-TIME to getStartDate(); elsewhere no delay figure is shown.
    if (v.getStartDate && !isNaN(v.getStartDate().getTime()) && !v.paused) {
      var delay = Date.now() - (v.getStartDate().getTime() + v.currentTime * 1000);
      this.stats.delayMs = Math.round(delay);
      if (this.delayEl) this.delayEl.textContent = fmt(this.t.delay, { s: seconds(delay) });
    }
  };

  // ---- replay of the archive ----------------------------------------------------------------------------
  function ReplayPlayer(root) {
    this.root = root;
    this.camera = root.dataset.camera;
    this.base = root.dataset.videoBase || "/video";
    this.t = strings(root);
    this.video = root.querySelector("video");
    this.clock = root.querySelector("[data-replay-clock]");
    this.info = root.querySelector("[data-replay-info]");
    this.segments = [];
    this.pos = 0;
    this.startIndex = 0;
    this.baseMs = 0;
    this.stats = { segmentsAppended: 0, started: false };
    root.ujianReplay = this;
  }

  ReplayPlayer.prototype.start = function (tMs) {
    var self = this;
    var form = this.root.querySelector("[data-replay-form]");
    if (form) {
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var when = new Date(form.elements.when.value).getTime();
        if (!isNaN(when)) self.seek(when);
      });
    }
    fetch(this.base + "/archive/" + encodeURIComponent(this.camera) + "/index.json")
      .then(function (r) { return r.json(); })
      .then(function (index) {
        self.segments = index.segments;
        self.hlsBase = self.base + "/hls/" + encodeURIComponent(self.camera) + "/";
        self.seek(tMs || (self.segments.length ? self.segments[0].start_ms : 0));
      });
    setInterval(function () { self.tick(); }, 250);
  };

  ReplayPlayer.prototype.find = function (tMs) {
    for (var i = 0; i < this.segments.length; i++) {
      var s = this.segments[i];
      if (tMs < s.start_ms + s.duration_ms) return { index: i, exact: tMs >= s.start_ms };
    }
    return null;
  };

  ReplayPlayer.prototype.seek = function (tMs) {
    var found = this.find(tMs);
    if (!found) {
      if (this.info) this.info.textContent = this.t.none || "";
      return;
    }
    var seg = this.segments[found.index];
    var offset = found.exact ? (tMs - seg.start_ms) / 1000 : 0;
    if (this.info) this.info.textContent = found.exact ? "" : (this.t.gap || "");
    if (MSE) this.playMse(found.index, offset);
    else this.playNative(tMs);
  };

  // Native HLS (Safari, iPhone): the archive playlist starts at the requested moment by itself.
  ReplayPlayer.prototype.playNative = function (tMs) {
    this.mode = "native";
    this.video.src = this.hlsBase + "archive.m3u8?t=" + tMs;
    var p = this.video.play();
    if (p && p.catch) p.catch(function () {});
  };

  // MSE in "sequence" mode: segments from any epoch line up one after another from where we start.
  ReplayPlayer.prototype.playMse = function (index, offsetS) {
    var self = this;
    this.mode = "mse";
    this.startIndex = index;
    this.pos = index;
    this.epoch = null;
    this.pending = offsetS;
    this.loading = false;
    var ms = newMediaSource(this.video);
    this.ms = ms;
    ms.addEventListener("sourceopen", function () {
      if (self.ms !== ms) return;
      // The codec string is read by the browser from the init segment; avc1 baseline/main/high all fit.
      self.sb = ms.addSourceBuffer('video/mp4; codecs="avc1.42c01e"');
      self.sb.mode = "sequence";
      self.fill();
    }, { once: true });
  };

  ReplayPlayer.prototype.fetchBytes = function (url) {
    return fetch(url).then(function (r) {
      if (!r.ok) throw new Error(url + ": " + r.status);
      return r.arrayBuffer();
    });
  };

  ReplayPlayer.prototype.append = function (buf) {
    var sb = this.sb;
    return new Promise(function (resolve, reject) {
      sb.addEventListener("updateend", function () { resolve(); }, { once: true });
      try { sb.appendBuffer(buf); } catch (e) { reject(e); }
    });
  };

  // Keep about 20 s ahead of the playhead, fetching segments (and each epoch's init) in order.
  ReplayPlayer.prototype.fill = function () {
    var self = this;
    var ms = this.ms;
    if (this.loading || this.pos >= this.segments.length || !this.sb || this.ms !== ms) return;
    var b = this.sb.buffered;
    if (b.length && b.end(b.length - 1) - this.video.currentTime > 20) return;
    this.loading = true;
    var seg = this.segments[this.pos];
    var chain = Promise.resolve();
    if (seg.epoch !== this.epoch) {
      chain = chain.then(function () { return self.fetchBytes(self.hlsBase + seg.epoch + "/init.mp4"); })
        .then(function (buf) { return self.append(buf); });
      this.epoch = seg.epoch;
    }
    chain.then(function () { return self.fetchBytes(self.hlsBase + seg.url); })
      .then(function (buf) { return self.append(buf); })
      .then(function () {
        if (self.ms !== ms) return;
        self.pos += 1;
        self.stats.segmentsAppended += 1;
        self.loading = false;
        if (self.pending !== null) {
          self.video.currentTime = self.pending;
          self.pending = null;
          var p = self.video.play();
          if (p && p.catch) p.catch(function () {});
          self.stats.started = true;
        }
        self.fill();
      })
      .catch(function () { self.loading = false; });
  };

  // Wall clock of the playhead: the segment under it, by summing durations from where playback started.
  ReplayPlayer.prototype.wallNow = function () {
    if (this.mode === "native") {
      var v = this.video;
      if (v.getStartDate && !isNaN(v.getStartDate().getTime())) return v.getStartDate().getTime() + v.currentTime * 1000;
      return null;
    }
    var t = this.video.currentTime * 1000;
    for (var i = this.startIndex; i < this.segments.length; i++) {
      var s = this.segments[i];
      if (t < s.duration_ms) return { ms: s.start_ms + t, seg: s };
      t -= s.duration_ms;
    }
    return null;
  };

  ReplayPlayer.prototype.tick = function () {
    if (this.mode === "mse") this.fill();
    var now = this.wallNow();
    if (!now || !this.clock) return;
    var ms = typeof now === "number" ? now : now.ms;
    var lang = document.documentElement.lang || "id";
    this.clock.textContent = new Date(ms).toLocaleString(lang, { hour12: false }) + "." +
      String(Math.floor(ms % 1000)).padStart(3, "0");
    this.root.dataset.wallMs = String(Math.round(ms));
    if (now.seg) this.root.dataset.segment = now.seg.epoch + "/" + now.seg.seq + " " + now.seg.sha256.slice(0, 16);
  };

  function boot() {
    document.querySelectorAll("[data-video-section]").forEach(function (section) {
      section.querySelectorAll("[data-video-player]").forEach(function (root) {
        new LivePlayer(root, section).start();
      });
    });
    document.querySelectorAll("[data-video-replay]").forEach(function (root) {
      new ReplayPlayer(root).start(parseInt(root.dataset.t || "0", 10));
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
