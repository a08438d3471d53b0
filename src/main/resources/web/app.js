// DeepFER web demo: webcam (or an image or video file) -> JPEG frames -> the server's faces ->
// boxes, labels and probability bars drawn on a canvas over the picture.
'use strict';

(() => {
  const MAX_WIDTH = 640; // frames are shrunk to this width before they are sent
  const QUALITY = 0.8; // JPEG quality of the frames
  // One colour per class, in FER2013 order (angry, disgust, fear, happy, sad, surprise, neutral),
  // the same as the realtime command's overlay.
  const COLOURS = ['#dc2828', '#288c28', '#a03ca0', '#f0c828', '#2878c8', '#ffa028', '#b4b4b4'];

  const $ = (id) => document.getElementById(id);
  const video = $('video');
  const still = $('still');
  const overlay = $('overlay');
  const status = $('status');
  const grab = document.createElement('canvas');

  let info = { classes: [], maxFrameBytes: 2 << 20, maxUploadBytes: 16 << 20 };
  let run = 0; // bumped whenever the source changes, which ends the previous source's loop
  let stream = null; // the camera's, while it is on
  let objectUrl = null; // the chosen file's
  let frames = 0;
  let facesSeen = 0;

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const say = (text) => { $('message').textContent = text; };
  const colour = (c) => COLOURS[((c % COLOURS.length) + COLOURS.length) % COLOURS.length];

  function newSession() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    return Math.random().toString(36).slice(2) + Date.now().toString(36);
  }

  async function start() {
    try {
      const response = await fetch('api/info');
      info = await response.json();
      $('model').textContent = `model ${info.model} via ${info.engine}, detector ${info.detector}`;
    } catch (e) {
      say(`The server does not answer (${e}).`);
    }
    $('file').addEventListener('change', (e) => {
      if (e.target.files.length > 0) {
        useFile(e.target.files[0]);
      }
    });
    $('camera').addEventListener('click', useCamera);
    useCamera();
  }

  /** Ends the current source (camera, file) and its loop; returns the new run's number. */
  function stopSource() {
    run++;
    if (stream) {
      stream.getTracks().forEach((t) => t.stop());
      stream = null;
    }
    video.pause();
    video.srcObject = null;
    video.removeAttribute('src');
    if (objectUrl) {
      URL.revokeObjectURL(objectUrl);
      objectUrl = null;
    }
    overlay.getContext('2d').clearRect(0, 0, overlay.width, overlay.height);
    frames = 0;
    return run;
  }

  function showVideo() {
    still.hidden = true;
    video.hidden = false;
  }

  function showStill() {
    video.hidden = true;
    still.hidden = false;
  }

  async function useCamera() {
    const id = stopSource();
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say('No camera access from this address (browsers allow it on http://127.0.0.1 or https).'
        + ' Choose an image or a video file instead.');
      return;
    }
    try {
      const s = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 640 }, height: { ideal: 480 } },
        audio: false,
      });
      if (id !== run) {
        s.getTracks().forEach((t) => t.stop());
        return;
      }
      stream = s;
      showVideo();
      video.muted = true;
      video.srcObject = s;
      await video.play();
      say('Camera on.');
      loop(id, newSession());
    } catch (e) {
      say(`No camera (${e.name || e}). Choose an image or a video file instead.`);
    }
  }

  async function useFile(file) {
    const id = stopSource();
    objectUrl = URL.createObjectURL(file);
    if (file.type.startsWith('video/')) {
      showVideo();
      video.muted = true;
      video.loop = true;
      video.src = objectUrl;
      try {
        await video.play();
      } catch (e) {
        say(`Cannot play ${file.name} (${e.message || e}).`);
        return;
      }
      say(`Playing ${file.name}.`);
      loop(id, newSession());
    } else if (file.type.startsWith('image/')) {
      showStill();
      still.src = objectUrl;
      try {
        await still.decode();
      } catch (e) {
        say(`Cannot read ${file.name} as an image.`);
        return;
      }
      say(`Analysing ${file.name}…`);
      try {
        // JPEG and PNG go whole (full resolution) when small enough; anything else is re-encoded here.
        const whole = (file.type === 'image/jpeg' || file.type === 'image/png') && file.size <= info.maxUploadBytes;
        const result = whole
          ? await post('api/image', file)
          : await post(`api/frame?session=${newSession()}`, await frameOf(still, still.naturalWidth, still.naturalHeight));
        if (id === run) {
          show(result);
          say(`${file.name}: ${result.faces.length} face(s).`);
        }
      } catch (e) {
        say(String(e.message || e));
      }
    } else {
      say(`${file.name} is neither an image nor a video.`);
    }
  }

  /** Sends the video's current frame, waits for the answer, draws it; again until the source changes. */
  async function loop(id, session) {
    while (id === run) {
      if (video.readyState < 2 || video.paused || !video.videoWidth) {
        await sleep(100);
        continue;
      }
      try {
        const blob = await frameOf(video, video.videoWidth, video.videoHeight);
        const result = await post(`api/frame?session=${session}`, blob);
        if (id === run) {
          show(result);
        }
      } catch (e) {
        say(String(e.message || e));
        await sleep(1000);
      }
    }
  }

  /** The source shrunk to MAX_WIDTH as a JPEG, at lower quality if needed to stay under the limit. */
  async function frameOf(source, width, height) {
    const scale = Math.min(1, MAX_WIDTH / width);
    grab.width = Math.max(1, Math.round(width * scale));
    grab.height = Math.max(1, Math.round(height * scale));
    grab.getContext('2d').drawImage(source, 0, 0, grab.width, grab.height);
    let quality = QUALITY;
    let blob = await new Promise((resolve) => grab.toBlob(resolve, 'image/jpeg', quality));
    while (blob && blob.size > info.maxFrameBytes && quality > 0.25) {
      quality -= 0.2;
      blob = await new Promise((resolve) => grab.toBlob(resolve, 'image/jpeg', quality));
    }
    if (!blob) {
      throw new Error('The browser could not encode the frame.');
    }
    return blob;
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'Content-Type': body.type || 'application/octet-stream' },
    });
    const json = await response.json().catch(() => ({ error: response.statusText }));
    if (!response.ok) {
      throw new Error(`The server refused the frame: ${response.status} ${json.error || ''}`);
    }
    return json;
  }

  function show(result) {
    frames++;
    facesSeen += result.faces.length;
    draw(result);
    status.dataset.frames = String(frames);
    status.dataset.faces = String(result.faces.length);
    status.dataset.facesSeen = String(facesSeen);
    const lines = [`frame ${frames}: ${result.faces.length} face(s), ${result.width}x${result.height} px,`
      + ` detect ${result.ms.detect} ms, classify ${result.ms.classify} ms`];
    for (const f of result.faces) {
      lines.push(`#${f.track} ${f.label} ${(100 * f.confidence).toFixed(0)}% at [${f.box.map(Math.round).join(', ')}]`);
    }
    status.textContent = lines.join('\n');
  }

  /** Boxes, labels and probability bars, in the picture's own pixels (CSS scales the canvas with it). */
  function draw(result) {
    const onStill = !still.hidden;
    const width = onStill ? still.naturalWidth : video.videoWidth;
    const height = onStill ? still.naturalHeight : video.videoHeight;
    overlay.width = width;
    overlay.height = height;
    const ctx = overlay.getContext('2d');
    ctx.clearRect(0, 0, width, height);
    const scale = width / result.width;
    const unit = Math.max(11, Math.round(width / 50)); // text height in canvas pixels
    ctx.textBaseline = 'top';
    const boxes = result.faces.map((f) => f.box.map((v) => v * scale));
    // Each face's tag (label) is placed first, so that no face's bars cover another face's tag: above the
    // face, else one or two rows higher (tags of faces side by side stagger), else below it, each at the
    // face's left edge and then at its right, slid into the picture, on the first place that covers no
    // other face and no earlier tag. Where every place covers something (a crowd), the one hiding the least
    // of the earlier tags, then of the faces. Boxes are drawn first, then bars, then tags on top.
    const bold = `bold ${unit}px sans-serif`;
    ctx.font = bold;
    const tagHeight = unit * 1.4;
    const tags = [];
    result.faces.forEach((f, i) => {
      const [x, y, w, h] = boxes[i];
      const text = `#${f.track} ${f.label} ${(100 * f.confidence).toFixed(0)}%`;
      const tw = ctx.measureText(text).width + unit / 2;
      const faces = boxes.filter((b, j) => j !== i);
      const earlier = tags.map((t) => t.area);
      const above = y - tagHeight >= 0 ? y - tagHeight : y + h;
      const places = [];
      [above, y - 2 * tagHeight, y - 3 * tagHeight, y + h]
        .filter((ty) => ty >= 0 && ty + tagHeight <= height)
        .forEach((ty) => [x, x + w - tw].forEach((tx) => {
          const area = [Math.max(0, Math.min(tx, width - tw)), ty, tw, tagHeight];
          places.push({ area, hidden: [covered(area, earlier), covered(area, faces)] });
        }));
      const clear = places.find((p) => p.hidden[0] === 0 && p.hidden[1] === 0);
      const least = places.reduce((best, p) => (!best || p.hidden[0] < best.hidden[0]
        || (p.hidden[0] === best.hidden[0] && p.hidden[1] < best.hidden[1]) ? p : best), null);
      const chosen = clear || least;
      tags.push({ text, area: chosen ? chosen.area : [Math.max(0, Math.min(x, width - tw)), 0, tw, tagHeight] });
    });
    const colours = result.faces.map((f) => colour(result.classes.indexOf(f.label)));
    ctx.lineWidth = Math.max(2, unit / 5);
    boxes.forEach(([x, y, w, h], i) => {
      ctx.strokeStyle = colours[i];
      ctx.strokeRect(x, y, w, h);
    });
    const charts = [];
    result.faces.forEach((f, i) => {
      const [x, y, w, h] = boxes[i];
      const avoid = boxes.filter((b, j) => j !== i).concat(tags.map((t) => t.area), charts);
      const chart = bars(ctx, f, result.classes, { x, y, w, h }, avoid, unit, width, height);
      if (chart) {
        charts.push(chart);
      }
    });
    tags.forEach(({ text, area: [tx, ty, tw, th] }, i) => {
      ctx.font = bold;
      ctx.fillStyle = colours[i];
      ctx.fillRect(tx, ty, tw, th);
      ctx.fillStyle = '#000';
      ctx.fillText(text, tx + unit / 4, ty + unit * 0.2);
    });
  }

  /** How many pixels of `area` the rectangles `others` cover, counted once per rectangle. */
  function covered([ax, ay, aw, ah], others) {
    return others.reduce((sum, [bx, by, bw, bh]) => {
      const w = Math.min(ax + aw, bx + bw) - Math.max(ax, bx);
      const h = Math.min(ay + ah, by + bh) - Math.max(ay, by);
      return sum + (w > 0 && h > 0 ? w * h : 0);
    }, 0);
  }

  /**
   * A bar per class beside the box: right of it, else left, else below, on the first side that stays in
   * the picture and covers none of `avoid` (the other faces, every tag, the bars drawn before); where none
   * does, over the face's own right side if the face is at least twice the chart's size (a close-up) and
   * it covers none of them there, else nowhere (a crowd: the tag still names the class). Returns the
   * chart's [x, y, width, height], or null when left out.
   */
  function bars(ctx, face, classes, box, avoid, unit, width, height) {
    const row = unit * 1.15;
    const nameWidth = unit * 4.6;
    const barWidth = unit * 5;
    const chartWidth = nameWidth + barWidth + unit / 2;
    const chartHeight = row * classes.length + unit / 2;
    const gap = unit / 2;
    const top = Math.max(0, Math.min(box.y, height - chartHeight));
    const right = box.x + box.w + gap;
    const left = box.x - chartWidth - gap;
    const sides = [[right, top], [left, top], [box.x, box.y + box.h + gap]];
    const free = ([sx, sy]) => covered([sx, sy, chartWidth, chartHeight], avoid) === 0;
    const clear = ([sx, sy]) => sx >= 0 && sy >= 0 && sx + chartWidth <= width && sy + chartHeight <= height
      && free([sx, sy]);
    const over = [Math.max(0, Math.min(right, width - chartWidth)), top];
    const closeUp = box.w >= 2 * chartWidth && box.h >= 2 * chartHeight;
    const place = sides.find(clear) || (closeUp && free(over) ? over : null);
    if (!place) {
      return null;
    }
    const [x0, y0] = place;
    ctx.fillStyle = 'rgba(0, 0, 0, 0.6)';
    ctx.fillRect(x0, y0, chartWidth, chartHeight);
    ctx.font = `${Math.round(unit * 0.85)}px sans-serif`;
    classes.forEach((name, c) => {
      const p = face.probabilities[name] || 0;
      const ry = y0 + unit / 4 + c * row;
      ctx.fillStyle = '#fff';
      ctx.fillText(name, x0 + unit / 4, ry + row * 0.1);
      ctx.fillStyle = '#444';
      ctx.fillRect(x0 + nameWidth, ry + row * 0.15, barWidth, row * 0.7);
      ctx.fillStyle = colour(c);
      ctx.fillRect(x0 + nameWidth, ry + row * 0.15, barWidth * Math.max(0, Math.min(1, p)), row * 0.7);
    });
    return [x0, y0, chartWidth, chartHeight];
  }

  start();
})();
