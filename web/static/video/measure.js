// Latency probe for the test pattern: decodes the wall-clock barcode of every presented frame
// (requestVideoFrameCallback) and records display time minus capture time. Loaded only with ?measure=1.
// Layout (stream/video/ffmpeg.py BarcodeLayout): 2 rows x 20 cells at the top-left; bit i at row i/20,
// column i%20; bits 0..31 = capture ms mod 2^32, bits 32..39 = byte sum mod 256.
(function () {
  "use strict";

  var TWO32 = 4294967296;
  var stats = window.ujianVideoStats = { samples: [], frames: 0, decoded: 0, bad: 0, codes: [], perVideo: {} };

  function decode(ctx, w, h) {
    var cw = Math.floor(w / 20);
    var ch = Math.max(6, Math.floor(h / 18));
    var px = ctx.getImageData(0, 0, cw * 20, ch * 2).data;
    var stride = cw * 20 * 4;
    var bits = [];
    for (var i = 0; i < 40; i++) {
      var row = Math.floor(i / 20);
      var col = i % 20;
      var x = col * cw + Math.floor(cw / 2);
      var y = row * ch + Math.floor(ch / 2);
      var o = y * stride + x * 4;
      bits.push((px[o] + px[o + 1] + px[o + 2]) / 3 > 128 ? 1 : 0);
    }
    var value = 0;
    for (var k = 31; k >= 0; k--) value = value * 2 + bits[k];
    var check = 0;
    for (var j = 39; j >= 32; j--) check = check * 2 + bits[j];
    var sum = (value % 256) + (Math.floor(value / 256) % 256) + (Math.floor(value / 65536) % 256) +
      (Math.floor(value / 16777216) % 256);
    return sum % 256 === check ? value : null;
  }

  function attach(video, key) {
    var canvas = document.createElement("canvas");
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    var mine = stats.perVideo[key] = { samples: [], codes: [] };
    function onFrame(_now, meta) {
      var w = video.videoWidth;
      var h = video.videoHeight;
      stats.frames += 1;
      if (w && h) {
        canvas.width = w;
        canvas.height = Math.max(6, Math.floor(h / 18)) * 2;
        ctx.drawImage(video, 0, 0, w, canvas.height, 0, 0, w, canvas.height);
        var code = decode(ctx, w, h);
        if (code === null) {
          stats.bad += 1;
        } else {
          var shown = performance.timeOrigin + meta.expectedDisplayTime;
          var captured = shown - ((((shown - code) % TWO32) + TWO32) % TWO32);
          var latency = shown - captured;
          stats.decoded += 1;
          stats.samples.push(latency);
          stats.codes.push(code);
          mine.samples.push(latency);
          mine.codes.push(code);
        }
      }
      video.requestVideoFrameCallback(onFrame);
    }
    video.requestVideoFrameCallback(onFrame);
  }

  function boot() {
    var videos = document.querySelectorAll("video");
    for (var i = 0; i < videos.length; i++) {
      var root = videos[i].closest("[data-camera]");
      attach(videos[i], root ? root.dataset.camera : String(i));
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
